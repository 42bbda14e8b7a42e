import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { FifoFanout, FifoKey, FifoSubscriber, IFifoTopicSubscriber, SecureFifoTopic, StandardSubscriber, ValidationErrorCode } from '../src';
import { ENV, newStack, resourcesOf, warningsWithId, expectRefused } from './util';

/*
 * Standard-queue subscribers of a FIFO topic (AWS's auto-parts use case: the analytics queue) and
 * message-body filter policies (the wholesale and retail queues filtered on the body's `business`).
 * SNS FIFO topics deliver to standard queues at least once, in best-effort order, without the
 * message group ID: https://docs.aws.amazon.com/sns/latest/dg/fifo-message-delivery.html
 */

const business = (value: string) => ({ business: sns.FilterOrPolicy.filter(sns.SubscriptionFilter.stringFilter({ allowlist: [value] })) });

function countResources(stack: Stack): number {
  return Object.keys(Template.fromStack(stack).toJSON().Resources).length;
}

describe('subscribeQueue with a standard queue', () => {
  test('accepts a standard queue on a customer managed key and warns that delivery is at-least-once', () => {
    const stack = newStack();
    const topic = new SecureFifoTopic(stack, 'Topic');
    const queue = new sqs.Queue(stack, 'Analytics', { encryptionMasterKey: new FifoKey(stack, 'Key') });
    topic.subscribeQueue('Prices', queue);
    Template.fromStack(stack).resourceCountIs('AWS::SNS::Subscription', 1);
    const warnings = warningsWithId(stack, 'cdk-secure-fifo:standardQueueAtLeastOnce');
    expect(warnings.map((w) => w.id)).toEqual(['/Test/Analytics']);
    expect(warnings[0].entry.data).toContain('at least once, in best-effort order, without the message group ID');
  });

  test("the subscription DLQ is FIFO: a standard queue's own (standard) DLQ is not used for SNS failures", () => {
    const stack = newStack();
    const topic = new SecureFifoTopic(stack, 'Topic');
    const key = new FifoKey(stack, 'Key');
    const own = new sqs.Queue(stack, 'OwnDlq', { encryptionMasterKey: key });
    const queue = new sqs.Queue(stack, 'Analytics', { encryptionMasterKey: key, deadLetterQueue: { queue: own, maxReceiveCount: 3 } });
    topic.subscribeQueue('Prices', queue);
    const template = Template.fromStack(stack);
    const [[dlqId, dlq]] = resourcesOf(template, 'AWS::SQS::Queue').filter(([id]) => id.includes('PricesDeadLetterQueue'));
    expect(dlq.Properties.FifoQueue).toBe(true);
    template.hasResourceProperties('AWS::SNS::Subscription', { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] } } });
  });

  test.each([
    ['SSE-SQS', { encryption: sqs.QueueEncryption.SQS_MANAGED }, '"SQS_MANAGED"'],
    ['unencrypted', { encryption: sqs.QueueEncryption.UNENCRYPTED }, '"UNENCRYPTED"'],
  ])('a standard queue with %s is still refused', (_what, props, value) => {
    const stack = newStack();
    const topic = new SecureFifoTopic(stack, 'Topic');
    const error = expectRefused(() => topic.subscribeQueue('Prices', new sqs.Queue(stack, 'Analytics', props)), 'Test/Analytics', [
      ['queue.encryption', ValidationErrorCode.NOT_CMK_ENCRYPTED],
    ]);
    expect(error.message).toContain(`queue.encryption: ${value} is not allowed`);
  });
});

describe('FifoFanout.addStandardSubscriber', () => {
  function analytics() {
    const stack = newStack();
    const fanout = new FifoFanout(stack, 'Prices', { topicName: 'price-updates' });
    const subscriber = fanout.addStandardSubscriber('Analytics', { queueName: 'price-analytics', maxReceiveCount: 3 });
    return { stack, fanout, subscriber, template: Template.fromStack(stack) };
  }

  test('builds a standard queue and standard DLQ, a FIFO delivery DLQ, all on the fan-out key and retained', () => {
    const { stack, fanout, template } = analytics();
    const keyArn = { 'Fn::GetAtt': [stack.getLogicalId(fanout.encryptionKey.node.defaultChild as any), 'Arn'] };
    const byName = Object.fromEntries(resourcesOf(template, 'AWS::SQS::Queue').map(([, q]) => [q.Properties.QueueName, q]));
    expect(byName['price-analytics'].Properties.FifoQueue).toBeUndefined();
    expect(byName['price-analytics-dlq'].Properties.FifoQueue).toBeUndefined();
    expect(byName['price-analytics-delivery-dlq.fifo'].Properties.FifoQueue).toBe(true);
    for (const name of ['price-analytics', 'price-analytics-dlq', 'price-analytics-delivery-dlq.fifo']) {
      expect(byName[name].Properties.KmsMasterKeyId).toEqual(keyArn);
      expect(byName[name].DeletionPolicy).toBe('Retain');
    }
    expect(byName['price-analytics'].Properties.RedrivePolicy.maxReceiveCount).toBe(3);
  });

  test('SNS delivery failures go to the FIFO DLQ, consumer failures to the standard DLQ', () => {
    const { stack, subscriber, template } = analytics();
    const arnOf = (queue: sqs.IQueue) => ({ 'Fn::GetAtt': [stack.getLogicalId((queue as sqs.Queue).node.defaultChild as any), 'Arn'] });
    template.hasResourceProperties('AWS::SNS::Subscription', { RedrivePolicy: { deadLetterTargetArn: arnOf(subscriber.deliveryDeadLetterQueue) } });
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'price-analytics', RedrivePolicy: { deadLetterTargetArn: arnOf(subscriber.deadLetterQueue) } });
  });

  test('one policy for the three queues: TLS only on each, SNS admitted to the queue and the delivery DLQ for this topic only', () => {
    const { template } = analytics();
    const policies = resourcesOf(template, 'AWS::SQS::QueuePolicy');
    expect(policies).toHaveLength(1);
    const statements = policies[0][1].Properties.PolicyDocument.Statement;
    expect(statements.filter((s: any) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false')).toHaveLength(3);
    const snsStatements = statements.filter((st: any) => st.Principal?.Service === 'sns.amazonaws.com');
    expect(snsStatements).toHaveLength(2);
    for (const statement of snsStatements) {
      expect(JSON.stringify(statement.Condition)).toContain(':sns:eu-west-1:111111111111:price-updates.fifo');
    }
  });

  test('costs 5 resources: 3 queues, 1 queue policy, 1 subscription', () => {
    const one = newStack();
    new FifoFanout(one, 'Prices');
    const two = newStack();
    new FifoFanout(two, 'Prices').addStandardSubscriber('Analytics');
    expect(countResources(two) - countResources(one)).toBe(5);
  });

  test('a mix of 50 FIFO and 50 standard subscribers fits in one stack (453 of 500 resources)', () => {
    const stack = newStack();
    const fanout = new FifoFanout(stack, 'Prices');
    for (let i = 0; i < 50; i++) {
      fanout.addSubscriber(`Fifo${i}`);
      fanout.addStandardSubscriber(`Standard${i}`);
    }
    expect(countResources(stack)).toBe(453);
  });

  test('warns at-least-once on the subscriber, where it can be acknowledged', () => {
    const { stack } = analytics();
    expect(warningsWithId(stack, 'cdk-secure-fifo:standardQueueAtLeastOnce').map((w) => w.id)).toEqual(['/Test/Prices/Analytics']);
  });

  test('grantConsumeMessages grants receive/delete/visibility on the queue and kms:Decrypt only', () => {
    const stack = newStack();
    const subscriber = new FifoFanout(stack, 'Prices').addStandardSubscriber('Analytics');
    const role = new iam.Role(stack, 'Consumer', { assumedBy: new iam.AccountRootPrincipal() });
    subscriber.grantConsumeMessages(role);
    const statements = resourcesOf(Template.fromStack(stack), 'AWS::IAM::Policy')[0][1].Properties.PolicyDocument.Statement;
    const actions = statements.flatMap((s: any) => [s.Action].flat()).sort();
    expect(actions).toEqual(['kms:Decrypt', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage']);
  });

  test("removalPolicy of the fan-out applies to the standard subscriber's queues", () => {
    const stack = newStack();
    new FifoFanout(stack, 'Prices', { removalPolicy: RemovalPolicy.DESTROY }).addStandardSubscriber('Analytics');
    for (const [, queue] of resourcesOf(Template.fromStack(stack), 'AWS::SQS::Queue')) {
      expect(queue.DeletionPolicy).toBe('Delete');
    }
  });

  test.each([
    ['a .fifo name', 'analytics.fifo', '"analytics.fifo"'],
    ['a name longer than 62 characters', 'a'.repeat(63), `"${'a'.repeat(63)}"`],
  ])('%s is refused, naming the prop', (_what, queueName, value) => {
    const stack = newStack();
    const error = expectRefused(() => new FifoFanout(stack, 'Prices').addStandardSubscriber('Analytics', { queueName }), 'Test/Prices/Analytics', [
      ['queueName', ValidationErrorCode.NAME_FORMAT],
    ]);
    expect(error.message).toContain(`queueName: ${value} is not allowed`);
  });

  test('a standard subscriber in a team stack has its own key and subscription there', () => {
    const stack = newStack();
    const fanout = new FifoFanout(stack, 'Prices', { topicName: 'price-updates' });
    const team = new Stack(stack.node.root as App, 'Team', { env: ENV });
    new StandardSubscriber(team, 'Analytics', { topic: fanout.topic });
    const template = Template.fromStack(team);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.resourceCountIs('AWS::SNS::Subscription', 1);
  });
});

describe('message-body filter policies', () => {
  test('filterPolicyWithMessageBody sets FilterPolicyScope MessageBody and warns at-most-once', () => {
    const stack = newStack();
    new FifoFanout(stack, 'Prices').addSubscriber('Wholesale', { filterPolicyWithMessageBody: business('wholesale') });
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', { FilterPolicyScope: 'MessageBody', FilterPolicy: { business: ['wholesale'] } });
    const warnings = warningsWithId(stack, 'cdk-secure-fifo:filterPolicyAtMostOnce');
    expect(warnings.map((w) => w.id)).toEqual(['/Test/Prices/Wholesale']);
    expect(warnings[0].entry.data).toContain('filterPolicyWithMessageBody on ["business"]');
  });

  test.each([
    ['addSubscriber', (f: FifoFanout, o: any) => f.addSubscriber('S', o), 'Test/Prices/S'],
    ['addStandardSubscriber', (f: FifoFanout, o: any) => f.addStandardSubscriber('S', o), 'Test/Prices/S'],
    ['FifoSubscriber', (f: FifoFanout, o: any) => new FifoSubscriber(Stack.of(f), 'S', { topic: f.topic, ...o }), 'Test/S'],
    ['subscribeQueue', (f: FifoFanout, o: any) => f.topic.subscribeQueue('S', new sqs.Queue(Stack.of(f), 'Q', { fifo: true, encryptionMasterKey: f.encryptionKey }), o), 'Test/Q'],
  ])('%s refuses filterPolicy and filterPolicyWithMessageBody together', (_what, subscribe, path) => {
    const stack = newStack();
    const fanout = new FifoFanout(stack, 'Prices');
    expect(() => subscribe(fanout, {
      filterPolicy: { business: sns.SubscriptionFilter.stringFilter({ allowlist: ['retail'] }) },
      filterPolicyWithMessageBody: business('retail'),
    })).toThrow(new RegExp(`${path}: invalid subscribeQueue\\("(S|Subscription)"\\) props:\\n {2}- filterPolicyWithMessageBody: \\["business"\\] is not allowed; allowed: unset when filterPolicy is set`));
  });

  test('more than 5 keys are refused with our prop, before aws-cdk-lib sees them', () => {
    const stack = newStack();
    const policy = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((k) => [k, sns.FilterOrPolicy.filter(sns.SubscriptionFilter.stringFilter({ allowlist: ['x'] }))]));
    const error = expectRefused(() => new FifoFanout(stack, 'Prices').addSubscriber('S', { filterPolicyWithMessageBody: policy }), 'Test/Prices/S', [
      ['filterPolicyWithMessageBody', ValidationErrorCode.FILTER_POLICY_LIMIT],
    ]);
    expect(error.message).toContain('"6 keys"');
  });

  test('more than 150 combinations of values are refused with our prop', () => {
    const stack = newStack();
    const values = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
    const policy = {
      a: sns.SubscriptionFilter.stringFilter({ allowlist: values(13) }),
      b: sns.SubscriptionFilter.stringFilter({ allowlist: values(12) }),
    };
    const error = expectRefused(() => new FifoFanout(stack, 'Prices').addSubscriber('S', { filterPolicy: policy }), 'Test/Prices/S', [
      ['filterPolicy', ValidationErrorCode.FILTER_POLICY_LIMIT],
    ]);
    expect(error.message).toContain('"156 combinations of values"');
  });

  test('nested body policies count their leaf keys', () => {
    const stack = newStack();
    const leaf = () => sns.FilterOrPolicy.filter(sns.SubscriptionFilter.stringFilter({ allowlist: ['x'] }));
    const policy = { price: sns.FilterOrPolicy.policy({ a: leaf(), b: leaf(), c: leaf() }), business: leaf(), region: leaf() };
    expect(() => new FifoFanout(stack, 'Prices').addSubscriber('S', { filterPolicyWithMessageBody: policy })).not.toThrow();
  });
});

test('FIFO and standard subscribers can be handled alike through IFifoTopicSubscriber', () => {
  const stack = newStack();
  const fanout = new FifoFanout(stack, 'Prices');
  fanout.addSubscriber('Retail');
  fanout.addStandardSubscriber('Analytics');
  const all: IFifoTopicSubscriber[] = fanout.subscribers;
  expect(all.map((s) => [s.node.id, s.fifo, s.queue.fifo, s.deliveryDeadLetterQueue.fifo])).toEqual([
    ['Retail', true, true, true],
    ['Analytics', false, false, true],
  ]);
  expect(all[0].deliveryDeadLetterQueue).toBe(all[0].deadLetterQueue);
  expect(all[1].deliveryDeadLetterQueue).not.toBe(all[1].deadLetterQueue);
});
