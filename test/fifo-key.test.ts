import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { FifoKey } from '../src';
import { newStack } from './util';

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

test('allowServicePrincipal admits another service for one source resource, by aws:SourceArn', () => {
  const stack = newStack();
  const key = new FifoKey(stack, 'Key');
  const ruleArn = 'arn:aws:events:eu-west-1:111111111111:rule/prices';
  key.allowServicePrincipal('events.amazonaws.com', ruleArn);
  Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
    KeyPolicy: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Principal: { Service: 'events.amazonaws.com' },
          Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
        }),
      ]),
    },
  });
});
