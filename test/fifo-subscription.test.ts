import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { SecureFifoQueue, SecureFifoTopic, ValidationErrorCode } from '../src';
import { newStack, resourcesOf, warningsWithId, expectRefused } from './util';

const TOPIC_ARN = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sns:eu-west-1:111111111111:prices.fifo']] };
/** SNS is admitted by aws:SourceArn alone: aws:SourceAccount is not documented for SNS's KMS calls. */
const SNS_ONLY_FROM_TOPIC = {
  ArnEquals: { 'aws:SourceArn': TOPIC_ARN },
};

function subscribed(options: Parameters<SecureFifoTopic['subscribeQueue']>[2] = {}) {
  const stack = newStack();
  const topic = new SecureFifoTopic(stack, 'Topic', { topicName: 'prices' });
  const queue = new SecureFifoQueue(stack, 'Orders', { encryptionKey: topic.masterKey });
  const subscription = topic.subscribeQueue('Orders', queue, options);
  return { stack, topic, queue, subscription, template: Template.fromStack(stack) };
}

function logicalId(stack: ReturnType<typeof newStack>, construct: { node: { defaultChild?: any } }): string {
  return stack.getLogicalId(construct.node.defaultChild);
}

test('delivers raw messages by default', () => {
  subscribed().template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sqs', RawMessageDelivery: true });
});

test('rawMessageDelivery: false keeps the SNS envelope', () => {
  subscribed({ rawMessageDelivery: false }).template.hasResourceProperties('AWS::SNS::Subscription', { RawMessageDelivery: false });
});

test('the queue policy lets SNS send to the queue only for this topic', () => {
  const { stack, queue, template } = subscribed();
  template.hasResourceProperties('AWS::SQS::QueuePolicy', {
    PolicyDocument: {
      Statement: Match.arrayWith([{
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [logicalId(stack, queue), 'Arn'] },
        Condition: SNS_ONLY_FROM_TOPIC,
      }]),
    },
  });
});

test("the subscriber's own DLQ is the subscription's dead-letter queue", () => {
  const { stack, queue, template } = subscribed();
  template.hasResourceProperties('AWS::SNS::Subscription', {
    RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack, queue.deadLetterQueue), 'Arn'] } },
  });
});

test('the queue policy lets SNS send to the DLQ only for this topic', () => {
  const { stack, queue, template } = subscribed();
  template.hasResourceProperties('AWS::SQS::QueuePolicy', {
    PolicyDocument: {
      Statement: Match.arrayWith([Match.objectLike({
        Principal: { Service: 'sns.amazonaws.com' },
        Resource: { 'Fn::GetAtt': [logicalId(stack, queue.deadLetterQueue), 'Arn'] },
        Condition: SNS_ONLY_FROM_TOPIC,
      })]),
    },
  });
});

test('the queue key lets SNS encrypt for this topic, named without referencing it', () => {
  const { stack, topic, template } = subscribed();
  template.hasResourceProperties('AWS::KMS::Key', {
    KeyPolicy: {
      Statement: Match.arrayWith([Match.objectLike({
        Principal: { Service: 'sns.amazonaws.com' },
        Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        Condition: SNS_ONLY_FROM_TOPIC,
      })]),
    },
  });
  const topicId = logicalId(stack, topic);
  expect(JSON.stringify(Object.values(template.findResources('AWS::KMS::Key')))).not.toContain(topicId);
});

test('the subscription is created after the queue policy that admits SNS', () => {
  const { stack, queue, template } = subscribed();
  const [[, subscription]] = resourcesOf(template, 'AWS::SNS::Subscription');
  expect(subscription.DependsOn).toEqual([logicalId(stack, queue.resourcePolicy)]);
});

test('a filter policy is set and warns that delivery becomes at-most-once', () => {
  const { stack, template } = subscribed({ filterPolicy: { business: sns.SubscriptionFilter.stringFilter({ allowlist: ['retail'] }) } });
  template.hasResourceProperties('AWS::SNS::Subscription', { FilterPolicy: { business: ['retail'] } });
  expect(warningsWithId(stack, 'cdk-secure-fifo:filterPolicyAtMostOnce')).toHaveLength(1);
});

test('without a filter policy nothing warns', () => {
  const { stack } = subscribed();
  expect(warningsWithId(stack, 'cdk-secure-fifo:')).toHaveLength(0);
});

test("a foreign sqs.Queue's own DLQ becomes the subscription DLQ, and both admit the topic", () => {
  const stack = newStack();
  const topic = new SecureFifoTopic(stack, 'Topic', { topicName: 'prices' });
  const key = new kms.Key(stack, 'TheirKey', { enableKeyRotation: true });
  const dlq = new sqs.Queue(stack, 'TheirDlq', { fifo: true, encryptionMasterKey: key });
  const queue = new sqs.Queue(stack, 'TheirQueue', { fifo: true, encryptionMasterKey: key, deadLetterQueue: { queue: dlq, maxReceiveCount: 3 } });
  topic.subscribeQueue('Theirs', queue);
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::SNS::Subscription', {
    RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [stack.getLogicalId(dlq.node.defaultChild as any), 'Arn'] } },
  });
  template.resourceCountIs('AWS::SQS::Queue', 2);
  expect(resourcesOf(template, 'AWS::SQS::QueuePolicy')).toHaveLength(2);
  template.hasResourceProperties('AWS::KMS::Key', {
    KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'sns.amazonaws.com' }, Condition: SNS_ONLY_FROM_TOPIC })]) },
  });
});

test('a foreign queue without a DLQ gets a new FIFO DLQ on the topic key', () => {
  const stack = newStack();
  const topic = new SecureFifoTopic(stack, 'Topic', { topicName: 'prices' });
  const queue = new sqs.Queue(stack, 'TheirQueue', { fifo: true, encryptionMasterKey: topic.masterKey });
  topic.subscribeQueue('Theirs', queue);
  const template = Template.fromStack(stack);
  const created = resourcesOf(template, 'AWS::SQS::Queue').find(([id]) => id.includes('TheirsDeadLetterQueue'))!;
  expect(created[1].Properties).toMatchObject({
    FifoQueue: true,
    MessageRetentionPeriod: 1_209_600,
    KmsMasterKeyId: { 'Fn::GetAtt': [stack.getLogicalId(topic.masterKey!.node.defaultChild as any), 'Arn'] },
  });
  template.hasResourceProperties('AWS::SNS::Subscription', { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [created[0], 'Arn'] } } });
});

test('an imported queue whose encryption and policy are unknown is wired with warnings that say what to add', () => {
  const stack = newStack();
  const topic = new SecureFifoTopic(stack, 'Topic', { topicName: 'prices' });
  const queue = sqs.Queue.fromQueueArn(stack, 'Imported', 'arn:aws:sqs:eu-west-1:111111111111:theirs.fifo');
  topic.subscribeQueue('Theirs', queue);
  const unknown = warningsWithId(stack, 'cdk-secure-fifo:unknownQueueEncryption');
  expect(unknown).toHaveLength(1);
  expect(unknown[0].entry.data).toMatch(/kms:GenerateDataKey\* and kms:Decrypt with aws:SourceArn arn:aws:sns:eu-west-1:111111111111:prices\.fifo\./);
  const policy = warningsWithId(stack, 'cdk-secure-fifo:importedQueuePolicy');
  expect(policy).toHaveLength(1);
  expect(policy[0].entry.data).toMatch(/Test\/Imported.*Add this statement to its queue policy: \{"Action":"sqs:SendMessage".*"aws:SourceArn":"arn:aws:sns:eu-west-1:111111111111:prices\.fifo"/);
});

test('a queue on an imported customer managed key warns with the key statement to add', () => {
  const stack = newStack();
  const topic = new SecureFifoTopic(stack, 'Topic', { topicName: 'prices' });
  const queue = sqs.Queue.fromQueueAttributes(stack, 'Imported', {
    queueArn: 'arn:aws:sqs:eu-west-1:111111111111:theirs.fifo',
    keyArn: 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  });
  topic.subscribeQueue('Theirs', queue, { deadLetterQueue: new SecureFifoQueue(stack, 'Dlq', { encryptionKey: topic.masterKey }) });
  const warnings = warningsWithId(stack, 'cdk-secure-fifo:importedKeyPolicy');
  expect(warnings).toHaveLength(1);
  expect(warnings[0].entry.data).toMatch(/Add this statement to its key policy: \{"Action":\["kms:GenerateDataKey\*","kms:Decrypt"\],"Condition":\{"ArnEquals":\{"aws:SourceArn":"arn:aws:sns:eu-west-1:111111111111:prices\.fifo"\}\},"Effect":"Allow","Principal":\{"Service":"sns\.amazonaws\.com"\},"Resource":"\*"\}/);
});

test('a standard queue is accepted (at least once, best-effort order) and warned about', () => {
  const stack = newStack();
  const topic = new SecureFifoTopic(stack, 'Topic');
  const queue = new sqs.Queue(stack, 'Standard', { encryptionMasterKey: topic.masterKey });
  topic.subscribeQueue('Std', queue);
  expect(warningsWithId(stack, 'cdk-secure-fifo:standardQueueAtLeastOnce')).toHaveLength(1);
});

test('more than 100 subscriptions warn about the FIFO quota', () => {
  const stack = newStack();
  const topic = new SecureFifoTopic(stack, 'Topic');
  // Imported queues sharing one DLQ: 101 whole subscribers would not fit one stack's 500 resources.
  const deadLetterQueue = new SecureFifoQueue(stack, 'SharedDlq', { encryptionKey: topic.masterKey });
  for (let i = 0; i < 101; i++) {
    const queue = sqs.Queue.fromQueueAttributes(stack, `Q${i}`, {
      queueArn: `arn:aws:sqs:eu-west-1:111111111111:q${i}.fifo`,
      keyArn: 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    });
    topic.subscribeQueue(`S${i}`, queue, { deadLetterQueue });
  }
  expect(warningsWithId(stack, 'cdk-secure-fifo:subscriptionQuota')).toHaveLength(1);
});

test("a dead-letter queue outside the subscription's region is refused (SNS redrives within the subscription's account and region)", () => {
  const stack = newStack();
  const topic = new SecureFifoTopic(stack, 'Topic');
  const queue = new SecureFifoQueue(stack, 'Orders', { encryptionKey: topic.masterKey });
  const farDlq = sqs.Queue.fromQueueAttributes(stack, 'FarDlq', {
    queueArn: 'arn:aws:sqs:us-east-1:111111111111:far-dlq.fifo',
    keyArn: 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  });
  expectRefused(() => topic.subscribeQueue('Orders', queue, { deadLetterQueue: farDlq }), 'Test/Orders', [
    ['deadLetterQueue.encryptionMasterKey', ValidationErrorCode.KEY_REGION],
    ['deadLetterQueue', ValidationErrorCode.DLQ_ENVIRONMENT],
  ]);
});
