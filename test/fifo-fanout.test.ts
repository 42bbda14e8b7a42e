import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { FifoFanout, FifoKey, SecureFifoQueue, ValidationErrorCode } from '../src';
import { newStack, references, resourcesOf, warningsWithId, expectRefused } from './util';

function countResources(template: Template): number {
  return Object.keys(template.toJSON().Resources).length;
}

test('one customer managed key encrypts the topic, every queue and every DLQ', () => {
  const stack = newStack();
  const fanout = new FifoFanout(stack, 'Prices');
  fanout.addSubscriber('Retail');
  fanout.addSubscriber('Wholesale');
  const template = Template.fromStack(stack);
  const [[keyId]] = resourcesOf(template, 'AWS::KMS::Key');
  template.resourceCountIs('AWS::KMS::Key', 1);
  template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
  const queues = resourcesOf(template, 'AWS::SQS::Queue');
  expect(queues).toHaveLength(4);
  for (const [, q] of queues) {
    expect(q.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
  }
});

test('the shared key policy never references the topic (no Topic<->Key cycle), and the stack synthesizes under template validation', () => {
  const stack = newStack();
  const fanout = new FifoFanout(stack, 'Prices', { topicName: 'prices' });
  fanout.addSubscriber('Retail');
  const template = Template.fromStack(stack); // throws on a dependency cycle with validateAgainstDefaultRules
  const [[, key]] = resourcesOf(template, 'AWS::KMS::Key');
  const topicId = stack.getLogicalId(fanout.topic.node.defaultChild as any);
  expect(references(key, topicId)).toBe(false);
  expect(JSON.stringify(key.Properties.KeyPolicy)).toContain(':sns:eu-west-1:111111111111:prices.fifo');
});

test('addSubscriber returns the subscriber with its queue, DLQ and subscription', () => {
  const stack = newStack();
  const fanout = new FifoFanout(stack, 'Prices');
  const retail = fanout.addSubscriber('Retail', { queueName: 'retail', maxReceiveCount: 3 });
  expect(retail.queue.fifo).toBe(true);
  expect(retail.deadLetterQueue).toBe((retail.queue as SecureFifoQueue).deadLetterQueue);
  expect(retail.maxReceiveCount).toBe(3);
  expect(retail.queue).toBeInstanceOf(SecureFifoQueue);
  expect(fanout.subscribers).toEqual([retail]);
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'retail.fifo' });
  template.hasResourceProperties('AWS::SNS::Subscription', {
    Endpoint: { 'Fn::GetAtt': [stack.getLogicalId(retail.queue.node.defaultChild as any), 'Arn'] },
  });
});

test('a subscriber costs 4 CloudFormation resources: queue, DLQ, one queue policy, subscription', () => {
  const one = newStack();
  new FifoFanout(one, 'Prices').addSubscriber('A');
  const two = newStack();
  const fanout = new FifoFanout(two, 'Prices');
  fanout.addSubscriber('A');
  fanout.addSubscriber('B');
  expect(countResources(Template.fromStack(two)) - countResources(Template.fromStack(one))).toBe(4);
});

test('100 subscribers (the SNS FIFO subscription quota) fit in one stack under the 500-resource limit', () => {
  const stack = newStack();
  const fanout = new FifoFanout(stack, 'Prices');
  for (let i = 0; i < 100; i++) {
    fanout.addSubscriber(`S${i}`);
  }
  const total = countResources(Template.fromStack(stack));
  expect(total).toBe(403);
});

test('a subscriber may bring its own key, used for its queue and DLQ only', () => {
  const stack = newStack();
  const fanout = new FifoFanout(stack, 'Prices', { topicName: 'prices' });
  const ownKey = new FifoKey(stack, 'RetailKey');
  const retail = fanout.addSubscriber('Retail', { encryptionKey: ownKey });
  const template = Template.fromStack(stack);
  const ownKeyId = stack.getLogicalId(ownKey.node.defaultChild as any);
  for (const q of [retail.queue, retail.deadLetterQueue]) {
    expect(template.toJSON().Resources[stack.getLogicalId(q.node.defaultChild as any)].Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [ownKeyId, 'Arn'] });
  }
  expect(JSON.stringify(template.toJSON().Resources[ownKeyId].Properties.KeyPolicy)).toContain('sns.amazonaws.com');
});

test('highThroughput sets the topic and every queue coherently and warns about per-group dedup', () => {
  const stack = newStack();
  const fanout = new FifoFanout(stack, 'Prices', { highThroughput: true });
  fanout.addSubscriber('Retail');
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::SNS::Topic', { FifoThroughputScope: 'MessageGroup' });
  for (const [, q] of resourcesOf(template, 'AWS::SQS::Queue')) {
    expect(q.Properties).toMatchObject({ DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' });
  }
  expect(warningsWithId(stack, 'cdk-secure-fifo:dedupPerMessageGroup')).toHaveLength(1);
});

test('highThroughput with a queue-scoped subscriber is refused', () => {
  const stack = newStack();
  const fanout = new FifoFanout(stack, 'Prices', { highThroughput: true });
  expectRefused(() => fanout.addSubscriber('Retail', { deduplicationScope: sqs.DeduplicationScope.QUEUE }), 'Test/Prices', [
    ['deduplicationScope', ValidationErrorCode.HIGH_THROUGHPUT],
  ]);
});

test('a second subscriber with the same id is refused, naming the id', () => {
  const stack = newStack();
  const fanout = new FifoFanout(stack, 'Prices');
  fanout.addSubscriber('Retail');
  expectRefused(() => fanout.addSubscriber('Retail'), 'Test/Prices', [['id', ValidationErrorCode.ID_TAKEN]]);
});

test('removalPolicy applies to the key, queues and DLQs', () => {
  const stack = newStack();
  new FifoFanout(stack, 'Prices', { removalPolicy: RemovalPolicy.DESTROY }).addSubscriber('Retail');
  const template = Template.fromStack(stack);
  for (const type of ['AWS::KMS::Key', 'AWS::SQS::Queue']) {
    for (const [, r] of resourcesOf(template, type)) {
      expect(r.DeletionPolicy).toBe('Delete');
    }
  }
});

test('keyAlias names the shared key', () => {
  const stack = newStack();
  new FifoFanout(stack, 'Prices', { keyAlias: 'prices' });
  Template.fromStack(stack).hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/prices' });
});

test('subscriber.grantConsumeMessages lets the consumer receive and decrypt from its own queue only', () => {
  const stack = newStack();
  const fanout = new FifoFanout(stack, 'Prices');
  const retail = fanout.addSubscriber('Retail');
  fanout.addSubscriber('Wholesale');
  retail.grantConsumeMessages(new iam.Role(stack, 'Consumer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
  const [policy] = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
  const sqsStatement = policy.Properties.PolicyDocument.Statement.find((s: any) => [s.Action].flat().includes('sqs:ReceiveMessage'));
  expect(sqsStatement.Resource).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(retail.queue.node.defaultChild as any), 'Arn'] });
});

test.each(['Topic', 'Key'])('a subscriber id that collides with the fan-out\'s own child %s is refused', (id) => {
  const stack = newStack();
  const fanout = new FifoFanout(stack, 'Prices');
  expectRefused(() => fanout.addSubscriber(id), 'Test/Prices', [['id', ValidationErrorCode.ID_TAKEN]]);
});

test('deliveryStatusLogging reaches the topic: sqs protocol, the given sample rate, a role for SNS', () => {
  const stack = newStack();
  const fanout = new FifoFanout(stack, 'Prices', { topicName: 'prices', deliveryStatusLogging: { successSampleRate: 10 } });
  fanout.addSubscriber('Retail');
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::SNS::Topic', {
    DeliveryStatusLogging: [{ Protocol: 'sqs', SuccessFeedbackRoleArn: Match.anyValue(), FailureFeedbackRoleArn: Match.anyValue(), SuccessFeedbackSampleRate: '10' }],
  });
  template.hasResourceProperties('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'sns.amazonaws.com' } })] } });
});

test('a fan-out\'s out-of-range success sample rate is refused on its topic', () => {
  const stack = newStack();
  expectRefused(
    () => new FifoFanout(stack, 'Prices', { deliveryStatusLogging: { successSampleRate: 200 } }),
    'Test/Prices/Topic',
    [['deliveryStatusLogging.successSampleRate', ValidationErrorCode.OUT_OF_RANGE]],
  );
});
