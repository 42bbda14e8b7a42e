import { Aspects, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AdoptionStage, FifoFanout, FifoKey, FifoSubscriber, SecureFifoQueue, SecureExistingFifo, SecureFifoTopic, StandardSubscriber, ValidationErrorCode } from '../src';
import { ENV, expectRefused, newApp, newStack, resourcesOf, warningsWithId } from './util';

/*
 * pendingKeys: keys a resource will switch to in a later deploy. Granted like the current key to
 * every caller, admitted for SNS, never used to encrypt (issue 25, "Key changes of our constructs").
 */

const ORG_KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/0000aaaa-12ab-34cd-56ef-1234567890ab';

/** The KMS actions a role's identity policies allow on one resource (as resolved in the template). */
function kmsActionsOn(stack: Stack, role: iam.IRole, resource: unknown): string[] {
  const roleId = stack.getLogicalId(role.node.defaultChild as iam.CfnRole);
  const want = JSON.stringify(resource);
  const actions = new Set<string>();
  for (const [, policy] of resourcesOf(Template.fromStack(stack), 'AWS::IAM::Policy')) {
    if (!JSON.stringify(policy.Properties.Roles).includes(`"${roleId}"`)) {
      continue;
    }
    for (const statement of policy.Properties.PolicyDocument.Statement) {
      const resources = [statement.Resource].flat().map((r: unknown) => JSON.stringify(r));
      if (statement.Effect === 'Allow' && resources.includes(want)) {
        [statement.Action].flat().filter((a: string) => a.startsWith('kms:')).forEach((a: string) => actions.add(a));
      }
    }
  }
  return [...actions].sort();
}

const arnOf = (stack: Stack, key: kms.IKey) => stack.resolve(key.keyArn);

describe('FifoFanout with pendingKeys', () => {
  const stack = newStack();
  const pending = new FifoKey(stack, 'NewKey');
  const fanout = new FifoFanout(stack, 'Prices', { topicName: 'prices', pendingKeys: [pending] });
  const retail = fanout.addSubscriber('Retail');
  const analytics = fanout.addStandardSubscriber('Analytics');
  const role = (id: string) => new iam.Role(stack, id, { assumedBy: new iam.AccountRootPrincipal() });
  const consumer = role('Consumer');
  const analyst = role('Analyst');
  const operator = role('Operator');
  const publisher = role('Publisher');
  const producer = role('Producer');
  const fn = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
  });
  retail.grantConsumeMessages(consumer);
  analytics.grantConsumeMessages(analyst);
  retail.addLambdaConsumer(fn);
  retail.grantRedrive(operator);
  fanout.topic.grantPublish(publisher);
  retail.queue.grantSendMessages(producer);
  const template = Template.fromStack(stack).toJSON();

  test.each([
    ['a FIFO consumer', () => consumer, ['kms:Decrypt']],
    ['a standard consumer', () => analyst, ['kms:Decrypt']],
    ['a Lambda consumer', () => fn.role!, ['kms:Decrypt']],
    ['a redrive operator', () => operator, ['kms:Decrypt', 'kms:GenerateDataKey']],
    ['a publisher', () => publisher, ['kms:Decrypt', 'kms:GenerateDataKey']],
    ['a producer', () => producer, ['kms:Decrypt', 'kms:GenerateDataKey']],
  ])('%s gets on the pending key the actions it gets on the current key', (_, who, actions) => {
    expect(kmsActionsOn(stack, who(), arnOf(stack, pending))).toEqual(actions);
    expect(kmsActionsOn(stack, who(), arnOf(stack, fanout.encryptionKey))).toEqual(actions);
  });

  test('the pending key encrypts nothing: the topic, queues and DLQs stay on the current key', () => {
    const current = JSON.stringify(arnOf(stack, fanout.encryptionKey));
    const encrypted = Object.values<any>(template.Resources)
      .filter((r) => r.Type === 'AWS::SQS::Queue' || r.Type === 'AWS::SNS::Topic')
      .map((r) => JSON.stringify(r.Properties.KmsMasterKeyId));
    expect(encrypted.length).toBe(6);
    expect(encrypted.every((k) => k === current)).toBe(true);
  });

  test('the pending key\'s policy admits SNS for the topic, by aws:SourceArn', () => {
    const policy = template.Resources[stack.getLogicalId(pending.node.defaultChild as kms.CfnKey)].Properties.KeyPolicy;
    const admitted = policy.Statement.filter((s: any) => s.Principal?.Service === 'sns.amazonaws.com');
    expect(admitted).toHaveLength(1);
    expect(admitted[0].Action).toEqual(['kms:GenerateDataKey*', 'kms:Decrypt']);
    expect(JSON.stringify(admitted[0].Condition.ArnEquals['aws:SourceArn'])).toContain(':prices.fifo');
  });

  test('no warning that a key change was not staged: nothing switches in this deploy', () => {
    expect(warningsWithId(stack, 'keyChangeNotStaged')).toEqual([]);
  });
});

test('a subscriber with its own key does not inherit the fan-out\'s pending keys', () => {
  const stack = newStack();
  const pending = new FifoKey(stack, 'NewKey');
  const fanout = new FifoFanout(stack, 'Prices', { pendingKeys: [pending] });
  const own = fanout.addSubscriber('Own', { encryptionKey: new FifoKey(stack, 'OwnKey') });
  const consumer = new iam.Role(stack, 'Consumer', { assumedBy: new iam.AccountRootPrincipal() });
  own.grantConsumeMessages(consumer);
  expect(kmsActionsOn(stack, consumer, arnOf(stack, pending))).toEqual([]);
});

test('SecureFifoQueue: a consumer gets kms:Decrypt and a producer kms:GenerateDataKey and kms:Decrypt on a pending key', () => {
  const stack = newStack();
  const pending = kms.Key.fromKeyArn(stack, 'OrgKey', ORG_KEY_ARN);
  const queue = new SecureFifoQueue(stack, 'Queue', { pendingKeys: [pending] });
  const consumer = new iam.Role(stack, 'Consumer', { assumedBy: new iam.AccountRootPrincipal() });
  const producer = new iam.Role(stack, 'Producer', { assumedBy: new iam.AccountRootPrincipal() });
  queue.grantConsumeMessages(consumer);
  queue.grantSendMessages(producer);
  expect(kmsActionsOn(stack, consumer, ORG_KEY_ARN)).toEqual(['kms:Decrypt']);
  expect(kmsActionsOn(stack, producer, ORG_KEY_ARN)).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
});

test('FifoSubscriber in another stack: its consumers get its pending key; an imported pending key gets the importedKeyPolicy warning with the SNS statement', () => {
  const platform = newStack('Platform');
  const topic = new SecureFifoTopic(platform, 'Topic', { topicName: 'prices' });
  const team = new Stack(platform.node.root, 'Team', { env: platform.env as any });
  const pending = kms.Key.fromKeyArn(team, 'OrgKey', ORG_KEY_ARN);
  const subscriber = new FifoSubscriber(team, 'Retail', { topic, pendingKeys: [pending] });
  const consumer = new iam.Role(team, 'Consumer', { assumedBy: new iam.AccountRootPrincipal() });
  subscriber.grantConsumeMessages(consumer);
  expect(kmsActionsOn(team, consumer, ORG_KEY_ARN)).toEqual(['kms:Decrypt']);
  const warnings = warningsWithId(team, 'importedKeyPolicy');
  expect(warnings.map((w) => w.id)).toEqual(['/Team/Retail']);
  expect(warnings[0].entry.data).toContain('sns.amazonaws.com');
  expect(warnings[0].entry.data).toContain('prices.fifo');
});

test('StandardSubscriber: a consumer and a redrive operator get the pending key', () => {
  const stack = newStack();
  const pending = new FifoKey(stack, 'NewKey');
  const subscriber = new StandardSubscriber(stack, 'Analytics', { topic: new SecureFifoTopic(stack, 'Topic'), pendingKeys: [pending] });
  const consumer = new iam.Role(stack, 'Consumer', { assumedBy: new iam.AccountRootPrincipal() });
  const operator = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
  subscriber.grantConsumeMessages(consumer);
  subscriber.grantRedrive(operator);
  expect(kmsActionsOn(stack, consumer, arnOf(stack, pending))).toEqual(['kms:Decrypt']);
  expect(kmsActionsOn(stack, operator, arnOf(stack, pending))).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
});

describe('refused: a pending key that is already the encryption key, or retired', () => {
  test('FifoFanout: the encryption key in pendingKeys', () => {
    const stack = newStack();
    const key = new FifoKey(stack, 'NewKey');
    expectRefused(() => new FifoFanout(stack, 'Prices', { encryptionKey: key, pendingKeys: [key] }), 'Test/Prices', [['pendingKeys', ValidationErrorCode.PENDING_KEY]]);
  });

  test('SecureFifoQueue: a key both retired and pending', () => {
    const stack = newStack();
    const key = kms.Key.fromKeyArn(stack, 'OrgKey', ORG_KEY_ARN);
    expectRefused(() => new SecureFifoQueue(stack, 'Queue', { retiredKeys: [key], pendingKeys: [key] }), 'Test/Queue', [['pendingKeys', ValidationErrorCode.PENDING_KEY]]);
  });

  test('StandardSubscriber: the topic\'s key (which it shares) in pendingKeys', () => {
    const stack = newStack();
    const topic = new SecureFifoTopic(stack, 'Topic');
    expectRefused(() => new StandardSubscriber(stack, 'Analytics', { topic, pendingKeys: [topic.masterKey!] }), 'Test/Analytics', [['pendingKeys', ValidationErrorCode.PENDING_KEY]]);
  });
});

test('SecureExistingFifo: a hand-wired redrive role (the SQS redrive permissions) gets the pending key on the DLQ and on the queue', () => {
  const stack = new Stack(newApp(), 'Legacy', { env: ENV });
  const topic = new sns.Topic(stack, 'Shipments', { topicName: 'shipments.fifo', fifo: true });
  const dlq = new sqs.Queue(stack, 'CarrierDlq', { queueName: 'carrier-dlq.fifo', fifo: true });
  const queue = new sqs.Queue(stack, 'Carrier', { queueName: 'carrier.fifo', fifo: true, deadLetterQueue: { queue: dlq, maxReceiveCount: 3 } });
  topic.addSubscription(new subs.SqsSubscription(queue, { rawMessageDelivery: true }));
  const operator = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue-redrive.html
  operator.addToPolicy(new iam.PolicyStatement({
    actions: ['sqs:StartMessageMoveTask', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
    resources: [dlq.queueArn],
  }));
  operator.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
  const pending = kms.Key.fromKeyArn(stack, 'OrgKey', ORG_KEY_ARN);
  Aspects.of(stack).add(new SecureExistingFifo({ stage: AdoptionStage.PREPARE, pendingKeys: [pending] }));
  expect(kmsActionsOn(stack, operator, ORG_KEY_ARN)).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
});
