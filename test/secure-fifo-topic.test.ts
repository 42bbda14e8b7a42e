import { Annotations, CfnParameter, Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwactions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { FifoKey, SecureFifoQueue, SecureFifoTopic, ValidationErrorCode } from '../src';
import { newStack, resourcesOf, warningsWithId, expectRefused } from './util';

test('is a FIFO topic whose name gets the .fifo suffix', () => {
  const stack = newStack();
  new SecureFifoTopic(stack, 'Topic', { topicName: 'prices' });
  Template.fromStack(stack).hasResourceProperties('AWS::SNS::Topic', { FifoTopic: true, TopicName: 'prices.fifo' });
});

test('a name that already ends in .fifo is kept as is', () => {
  const stack = newStack();
  const topic = new SecureFifoTopic(stack, 'Topic', { topicName: 'prices.fifo' });
  Template.fromStack(stack).hasResourceProperties('AWS::SNS::Topic', { TopicName: 'prices.fifo' });
  expect(topic.topicName).toBe('prices.fifo');
});

test('without a name, a deterministic .fifo name is generated', () => {
  const stack = newStack();
  new SecureFifoTopic(stack, 'Topic');
  const [[, topic]] = resourcesOf(Template.fromStack(stack), 'AWS::SNS::Topic');
  expect(topic.Properties.TopicName).toMatch(/^Test-Topic-[A-Za-z0-9]+\.fifo$/);
});

test('is encrypted with a new rotating customer managed key by default', () => {
  const stack = newStack();
  new SecureFifoTopic(stack, 'Topic');
  const template = Template.fromStack(stack);
  const [[keyId]] = resourcesOf(template, 'AWS::KMS::Key');
  template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
  template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
});

test('uses the key it is given and creates none', () => {
  const stack = newStack();
  const key = new FifoKey(stack, 'Shared');
  const topic = new SecureFifoTopic(stack, 'Topic', { encryptionKey: key });
  Template.fromStack(stack).resourceCountIs('AWS::KMS::Key', 1);
  expect(topic.masterKey).toBe(key);
  expect(topic.masterKey).toBe(key);
});

test('denies publishing without TLS', () => {
  const stack = newStack();
  new SecureFifoTopic(stack, 'Topic');
  Template.fromStack(stack).hasResourceProperties('AWS::SNS::TopicPolicy', {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      ]),
    },
  });
});

test('signs deliveries with signature version 2 by default', () => {
  const stack = newStack();
  new SecureFifoTopic(stack, 'Topic');
  Template.fromStack(stack).hasResourceProperties('AWS::SNS::Topic', { SignatureVersion: '2' });
});

test('content-based deduplication is off unless asked for', () => {
  const off = newStack();
  new SecureFifoTopic(off, 'Topic');
  Template.fromStack(off).hasResourceProperties('AWS::SNS::Topic', { ContentBasedDeduplication: false });
  const on = newStack();
  new SecureFifoTopic(on, 'Topic', { contentBasedDeduplication: true });
  Template.fromStack(on).hasResourceProperties('AWS::SNS::Topic', { ContentBasedDeduplication: true });
});

test('deduplicates across the whole topic by default, without warning', () => {
  const stack = newStack();
  new SecureFifoTopic(stack, 'Topic');
  Template.fromStack(stack).hasResourceProperties('AWS::SNS::Topic', { FifoThroughputScope: 'Topic' });
  expect(warningsWithId(stack, 'dedupPerMessageGroup')).toHaveLength(0);
});

test('MESSAGE_GROUP throughput scope warns that deduplication becomes per group', () => {
  const stack = newStack();
  new SecureFifoTopic(stack, 'Topic', { throughputScope: sns.FifoThroughputScope.MESSAGE_GROUP });
  Template.fromStack(stack).hasResourceProperties('AWS::SNS::Topic', { FifoThroughputScope: 'MessageGroup' });
  expect(warningsWithId(stack, 'cdk-secure-fifo:dedupPerMessageGroup')).toHaveLength(1);
});

test('archiveRetention sets the archive policy in days', () => {
  const stack = newStack();
  new SecureFifoTopic(stack, 'Topic', { archiveRetention: Duration.days(7) });
  Template.fromStack(stack).hasResourceProperties('AWS::SNS::Topic', { ArchivePolicy: { MessageRetentionPeriod: 7 } });
});

test('grantPublish grants sns:Publish and exactly the key actions SNS calls for publishers, no wildcard', () => {
  const stack = newStack();
  const topic = new SecureFifoTopic(stack, 'Topic');
  const role = new iam.Role(stack, 'Publisher', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  topic.grantPublish(role);
  const statements = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy'))[0].Properties.PolicyDocument.Statement;
  const actions = statements.flatMap((s: any) => [s.Action].flat()).sort();
  expect(actions).toEqual(['kms:Decrypt', 'kms:GenerateDataKey', 'sns:Publish']);
});

test('works where aws-cdk-lib expects an sns.ITopic (alarm action)', () => {
  const stack = newStack();
  const topic = new SecureFifoTopic(stack, 'Topic', { topicName: 'alerts' });
  const alarm = new cloudwatch.Alarm(stack, 'Alarm', {
    metric: topic.metricNumberOfMessagesPublished(),
    threshold: 1,
    evaluationPeriods: 1,
  });
  alarm.addAlarmAction(new cwactions.SnsAction(topic));
  const template = Template.fromStack(stack);
  const [[topicId]] = resourcesOf(template, 'AWS::SNS::Topic');
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmActions: [{ Ref: topicId }],
    Dimensions: [{ Name: 'TopicName', Value: 'alerts.fifo' }],
  });
});

test('addToResourcePolicy writes to the topic policy', () => {
  const stack = newStack();
  const topic = new SecureFifoTopic(stack, 'Topic');
  const result = topic.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.AccountPrincipal('222222222222')],
    actions: ['sns:Subscribe'],
    resources: [topic.topicArn],
  }));
  expect(result.statementAdded).toBe(true);
  Template.fromStack(stack).hasResourceProperties('AWS::SNS::TopicPolicy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sns:Subscribe' })]) },
  });
});

test('subscribing one queue twice with one id is refused, naming the queue and the id', () => {
  const stack = newStack();
  const topic = new SecureFifoTopic(stack, 'Topic');
  const queue = new SecureFifoQueue(stack, 'Q1');
  topic.subscribeQueue('Orders', queue);
  expectRefused(() => topic.subscribeQueue('Orders', queue), 'Test/Q1', [['id', ValidationErrorCode.ID_TAKEN]]);
});

test('the subscription is created next to the queue, as aws-cdk SqsSubscription does', () => {
  const stack = newStack();
  const topic = new SecureFifoTopic(stack, 'Topic');
  const queue = new SecureFifoQueue(stack, 'Orders');
  const subscription = topic.subscribeQueue('Prices', queue);
  expect(subscription.node.path).toBe('Test/Orders/Prices');
});

test("signatureVersion '1' (SHA1) is allowed with a warning", () => {
  const stack = newStack();
  new SecureFifoTopic(stack, 'Topic', { signatureVersion: '1' });
  Template.fromStack(stack).hasResourceProperties('AWS::SNS::Topic', { SignatureVersion: '1' });
  expect(warningsWithId(stack, 'cdk-secure-fifo:signatureVersion1')).toHaveLength(1);
});

test('a signatureVersion from a deploy-time parameter is not judged at synth', () => {
  const stack = newStack();
  const version = new CfnParameter(stack, 'SignatureVersion', { type: 'String' }).valueAsString;
  expect(() => new SecureFifoTopic(stack, 'Topic', { signatureVersion: version })).not.toThrow();
});

test('a key of this app without rotation warns; an asymmetric one is refused', () => {
  const stack = newStack();
  new SecureFifoTopic(stack, 'Topic', { encryptionKey: new kms.Key(stack, 'NoRotation') });
  expect(warningsWithId(stack, 'cdk-secure-fifo:keyRotationOff')).toHaveLength(1);
  const asymmetric = new kms.Key(stack, 'Asymmetric', { keySpec: kms.KeySpec.RSA_2048, keyUsage: kms.KeyUsage.ENCRYPT_DECRYPT });
  expectRefused(() => new SecureFifoTopic(stack, 'Other', { encryptionKey: asymmetric }), 'Test/Other', [['encryptionKey.keySpec', ValidationErrorCode.KEY_SPEC]]);
});

test('an id that collides with the queue\'s own children is refused, not a raw construct error', () => {
  const stack = newStack();
  const topic = new SecureFifoTopic(stack, 'Topic');
  expectRefused(() => topic.subscribeQueue('Resource', new SecureFifoQueue(stack, 'Q')), 'Test/Q', [['id', ValidationErrorCode.ID_TAKEN]]);
});

test('a warning can be acknowledged by its id', () => {
  const stack = newStack();
  const topic = new SecureFifoTopic(stack, 'Topic', { signatureVersion: '1' });
  Annotations.of(topic).acknowledgeWarning('cdk-secure-fifo:signatureVersion1', 'a legacy subscriber verifies SHA1 only');
  expect(warningsWithId(stack, 'cdk-secure-fifo:signatureVersion1')).toHaveLength(0);
});

describe('deliveryStatusLogging', () => {
  test('is off by default: no DeliveryStatusLogging and no role', () => {
    const stack = newStack();
    new SecureFifoTopic(stack, 'Topic', { topicName: 'prices' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SNS::Topic', { DeliveryStatusLogging: Match.absent() });
    template.resourceCountIs('AWS::IAM::Role', 0);
  });

  test('logs the sqs protocol with one role for successes and failures, sampling no successes by default', () => {
    const stack = newStack();
    new SecureFifoTopic(stack, 'Topic', { topicName: 'prices', deliveryStatusLogging: {} });
    const template = Template.fromStack(stack);
    const [[roleId]] = resourcesOf(template, 'AWS::IAM::Role');
    const roleArn = { 'Fn::GetAtt': [roleId, 'Arn'] };
    template.hasResourceProperties('AWS::SNS::Topic', {
      DeliveryStatusLogging: [{ Protocol: 'sqs', SuccessFeedbackRoleArn: roleArn, FailureFeedbackRoleArn: roleArn, SuccessFeedbackSampleRate: '0' }],
    });
  });

  test('the success sample rate is passed on', () => {
    const stack = newStack();
    new SecureFifoTopic(stack, 'Topic', { topicName: 'prices', deliveryStatusLogging: { successSampleRate: 25 } });
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Topic', {
      DeliveryStatusLogging: [Match.objectLike({ SuccessFeedbackSampleRate: '25' })],
    });
  });

  test('the role is assumed by SNS only and may only write the topic\'s own log groups', () => {
    const stack = newStack();
    new SecureFifoTopic(stack, 'Topic', { topicName: 'prices', deliveryStatusLogging: {} });
    const template = Template.fromStack(stack);
    const [[, role]] = resourcesOf(template, 'AWS::IAM::Role');
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' } },
    ]);
    expect(role.Properties.Policies).toBeUndefined();
    template.resourceCountIs('AWS::IAM::Policy', 0);
    const [[, policy]] = resourcesOf(template, 'AWS::IAM::ManagedPolicy');
    const group = ':logs:eu-west-1:111111111111:log-group:sns/eu-west-1/111111111111/prices.fifo';
    const arn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });
    expect(policy.Properties.PolicyDocument.Statement).toEqual([{
      Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      Effect: 'Allow',
      Resource: [arn(group), arn(`${group}:*`), arn(`${group}/*`)],
    }]);
    expect(policy.Properties.Roles).toEqual([{ Ref: Object.keys(template.findResources('AWS::IAM::Role'))[0] }]);
  });

  test.each([-1, 101, 12.5])('a success sample rate of %p is refused', (rate) => {
    const stack = newStack();
    const error = expectRefused(
      () => new SecureFifoTopic(stack, 'Topic', { deliveryStatusLogging: { successSampleRate: rate } }),
      'Test/Topic',
      [['deliveryStatusLogging.successSampleRate', ValidationErrorCode.OUT_OF_RANGE]],
    );
    expect(error.message).toContain('a whole number from 0 to 100');
  });

  test('a success sample rate of 0 and of 100 is accepted', () => {
    for (const rate of [0, 100]) {
      const stack = newStack();
      new SecureFifoTopic(stack, 'Topic', { deliveryStatusLogging: { successSampleRate: rate } });
      Template.fromStack(stack).hasResourceProperties('AWS::SNS::Topic', { DeliveryStatusLogging: [Match.objectLike({ SuccessFeedbackSampleRate: `${rate}` })] });
    }
  });
});
