import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { FifoKey, ValidationErrorCode } from '../src';
import { expectRefused, newStack, warningsWithId } from './util';

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:111111111111:prices.fifo';

test('is a symmetric encrypt/decrypt key with rotation on', () => {
  const stack = newStack();
  new FifoKey(stack, 'Key');
  Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
    EnableKeyRotation: true,
    KeySpec: 'SYMMETRIC_DEFAULT',
    KeyUsage: 'ENCRYPT_DECRYPT',
  });
});

test('rotates yearly by default: no RotationPeriodInDays in the template', () => {
  const stack = newStack();
  new FifoKey(stack, 'Key');

  const [, key] = Object.entries(Template.fromStack(stack).findResources('AWS::KMS::Key'))[0];
  expect(key.Properties.EnableKeyRotation).toBe(true);
  expect(key.Properties.RotationPeriodInDays).toBeUndefined();
});

test('rotationPeriod sets the rotation period in days', () => {
  const stack = newStack();
  new FifoKey(stack, 'Key', { rotationPeriod: Duration.days(180) });

  Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, RotationPeriodInDays: 180 });
});

test('is retained when it leaves the stack by default', () => {
  const stack = newStack();
  new FifoKey(stack, 'Key');
  Template.fromStack(stack).hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
});

test('removalPolicy overrides the retention', () => {
  const stack = newStack();
  new FifoKey(stack, 'Key', { removalPolicy: RemovalPolicy.DESTROY });
  Template.fromStack(stack).hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
});

test('creates the alias, prefixed with alias/', () => {
  const stack = newStack();
  new FifoKey(stack, 'Key', { alias: 'prices' });
  Template.fromStack(stack).hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/prices' });
});

test('account root keeps full key administration', () => {
  const stack = newStack();
  new FifoKey(stack, 'Key');
  Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
    KeyPolicy: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Action: 'kms:*',
          Effect: 'Allow',
          Principal: { AWS: { 'Fn::Join': ['', Match.arrayWith([':iam::111111111111:root'])] } },
        }),
      ]),
    },
  });
});

test('allowSnsTopic admits SNS for that topic only, by aws:SourceArn alone (no aws:SourceAccount)', () => {
  const stack = newStack();
  const key = new FifoKey(stack, 'Key');
  key.allowSnsTopic(sns.Topic.fromTopicArn(stack, 'Topic', TOPIC_ARN));
  Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
    KeyPolicy: {
      Statement: Match.arrayWith([
        {
          Effect: 'Allow',
          Principal: { Service: 'sns.amazonaws.com' },
          Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          Resource: '*',
          Condition: { ArnEquals: { 'aws:SourceArn': TOPIC_ARN } },
        },
      ]),
    },
  });
});

test('admitting the same topic twice adds one statement', () => {
  const stack = newStack();
  const key = new FifoKey(stack, 'Key');
  key.allowSnsTopic(sns.Topic.fromTopicArn(stack, 'Topic', TOPIC_ARN));
  key.allowSnsTopic(sns.Topic.fromTopicArn(stack, 'Same', TOPIC_ARN));
  const [keyResource] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'));
  const snsStatements = keyResource.Properties.KeyPolicy.Statement.filter((s: any) => s.Principal?.Service === 'sns.amazonaws.com');
  expect(snsStatements).toHaveLength(1);
});

/*
 * allowServicePrincipal follows AWS's page for each service
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
 */
describe('allowServicePrincipal scopes each service as AWS documents it', () => {
  function statementsFor(service: string, add: (key: FifoKey) => void) {
    const stack = newStack();
    const key = new FifoKey(stack, 'Key');
    add(key);
    const [keyResource] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'));
    return { stack, statements: keyResource.Properties.KeyPolicy.Statement.filter((s: any) => s.Principal?.Service === service) };
  }

  test('EventBridge: no aws:SourceArn, aws:SourceAccount or aws:SourceOrgID (AWS documents them as not supported for EventBridge-to-encrypted topics)', () => {
    const { statements } = statementsFor('events.amazonaws.com', (key) => key.allowServicePrincipal('events.amazonaws.com'));
    expect(statements).toEqual([{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Resource: '*' }]);
  });

  test('EventBridge with a rule ARN: still no condition, and a warning says where to pin the rule instead', () => {
    const { stack, statements } = statementsFor('events.amazonaws.com', (key) => key.allowServicePrincipal('events.amazonaws.com', 'arn:aws:events:eu-west-1:111111111111:rule/prices'));
    expect(statements[0].Condition).toBeUndefined();
    const [warning] = warningsWithId(stack, 'cdk-secure-fifo:serviceKeyCondition');
    expect(warning.id).toBe('/Test/Key');
    expect(String(warning.entry.data)).toMatch(/topic policy/);
  });

  test('CloudWatch: aws:SourceAccount and aws:SourceArn, the conditions the SNS key-management page documents', () => {
    const alarms = 'arn:aws:cloudwatch:eu-west-1:111111111111:alarm:*';
    const { stack, statements } = statementsFor('cloudwatch.amazonaws.com', (key) => key.allowServicePrincipal('cloudwatch.amazonaws.com', alarms));
    expect(statements).toHaveLength(1);
    expect(statements[0].Condition).toEqual({ StringEquals: { 'aws:SourceAccount': '111111111111' }, ArnLike: { 'aws:SourceArn': alarms } });
    expect(warningsWithId(stack, 'cdk-secure-fifo:serviceKeyCondition')).toHaveLength(0);
  });

  test('S3: a bucket ARN holds no account, so aws:SourceAccount only when given (a guessed account would refuse a bucket of another account)', () => {
    const bucket = 'arn:aws:s3:::price-files';
    const { statements } = statementsFor('s3.amazonaws.com', (key) => key.allowServicePrincipal('s3.amazonaws.com', bucket));
    expect(statements[0].Condition).toEqual({ ArnLike: { 'aws:SourceArn': bucket } });
    const other = statementsFor('s3.amazonaws.com', (key) => key.allowServicePrincipal('s3.amazonaws.com', bucket, '444444444444'));
    expect(other.statements[0].Condition.StringEquals).toEqual({ 'aws:SourceAccount': '444444444444' });
  });

  test('a service the library has not read the page of gets the documented conditions and a warning to check its page', () => {
    const { stack, statements } = statementsFor('ses.amazonaws.com', (key) => key.allowServicePrincipal('ses.amazonaws.com', 'arn:aws:ses:eu-west-1:111111111111:identity/example.com'));
    expect(Object.keys(statements[0].Condition)).toEqual(['StringEquals', 'ArnLike']);
    expect(warningsWithId(stack, 'cdk-secure-fifo:serviceKeyCondition')).toHaveLength(1);
  });

  test('SNS keeps aws:SourceArn alone, as allowSnsTopic', () => {
    const { statements } = statementsFor('sns.amazonaws.com', (key) => key.allowServicePrincipal('sns.amazonaws.com', TOPIC_ARN));
    expect(statements[0].Condition).toEqual({ ArnEquals: { 'aws:SourceArn': TOPIC_ARN } });
  });

  test('a service AWS documents as needing an IAM role in the key policy is refused, naming the fix', () => {
    const stack = newStack();
    const key = new FifoKey(stack, 'Key');
    const error = expectRefused(() => key.allowServicePrincipal('autoscaling.amazonaws.com', 'arn:aws:autoscaling:eu-west-1:111111111111:autoScalingGroup:*'),
      'Test/Key', [['servicePrincipal', ValidationErrorCode.SERVICE_PRINCIPAL]]);
    expect(error.message).toMatch(/key\.grant\(role/);
  });

  test('a service other than EventBridge without a source ARN is refused', () => {
    const stack = newStack();
    const key = new FifoKey(stack, 'Key');
    expectRefused(() => key.allowServicePrincipal('cloudwatch.amazonaws.com'), 'Test/Key', [['sourceArn', ValidationErrorCode.SERVICE_PRINCIPAL]]);
  });
});
