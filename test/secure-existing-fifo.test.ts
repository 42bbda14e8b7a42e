import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Annotations as CoreAnnotations, App, AspectPriority, Aspects, CfnParameter, Duration, IAspect, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cfninc from 'aws-cdk-lib/cloudformation-include';
import { SHIPPED_STACKS } from './configurations';
import { replacements, sharedPolicies } from './update-safety';
import { ENV, expectRefused, newApp, resourcesOf } from './util';
import { PriceUpdatesStack } from '../examples/price-updates/stack';
import { SecureExistingFifo, SecureFifoTopic, ValidationErrorCode } from '../src';
import { WARNING } from '../src/private/warnings';

type Build = (stack: Stack) => void;

/** Synthesizes the same hand-wired app before and after the aspect (template validation on: no cycle). */
function beforeAndAfter(build: Build, aspect: (stack: Stack) => void = (s) => Aspects.of(s).add(new SecureExistingFifo())) {
  const before = new Stack(newApp(), 'Legacy', { env: ENV });
  build(before);
  const stack = new Stack(newApp(), 'Legacy', { env: ENV });
  build(stack);
  aspect(stack);
  return { before: Template.fromStack(before), after: Template.fromStack(stack), stack };
}

const resolvedRef = (id: string) => ({ Ref: id });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

function policiesNaming(t: Template, type: string, prop: string, id: string): any[] {
  return resourcesOf(t, type).filter(([, r]) => JSON.stringify(r.Properties[prop]).includes(JSON.stringify(resolvedRef(id)))).map(([, r]) => r);
}

function statementsNaming(t: Template, type: string, prop: string, id: string): any[] {
  return policiesNaming(t, type, prop, id).flatMap((p) => [].concat(p.Properties.PolicyDocument.Statement));
}

function keyStatements(t: Template, keyId: string): any[] {
  return [].concat(t.toJSON().Resources[keyId].Properties.KeyPolicy.Statement);
}

function keyIdOf(value: any): string {
  expect(value).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
  return value['Fn::GetAtt'][0];
}

/**
 * What every adoption must show: nothing replaced, one policy resource per queue and topic, a CMK
 * of the template on every topic and queue, TLS-only policies, SNS admitted in queue policies and
 * keys by the topic's ARN, a DLQ on every subscription and every subscribed queue.
 */
function expectSecuredInPlace(before: Template, after: Template, stack: Stack, topicOfAnotherStack?: string): void {
  expect(replacements(before, after)).toEqual([]);
  // FifoDeliveryChecks (run by the aspect) finds no error after.
  expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
  expect(sharedPolicies(after)).toEqual({});
  const resources = after.toJSON().Resources;
  const topicNames = new Map<string, string>();
  for (const [id, topic] of resourcesOf(after, 'AWS::SNS::Topic')) {
    expect(resources[keyIdOf(topic.Properties.KmsMasterKeyId)].Type).toBe('AWS::KMS::Key');
    topicNames.set(id, topic.Properties.TopicName);
    expect(statementsNaming(after, 'AWS::SNS::TopicPolicy', 'Topics', id)).toContainEqual(expect.objectContaining({
      Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    }));
  }
  for (const [id, queue] of resourcesOf(after, 'AWS::SQS::Queue')) {
    expect(resources[keyIdOf(queue.Properties.KmsMasterKeyId)].Type).toBe('AWS::KMS::Key');
    expect(queue.Properties.SqsManagedSseEnabled).not.toBe(true);
    expect(statementsNaming(after, 'AWS::SQS::QueuePolicy', 'Queues', id)).toContainEqual(expect.objectContaining({
      Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    }));
  }
  for (const [, sub] of resourcesOf(after, 'AWS::SNS::Subscription')) {
    const topicName = topicNames.get(sub.Properties.TopicArn.Ref) ?? topicOfAnotherStack!;
    const queueId = sub.Properties.Endpoint['Fn::GetAtt'][0];
    const queue = resources[queueId];
    const dlqId = sub.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];
    expect(resources[dlqId].Properties.FifoQueue).toBe(true);
    expect(queue.Properties.RedrivePolicy).toBeDefined();
    for (const target of [queueId, dlqId]) {
      // SNS may send, from this topic only (by Ref or by the ARN built from the name).
      expect(statementsNaming(after, 'AWS::SQS::QueuePolicy', 'Queues', target).some((s) => s.Effect === 'Allow'
        && s.Principal?.Service === 'sns.amazonaws.com' && s.Action === 'sqs:SendMessage'
        && (JSON.stringify(s.Condition).includes(JSON.stringify(sub.Properties.TopicArn)) || JSON.stringify(s.Condition).includes(`:${topicName}"`)))).toBe(true);
      // The key admits SNS for this topic, by an ARN written without a reference.
      const keyStatementsHere = keyStatements(after, keyIdOf(resources[target].Properties.KmsMasterKeyId));
      const snsStatement = keyStatementsHere.find((s) => s.Principal?.Service === 'sns.amazonaws.com' && JSON.stringify(s.Condition ?? {}).includes(`:${topicName}"`));
      expect(snsStatement).toMatchObject({ Effect: 'Allow', Action: ['kms:GenerateDataKey*', 'kms:Decrypt'] });
      expect(JSON.stringify(snsStatement.Condition)).not.toMatch(/"Ref":"(?!AWS::)/);
    }
  }
}

function policyStatementsOf(t: Template, roleId: string): any[] {
  return resourcesOf(t, 'AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId))
    .flatMap(([, p]) => [].concat(p.Properties.PolicyDocument.Statement));
}

function fifoTopic(stack: Stack, props: Partial<sns.TopicProps> = {}): sns.Topic {
  return new sns.Topic(stack, 'Orders', { fifo: true, topicName: 'orders', ...props });
}

describe('hand-wired apps, secured in place', () => {
  test('a topic with no key and an unencrypted queue with a raw-delivery subscription and no DLQ', () => {
    const { before, after, stack: secured } = beforeAndAfter((stack) => {
      const topic = fifoTopic(stack);
      const queue = new sqs.Queue(stack, 'Billing', { fifo: true, queueName: 'billing.fifo', encryption: sqs.QueueEncryption.UNENCRYPTED });
      topic.addSubscription(new subs.SqsSubscription(queue, { rawMessageDelivery: true }));
    });
    expectSecuredInPlace(before, after, secured);
    after.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'billing.fifo', SqsManagedSseEnabled: false, KmsMasterKeyId: Match.anyValue() });
    after.hasResourceProperties('AWS::SNS::Subscription', { RawMessageDelivery: true, RedrivePolicy: Match.anyValue() });
    after.resourceCountIs('AWS::KMS::Key', 1);
  });

  test('a topic on the AWS managed key and an SSE-SQS queue with its own DLQ, a subscription DLQ and a filter policy', () => {
    const { before, after, stack: secured } = beforeAndAfter((stack) => {
      const topic = fifoTopic(stack, { masterKey: kms.Alias.fromAliasName(stack, 'AwsSns', 'alias/aws/sns') });
      const dlq = new sqs.Queue(stack, 'BillingDlq', { fifo: true, queueName: 'billing-dlq.fifo' });
      const queue = new sqs.Queue(stack, 'Billing', { fifo: true, queueName: 'billing.fifo', deadLetterQueue: { queue: dlq, maxReceiveCount: 3 } });
      const subDlq = new sqs.Queue(stack, 'BillingSubDlq', { fifo: true, queueName: 'billing-sub-dlq.fifo' });
      topic.addSubscription(new subs.SqsSubscription(queue, {
        deadLetterQueue: subDlq,
        filterPolicy: { business: sns.SubscriptionFilter.stringFilter({ allowlist: ['retail'] }) },
      }));
    });
    expectSecuredInPlace(before, after, secured);
    // The queue's own DLQ and the subscription DLQ are kept, not duplicated.
    after.resourceCountIs('AWS::SQS::Queue', 3);
    after.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('SecureExistingFifoKey'), 'Arn'] } });
  });

  test('a queue on the AWS managed key (as a consumer DLQ, where aws-cdk-lib allows it) gets the CMK', () => {
    const { before, after, stack: secured } = beforeAndAfter((stack) => {
      const topic = fifoTopic(stack);
      const dlq = new sqs.Queue(stack, 'BillingDlq', { fifo: true, queueName: 'billing-dlq.fifo', encryption: sqs.QueueEncryption.KMS_MANAGED });
      const queue = new sqs.Queue(stack, 'Billing', { fifo: true, queueName: 'billing.fifo', deadLetterQueue: { queue: dlq, maxReceiveCount: 3 } });
      topic.addSubscription(new subs.SqsSubscription(queue));
    });
    expect(JSON.stringify(before.toJSON())).toContain('alias/aws/sqs');
    expectSecuredInPlace(before, after, secured);
    expect(JSON.stringify(after.toJSON())).not.toContain('alias/aws/sqs');
  });

  test('a Lambda SqsEventSource keeps its mapping and its role gets kms:Decrypt on the new key', () => {
    const { before, after, stack: secured } = beforeAndAfter((stack) => {
      const topic = fifoTopic(stack);
      const queue = new sqs.Queue(stack, 'Billing', { fifo: true, queueName: 'billing.fifo', visibilityTimeout: Duration.minutes(6) });
      topic.addSubscription(new subs.SqsSubscription(queue));
      const fn = new lambda.Function(stack, 'Handler', {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        timeout: Duration.minutes(1),
        code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
      });
      fn.addEventSource(new SqsEventSource(queue, { reportBatchItemFailures: true }));
    });
    expectSecuredInPlace(before, after, secured);
    const [[roleId]] = resourcesOf(after, 'AWS::IAM::Role');
    const queueKey = keyIdOf(resourcesOf(after, 'AWS::SQS::Queue').find(([, q]) => q.Properties.QueueName === 'billing.fifo')![1].Properties.KmsMasterKeyId);
    expect(policyStatementsOf(after, roleId)).toContainEqual({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: arnOf(queueKey) });
  });

  test('grantPublish and grantConsumeMessages roles get the KMS actions they need on the new key', () => {
    const { before, after, stack } = beforeAndAfter((s) => {
      const topic = fifoTopic(s);
      const queue = new sqs.Queue(s, 'Billing', { fifo: true, queueName: 'billing.fifo' });
      topic.addSubscription(new subs.SqsSubscription(queue));
      topic.grantPublish(new iam.Role(s, 'Publisher', { assumedBy: new iam.AccountRootPrincipal() }));
      queue.grantConsumeMessages(new iam.Role(s, 'Consumer', { assumedBy: new iam.AccountRootPrincipal() }));
      queue.grantSendMessages(new iam.Role(s, 'Producer', { assumedBy: new iam.AccountRootPrincipal() }));
    });
    expectSecuredInPlace(before, after, stack);
    const keyId = stack.getLogicalId(stack.node.findChild('SecureExistingFifoKey').node.defaultChild as kms.CfnKey);
    const key = arnOf(keyId);
    const roleId = (name: string) => stack.getLogicalId(stack.node.findChild(name).node.defaultChild as iam.CfnRole);
    expect(policyStatementsOf(after, roleId('Publisher'))).toContainEqual({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: key });
    expect(policyStatementsOf(after, roleId('Producer'))).toContainEqual({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: key });
    expect(policyStatementsOf(after, roleId('Consumer'))).toContainEqual({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: key });
  });

  test('hand-written policies (an ARN pattern, a JSON managed policy, a role inline policy) get the KMS actions too', () => {
    const { before, after, stack: secured } = beforeAndAfter((stack) => {
      const topic = fifoTopic(stack);
      const queue = new sqs.Queue(stack, 'Billing', { fifo: true, queueName: 'billing.fifo' });
      topic.addSubscription(new subs.SqsSubscription(queue));
      new iam.ManagedPolicy(stack, 'Pattern', {
        statements: [new iam.PolicyStatement({ actions: ['sqs:Receive*', 'sqs:DeleteMessage'], resources: ['arn:aws:sqs:eu-west-1:111111111111:billing*'] })],
      });
      new iam.CfnManagedPolicy(stack, 'Json', {
        policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queue.queueArn }] },
      });
      new iam.Role(stack, 'Inline', {
        assumedBy: new iam.AccountRootPrincipal(),
        inlinePolicies: { publish: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['sns:*'], resources: [topic.topicArn] })] }) },
      });
    });
    expectSecuredInPlace(before, after, secured);
    const key = arnOf(secured.getLogicalId(secured.node.findChild('SecureExistingFifoKey').node.defaultChild as kms.CfnKey));
    const managed = (id: string) => {
      const [, resource] = Object.entries<any>(after.toJSON().Resources).find(([k]) => k.startsWith(id))!;
      return [].concat(resource.Properties.PolicyDocument.Statement);
    };
    expect(managed('Pattern')).toContainEqual({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: key });
    expect(managed('Json')).toContainEqual({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: key });
    const inline = [].concat(resourcesOf(after, 'AWS::IAM::Role')[0][1].Properties.Policies[0].PolicyDocument.Statement);
    expect(inline).toContainEqual({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: key });
  });

  test('an existing queue policy gets the statements: no second policy resource for the queue', () => {
    const { before, after, stack: secured } = beforeAndAfter((stack) => {
      const topic = fifoTopic(stack);
      const queue = new sqs.Queue(stack, 'Billing', { fifo: true, queueName: 'billing.fifo' });
      const policy = new sqs.QueuePolicy(stack, 'BillingPolicy', { queues: [queue] });
      policy.document.addStatements(new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [queue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': topic.topicArn } },
      }));
      new sns.Subscription(stack, 'BillingSubscription', { topic, endpoint: queue.queueArn, protocol: sns.SubscriptionProtocol.SQS });
    });
    expect(resourcesOf(before, 'AWS::SQS::QueuePolicy')).toHaveLength(1);
    expectSecuredInPlace(before, after, secured);
    // The hand-written policy resource holds the TLS statement (the new DLQ has its own).
    expect(statementsNaming(after, 'AWS::SQS::QueuePolicy', 'Queues', resourcesOf(after, 'AWS::SQS::Queue').find(([, q]) => q.Properties.QueueName === 'billing.fifo')![0]))
      .toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
  });

  test('a standard queue on the FIFO topic: a FIFO subscription DLQ, a standard consumer DLQ', () => {
    const { before, after, stack: secured } = beforeAndAfter((stack) => {
      const topic = fifoTopic(stack);
      topic.addSubscription(new subs.SqsSubscription(new sqs.Queue(stack, 'Analytics', { queueName: 'analytics' })));
    });
    expectSecuredInPlace(before, after, secured);
    after.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'analytics-delivery-dlq.fifo', FifoQueue: true });
    after.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'analytics-dlq', FifoQueue: Match.absent() });
  });

  test('enforceSSL already on: the TLS statements are not added twice', () => {
    const { before, after, stack: secured } = beforeAndAfter((stack) => {
      const topic = fifoTopic(stack, { enforceSSL: true });
      topic.addSubscription(new subs.SqsSubscription(new sqs.Queue(stack, 'Billing', { fifo: true, queueName: 'billing.fifo', enforceSSL: true })));
    });
    expectSecuredInPlace(before, after, secured);
    const tls = (t: Template) => JSON.stringify(t.toJSON()).split('aws:SecureTransport').length - 1;
    // Only the new DLQs' policies add TLS statements (one per DLQ).
    expect(tls(after) - tls(before)).toBe(2);
  });

  test('a derived DLQ name another queue already has is not reused: that DLQ gets a generated name', () => {
    const { before, after } = beforeAndAfter((stack) => {
      const topic = fifoTopic(stack);
      topic.addSubscription(new subs.SqsSubscription(new sqs.Queue(stack, 'Billing', { fifo: true, queueName: 'billing.fifo' })));
      // An unrelated queue (not subscribed: left as it is) with the name the consumer DLQ would get.
      new sqs.Queue(stack, 'Archive', { fifo: true, queueName: 'billing-dlq.fifo' });
    });
    expect(replacements(before, after)).toEqual([]);
    const names = resourcesOf(after, 'AWS::SQS::Queue').map(([, q]) => q.Properties.QueueName);
    expect(names.filter((n) => n === 'billing-dlq.fifo')).toHaveLength(1);
    expect(names.filter((n) => n === undefined)).toHaveLength(1);
  });

  test('L1 resources with a JSON queue policy (escape hatches, CfnInclude) are merged into', () => {
    const { before, after, stack: secured } = beforeAndAfter((stack) => {
      const topic = new sns.CfnTopic(stack, 'Orders', { fifoTopic: true, topicName: 'orders.fifo' });
      const queue = new sqs.CfnQueue(stack, 'Billing', { fifoQueue: true, queueName: 'billing.fifo' });
      new sqs.CfnQueuePolicy(stack, 'BillingPolicy', {
        queues: [queue.ref],
        policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: queue.attrArn, Condition: { ArnEquals: { 'aws:SourceArn': topic.ref } } }] },
      });
      new sns.CfnSubscription(stack, 'BillingSubscription', { topicArn: topic.ref, endpoint: queue.attrArn, protocol: 'sqs' });
    });
    expectSecuredInPlace(before, after, secured);
    expect(statementsNaming(after, 'AWS::SQS::QueuePolicy', 'Queues', 'Billing')).toHaveLength(2);
  });
});

test('a CfnInclude\'d CloudFormation template is secured in place too', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'adopt-')), 'template.json');
  fs.writeFileSync(file, JSON.stringify({
    Resources: {
      Orders: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'orders.fifo', FifoTopic: true } },
      Billing: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'billing.fifo', FifoQueue: true } },
      BillingPolicy: {
        Type: 'AWS::SQS::QueuePolicy',
        Properties: {
          Queues: [{ Ref: 'Billing' }],
          PolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['Billing', 'Arn'] }, Condition: { ArnEquals: { 'aws:SourceArn': { Ref: 'Orders' } } } }] },
        },
      },
      BillingSubscription: { Type: 'AWS::SNS::Subscription', Properties: { TopicArn: { Ref: 'Orders' }, Endpoint: { 'Fn::GetAtt': ['Billing', 'Arn'] }, Protocol: 'sqs' } },
    },
  }));
  const { before, after, stack: secured } = beforeAndAfter((stack) => new cfninc.CfnInclude(stack, 'Legacy', { templateFile: file }));
  expectSecuredInPlace(before, after, secured);
  expect(statementsNaming(after, 'AWS::SQS::QueuePolicy', 'Queues', 'Billing')).toHaveLength(2);
});

describe('what it leaves alone, and applying it twice', () => {
  test.each(Object.keys(SHIPPED_STACKS))('%s (shipped stack of this library): the template does not change', (name) => {
    const plain = Template.fromStack(SHIPPED_STACKS[name]()).toJSON();
    const stack = SHIPPED_STACKS[name]();
    Aspects.of(stack.node.root).add(new SecureExistingFifo());
    expect(Template.fromStack(stack).toJSON()).toEqual(plain);
  });

  test('examples/price-updates: the template does not change', () => {
    const plain = Template.fromStack(new PriceUpdatesStack(newApp(), 'PriceUpdates', { env: ENV })).toJSON();
    const app = newApp();
    const stack = new PriceUpdatesStack(app, 'PriceUpdates', { env: ENV });
    Aspects.of(app).add(new SecureExistingFifo());
    expect(Template.fromStack(stack).toJSON()).toEqual(plain);
  });

  test('applied twice, to the App and to the Stack: the same template as once', () => {
    const build: Build = (stack) => {
      const topic = fifoTopic(stack);
      topic.addSubscription(new subs.SqsSubscription(new sqs.Queue(stack, 'Billing', { fifo: true, queueName: 'billing.fifo' })));
    };
    const once = beforeAndAfter(build).after.toJSON();
    const twice = beforeAndAfter(build, (stack) => {
      Aspects.of(stack.node.root).add(new SecureExistingFifo());
      Aspects.of(stack).add(new SecureExistingFifo());
      Aspects.of(stack).add(new SecureExistingFifo());
    }).after.toJSON();
    expect(twice).toEqual(once);
  });

  test('with priority MUTATING it runs before aspects added earlier (e.g. cdk-nag): they see the secured template', () => {
    const app = newApp();
    const stack = new Stack(app, 'Legacy', { env: ENV });
    const topic = fifoTopic(stack);
    topic.addSubscription(new subs.SqsSubscription(new sqs.Queue(stack, 'Billing', { fifo: true, queueName: 'billing.fifo' })));
    const seen: unknown[] = [];
    const reader: IAspect = { visit: (node) => { if (node instanceof sns.CfnTopic) seen.push(node.kmsMasterKeyId); } };
    Aspects.of(app).add(reader);
    Aspects.of(app).add(new SecureExistingFifo(), { priority: AspectPriority.MUTATING });
    Template.fromStack(stack);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeDefined();
  });

  test.each([true, false])('with aspect stabilization %s, the constructs it adds are kept and no aspect is ignored', (stabilization) => {
    const app = newApp();
    app.node.setContext('@aws-cdk/core:aspectStabilization', stabilization);
    const stack = new Stack(app, 'Legacy', { env: ENV });
    fifoTopic(stack).addSubscription(new subs.SqsSubscription(new sqs.Queue(stack, 'Billing', { fifo: true, queueName: 'billing.fifo' })));
    Aspects.of(app).add(new SecureExistingFifo());
    Template.fromStack(stack).resourceCountIs('AWS::SQS::Queue', 3);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('ignoredAspect'))).toEqual([]);
  });

  test('a topic whose name is not known at synth is left as it is, with a warning saying why', () => {
    const { after, stack } = beforeAndAfter((s) => {
      new sns.CfnTopic(s, 'Orders', { fifoTopic: true, topicName: new CfnParameter(s, 'TopicName').valueAsString });
    });
    after.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.absent() });
    Annotations.fromStack(stack).hasWarning('/Legacy/Orders', Match.stringLikeRegexp(`${WARNING.notSecured}|TopicName is not known`));
  });
});

describe('several stacks', () => {
  const build = (app: App) => {
    const platform = new Stack(app, 'Platform', { env: ENV });
    const team = new Stack(app, 'Team', { env: ENV });
    const topic = fifoTopic(platform);
    topic.grantPublish(new iam.Role(platform, 'Publisher', { assumedBy: new iam.AccountRootPrincipal() }));
    const queue = new sqs.Queue(team, 'Billing', { fifo: true, queueName: 'billing.fifo' });
    topic.addSubscription(new subs.SqsSubscription(queue));
    queue.grantConsumeMessages(new iam.Role(team, 'Consumer', { assumedBy: new iam.AccountRootPrincipal() }));
    // A second hand-wired fan-out whose resources have the same logical IDs as the first's.
    const other = new Stack(app, 'Other', { env: ENV });
    const otherTopic = fifoTopic(other, { topicName: 'other' });
    otherTopic.grantPublish(new iam.Role(other, 'Publisher', { assumedBy: new iam.AccountRootPrincipal() }));
    otherTopic.addSubscription(new subs.SqsSubscription(new sqs.Queue(other, 'Billing', { fifo: true, queueName: 'other-billing.fifo' })));
    return { platform, team, other };
  };

  test('applied to the App: each stack is secured in place with its own key, subscriptions stay in the team stack, no cross-stack cycle', () => {
    const before = build(newApp());
    const app = newApp();
    const after = build(app);
    Aspects.of(app).add(new SecureExistingFifo());
    for (const name of ['platform', 'team', 'other'] as const) {
      expectSecuredInPlace(Template.fromStack(before[name]), Template.fromStack(after[name]), after[name], 'orders.fifo');
    }
    const keyOf = (stack: Stack) => arnOf(stack.getLogicalId(stack.node.findChild('SecureExistingFifoKey').node.defaultChild as kms.CfnKey));
    const roleOf = (stack: Stack, id: string) => stack.getLogicalId(stack.node.findChild(id).node.defaultChild as iam.CfnRole);
    expect(policyStatementsOf(Template.fromStack(after.team), roleOf(after.team, 'Consumer'))).toContainEqual({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyOf(after.team) });
    // Each publisher gets its own stack's key only, though both topics have the logical ID OrdersA9B65338.
    for (const stack of [after.platform, after.other]) {
      const kmsStatements = policyStatementsOf(Template.fromStack(stack), roleOf(stack, 'Publisher')).filter((st) => JSON.stringify(st.Action).includes('kms:'));
      expect(kmsStatements).toEqual([{ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: keyOf(stack) }]);
    }
  });
});

describe('keys', () => {
  test('encryptionKey replaces an existing CMK; consumers it grants also get kms:Decrypt on retiredKeys', () => {
    let oldKeyId = '';
    const { before, after, stack } = beforeAndAfter((s) => {
      const oldKey = new kms.Key(s, 'OldKey', { enableKeyRotation: true });
      oldKeyId = s.getLogicalId(oldKey.node.defaultChild as kms.CfnKey);
      const topic = fifoTopic(s, { masterKey: oldKey });
      const queue = new sqs.Queue(s, 'Billing', { fifo: true, queueName: 'billing.fifo', encryptionMasterKey: oldKey });
      topic.addSubscription(new subs.SqsSubscription(queue));
      queue.grantConsumeMessages(new iam.Role(s, 'Consumer', { assumedBy: new iam.AccountRootPrincipal() }));
    }, (s) => {
      const orgKey = new kms.Key(s, 'OrgKey', { enableKeyRotation: true });
      const oldKey = s.node.findChild('OldKey') as kms.Key;
      Aspects.of(s).add(new SecureExistingFifo({ encryptionKey: orgKey, retiredKeys: [oldKey] }));
    });
    expectSecuredInPlace(before, after, stack);
    const orgKeyId = stack.getLogicalId(stack.node.findChild('OrgKey').node.defaultChild as kms.CfnKey);
    after.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'billing.fifo', KmsMasterKeyId: arnOf(orgKeyId) });
    const consumer = stack.getLogicalId(stack.node.findChild('Consumer').node.defaultChild as iam.CfnRole);
    const statements = policyStatementsOf(after, consumer);
    expect(statements).toContainEqual({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: arnOf(orgKeyId) });
    // The old key is never used to encrypt: only kms:Decrypt, and no topic or queue names it.
    expect(statements).toContainEqual({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: arnOf(oldKeyId) });
    expect(JSON.stringify(resourcesOf(after, 'AWS::SQS::Queue').concat(resourcesOf(after, 'AWS::SNS::Topic')))).not.toContain(oldKeyId);
  });

  test('without encryptionKey, a queue that already has a CMK of the app keeps it, and the key admits SNS', () => {
    const { before, after, stack } = beforeAndAfter((s) => {
      const own = new kms.Key(s, 'BillingKey', { enableKeyRotation: true });
      const topic = fifoTopic(s);
      topic.addSubscription(new subs.SqsSubscription(new sqs.Queue(s, 'Billing', { fifo: true, queueName: 'billing.fifo', encryptionMasterKey: own })));
    });
    expectSecuredInPlace(before, after, stack);
    const own = stack.getLogicalId(stack.node.findChild('BillingKey').node.defaultChild as kms.CfnKey);
    after.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'billing.fifo', KmsMasterKeyId: arnOf(own) });
  });
});

describe('warnings', () => {
  const build: Build = (s) => {
    const topic = fifoTopic(s);
    const queue = new sqs.Queue(s, 'Billing', { fifo: true, queueName: 'billing.fifo' });
    topic.addSubscription(new subs.SqsSubscription(queue));
    queue.grantConsumeMessages(new iam.AccountPrincipal('222222222222'));
  };

  test('the backlog is not re-encrypted: on each topic and queue whose encryption changes, with the AWS source', () => {
    const { stack } = beforeAndAfter(build);
    const found = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(WARNING.backlogNotReencrypted));
    expect(found.map((w) => w.id).sort()).toEqual(['/Legacy/Billing', '/Legacy/Orders']);
    expect(JSON.stringify(found)).toContain('docs.aws.amazon.com');
  });

  test('consumers outside this app need the new key before the deploy: the statement to add', () => {
    const { stack } = beforeAndAfter(build);
    const found = Annotations.fromStack(stack).findWarning('/Legacy/Billing', Match.stringLikeRegexp(WARNING.externalConsumersNeedKey));
    expect(found).toHaveLength(1);
    expect(found[0].entry.data).toContain('{"Effect":"Allow","Action":["kms:Decrypt"],"Resource":"<the ARN of Legacy/SecureExistingFifoKey: output SecureExistingFifoKeyArn of stack Legacy once deployed>"}');
  });

  test('a principal granted by the queue policy (another account) gets a warning with the statement', () => {
    const { stack } = beforeAndAfter(build);
    const found = Annotations.fromStack(stack).findWarning('/Legacy/Billing', Match.stringLikeRegexp(WARNING.principalNeedsKey));
    expect(found).toHaveLength(1);
    expect(JSON.stringify(found[0].entry.data)).toContain('222222222222');
  });

  test('every warning id is in the README\'s Warnings table', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    for (const id of [WARNING.backlogNotReencrypted, WARNING.externalConsumersNeedKey, WARNING.principalNeedsKey, WARNING.notSecured]) {
      expect(readme).toContain(`| \`${id}\` |`);
    }
  });

  test('every warning can be acknowledged', () => {
    const app = newApp();
    const stack = new Stack(app, 'Legacy', { env: ENV });
    build(stack);
    Aspects.of(stack).add(new SecureExistingFifo());
    for (const child of ['Orders', 'Billing']) {
      for (const id of [WARNING.backlogNotReencrypted, WARNING.externalConsumersNeedKey, WARNING.principalNeedsKey]) {
        CoreAnnotations.of(stack.node.findChild(child)).acknowledgeWarning(id, 'tested');
      }
    }
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('cdk-secure-fifo:(backlog|externalConsumers|principalNeedsKey)'));
  });
});

test('an AWS managed encryptionKey is refused', () => {
  const stack = new Stack(newApp(), 'Legacy', { env: ENV });
  Aspects.of(stack).add(new SecureExistingFifo({ encryptionKey: kms.Alias.fromAliasName(stack, 'Aws', 'alias/aws/sqs') }));
  expect(() => Template.fromStack(stack)).toThrow(/encryptionKey.*AWS_MANAGED_KEY/s);
});

test('subscribeQueue refuses an SSE-SQS queue and names SecureExistingFifo as the way to adopt it', () => {
  const stack = new Stack(newApp(), 'Test', { env: ENV });
  const topic = new SecureFifoTopic(stack, 'Orders', { topicName: 'orders' });
  const queue = new sqs.Queue(stack, 'Queue', { fifo: true, queueName: 'billing.fifo' });
  const error = expectRefused(() => topic.subscribeQueue('Billing', queue), 'Test/Queue', [['queue.encryption', ValidationErrorCode.NOT_CMK_ENCRYPTED]]);
  expect(error.message).toContain('new SecureExistingFifo()');
  expect(error.message).toContain('encryptionMasterKey');
});
