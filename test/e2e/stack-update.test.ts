import { GetSubscriptionAttributesCommand, GetTopicAttributesCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { CfnElement, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ENVIRONMENT_AGNOSTIC, newStack } from '../util';
import { Deployed, deployStack } from './harness';
import { CfnTemplate, deployTemplate } from '../../local/deploy';
import { Emulator, startEmulator } from '../../local/emulator';
import { consume, publish } from '../../local/messaging';

/**
 * The local deployer's stack update (`DeployOptions.previous`), as CloudFormation's UPDATE: same
 * logical ID updated in place, new ones created, removed ones deleted unless retained, a changed
 * create-only property a replacement.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html
 */

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.stop();
});

const logicalId = (construct: { node: { defaultChild?: unknown } }) => {
  const element = construct.node.defaultChild as CfnElement;
  return element.stack.getLogicalId(element);
};

async function queueExists(name: string): Promise<boolean> {
  try {
    await emulator.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    return true;
  } catch {
    return false;
  }
}

/** One app, two versions: `day` 2 changes, adds and removes resources of day 1. */
function app(day: 1 | 2) {
  const stack = newStack('StackUpdate', ENVIRONMENT_AGNOSTIC);
  const topic = new sns.Topic(stack, 'Topic', { topicName: 'update-topic.fifo', fifo: true });
  const key = day === 2 ? new kms.Key(stack, 'Key') : undefined;
  const orders = new sqs.Queue(stack, 'Orders', {
    queueName: 'update-orders.fifo',
    fifo: true,
    visibilityTimeout: Duration.seconds(day === 1 ? 30 : 45),
    encryption: day === 1 ? sqs.QueueEncryption.UNENCRYPTED : sqs.QueueEncryption.KMS,
    encryptionMasterKey: key,
  });
  const subscription = new sns.Subscription(stack, 'OrdersSubscription', {
    topic,
    protocol: sns.SubscriptionProtocol.SQS,
    endpoint: orders.queueArn,
    rawMessageDelivery: day === 2,
  });
  // Renamed on day 2: QueueName is create-only, so this is a replacement.
  const renamed = new sqs.Queue(stack, 'Renamed', { queueName: day === 1 ? 'update-renamed-a' : 'update-renamed-b' });
  // Removed on day 2: one retained, one not.
  const retained = day === 1 ? new sqs.Queue(stack, 'Retained', { queueName: 'update-retained', removalPolicy: RemovalPolicy.RETAIN }) : undefined;
  const dropped = day === 1 ? new sqs.Queue(stack, 'Dropped', { queueName: 'update-dropped', removalPolicy: RemovalPolicy.DESTROY }) : undefined;
  // Added on day 2.
  const added = day === 2 ? new sqs.Queue(stack, 'Added', { queueName: 'update-added.fifo', fifo: true }) : undefined;
  if (added) topic.addSubscription(new subscriptions.SqsSubscription(added, { rawMessageDelivery: true }));
  return { stack, topic, orders, subscription, renamed, retained, dropped, added, key };
}

describe('updating a deployed stack', () => {
  let day1: ReturnType<typeof app>;
  let day2: ReturnType<typeof app>;
  let before: Deployed;
  let after: Deployed;
  beforeAll(async () => {
    day1 = app(1);
    before = await deployStack(emulator, day1.stack);
    for (const n of [1, 2]) {
      expect(await publish(emulator.sns, before.topicArn(day1.topic), { body: `waiting ${n}`, groupId: 'g', dedupId: `w${n}` })).toBeUndefined();
    }
    day2 = app(2);
    after = await deployStack(emulator, day2.stack, before);
  });

  test('an attribute change is made in place: same queue URL, new attributes, and the waiting messages are still there', async () => {
    expect(after.queueUrl(day2.orders)).toBe(before.queueUrl(day1.orders));
    expect(after.report.update?.updated).toContainEqual({
      logicalId: logicalId(day2.orders), type: 'AWS::SQS::Queue', properties: expect.arrayContaining(['VisibilityTimeout', 'KmsMasterKeyId']),
    });
    const attributes = await emulator.sqs.send(new GetQueueAttributesCommand({ QueueUrl: after.queueUrl(day2.orders), AttributeNames: ['All'] }));
    expect(attributes.Attributes).toMatchObject({ VisibilityTimeout: '45', KmsMasterKeyId: expect.stringMatching(/^arn:aws:kms:.+:key\//) });
    const got = await consume(emulator.sqs, after.queueUrl(day2.orders));
    expect(got.deliveries.map((d) => JSON.parse(d.body).Message)).toEqual(['waiting 1', 'waiting 2']);
  });

  test('a subscription attribute change is made in place: same subscription ARN, raw delivery on', async () => {
    const id = logicalId(day2.subscription);
    expect(after.report.ids[id]).toBe(before.report.ids[id]);
    const out = await emulator.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: after.report.ids[id] }));
    expect(out.Attributes?.RawMessageDelivery).toBe('true');
    expect(await publish(emulator.sns, after.topicArn(day2.topic), { body: 'after', groupId: 'g', dedupId: 'a1' })).toBeUndefined();
    const got = await consume(emulator.sqs, after.queueUrl(day2.orders));
    expect(got.deliveries.map((d) => d.body)).toEqual(['after']);
  });

  test('new resources are created (a queue, its policy, its subscription), and reported as created', async () => {
    expect(after.report.update?.created).toEqual([logicalId(day2.added!), expect.stringMatching(/^AddedPolicy/), expect.stringMatching(/^AddedStackUpdateTopic/)]);
    expect(await queueExists('update-added.fifo')).toBe(true);
  });

  test('a removed resource with DeletionPolicy Retain is kept; one without is deleted', async () => {
    expect(after.report.update?.retained).toEqual([expect.objectContaining({ logicalId: logicalId(day1.retained!), type: 'AWS::SQS::Queue' })]);
    expect(await queueExists('update-retained')).toBe(true);
    expect(after.report.update?.deleted).toContainEqual(expect.objectContaining({ logicalId: logicalId(day1.dropped!) }));
    expect(await queueExists('update-dropped')).toBe(false);
  });

  test('a changed create-only property (QueueName) is reported as a replacement, with the old and new physical IDs', async () => {
    expect(after.report.update?.replaced).toEqual([{
      logicalId: logicalId(day2.renamed),
      type: 'AWS::SQS::Queue',
      properties: ['QueueName'],
      oldPhysicalId: before.queueUrl(day1.renamed),
      newPhysicalId: after.queueUrl(day2.renamed),
      oldKept: false,
    }]);
    expect(await queueExists('update-renamed-a')).toBe(false);
    expect(await queueExists('update-renamed-b')).toBe(true);
  });

  test('the topic, kept as it was, keeps its ARN and is reported unchanged', () => {
    expect(after.topicArn(day2.topic)).toBe(before.topicArn(day1.topic));
    expect(after.report.update?.unchanged).toContain(logicalId(day2.topic));
  });
});

describe('updates that only a template shows', () => {
  const deploy = (template: CfnTemplate, previous?: { template: CfnTemplate; report: Awaited<ReturnType<typeof deployTemplate>> }) =>
    deployTemplate(template, emulator, { stackName: 'Literal', previous });
  const queue = (properties: { [property: string]: unknown }) => ({ Type: 'AWS::SQS::Queue', Properties: properties });

  test('a create-only change on a custom-named resource that keeps its name fails the update, as CloudFormation does', async () => {
    const day1: CfnTemplate = { Resources: { Q: queue({ QueueName: 'literal-same' }) } };
    const previous = { template: day1, report: await deploy(day1) };
    const day2: CfnTemplate = { Resources: { Q: queue({ QueueName: 'literal-same', FifoQueue: false }) } };
    await expect(deploy(day2, previous)).rejects.toThrow(/custom-named resource requires replacing.*FifoQueue/);
  });

  test('a policy resource is rewritten in place; removing it clears the queue policy', async () => {
    const policy = (sid: string) => ({
      Type: 'AWS::SQS::QueuePolicy',
      Properties: { Queues: [{ Ref: 'Q' }], PolicyDocument: { Version: '2012-10-17', Statement: [{ Sid: sid, Effect: 'Deny', Principal: '*', Action: 'sqs:*', Resource: '*' }] } },
    });
    const policyOf = async (url: string) =>
      (await emulator.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Policy'] }))).Attributes?.Policy ?? '';
    const day1: CfnTemplate = { Resources: { Q: queue({ QueueName: 'literal-policy' }), P: policy('One') } };
    const previous = { template: day1, report: await deploy(day1) };
    const day2: CfnTemplate = { Resources: { Q: queue({ QueueName: 'literal-policy' }), P: policy('Two') } };
    const updated = await deploy(day2, previous);
    expect(updated.update?.updated).toEqual([{ logicalId: 'P', type: 'AWS::SQS::QueuePolicy', properties: ['PolicyDocument'] }]);
    expect(updated.ids.P).toBe(previous.report.ids.P);
    expect(JSON.parse(await policyOf(updated.ids.Q)).Statement[0].Sid).toBe('Two');
    const day3: CfnTemplate = { Resources: { Q: queue({ QueueName: 'literal-policy' }) } };
    const removed = await deploy(day3, { template: day2, report: updated });
    expect(removed.update?.deleted).toEqual([{ logicalId: 'P', type: 'AWS::SQS::QueuePolicy', physicalId: updated.ids.P }]);
    expect(await policyOf(updated.ids.Q)).toBe('');
  });

  test('a queue policy moved to a new logical ID is written, then wiped by the delete of the old one (why SecureExistingFifo merges)', async () => {
    const policy = (sid: string) => ({
      Type: 'AWS::SQS::QueuePolicy',
      Properties: { Queues: [{ Ref: 'Q' }], PolicyDocument: { Version: '2012-10-17', Statement: [{ Sid: sid, Effect: 'Deny', Principal: '*', Action: 'sqs:*', Resource: '*' }] } },
    });
    const day1: CfnTemplate = { Resources: { Q: queue({ QueueName: 'literal-moved-policy' }), Old: policy('One') } };
    const previous = { template: day1, report: await deploy(day1) };
    const updated = await deploy({ Resources: { Q: queue({ QueueName: 'literal-moved-policy' }), New: policy('Two') } }, previous);
    expect(updated.update).toMatchObject({ created: ['New'], deleted: [expect.objectContaining({ logicalId: 'Old' })] });
    const out = await emulator.sqs.send(new GetQueueAttributesCommand({ QueueUrl: updated.ids.Q, AttributeNames: ['Policy'] }));
    expect(out.Attributes?.Policy ?? '').toBe('');
  });

  test('a queue policy naming a role of the stack is stored with the role\'s stand-in ARN, not reported as a problem', async () => {
    const template: CfnTemplate = {
      Resources: {
        Q: queue({ QueueName: 'literal-role-policy' }),
        Consumer: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: {} } },
        P: {
          Type: 'AWS::SQS::QueuePolicy',
          Properties: {
            Queues: [{ Ref: 'Q' }],
            PolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { AWS: { 'Fn::GetAtt': ['Consumer', 'Arn'] } }, Action: 'sqs:ReceiveMessage', Resource: '*' }] },
          },
        },
      },
    };
    const report = await deploy(template);
    expect(report.problems).toEqual([]);
    expect(JSON.parse(report.resources.P.attributes.PolicyDocument).Statement[0].Principal.AWS).toMatch(/^arn:aws:iam::000000000000:role\/Literal-Consumer-/);
  });

  test('a topic attribute removed from the template goes back to its default', async () => {
    const topic = (properties: { [property: string]: unknown }) => ({ Type: 'AWS::SNS::Topic', Properties: { TopicName: 'literal-topic.fifo', FifoTopic: true, ...properties } });
    const day1: CfnTemplate = { Resources: { T: topic({ ContentBasedDeduplication: true }) } };
    const previous = { template: day1, report: await deploy(day1) };
    const updated = await deploy({ Resources: { T: topic({}) } }, previous);
    const out = await emulator.sns.send(new GetTopicAttributesCommand({ TopicArn: updated.ids.T }));
    expect(out.Attributes?.ContentBasedDeduplication).toBe('false');
    expect(updated.update?.updated).toEqual([{ logicalId: 'T', type: 'AWS::SNS::Topic', properties: ['ContentBasedDeduplication'] }]);
  });

  test('a changed subscription endpoint is a replacement: a new subscription ARN, the old one unsubscribed', async () => {
    const sub = (endpoint: string) => ({
      Type: 'AWS::SNS::Subscription',
      Properties: { TopicArn: { Ref: 'T' }, Protocol: 'sqs', Endpoint: { 'Fn::GetAtt': [endpoint, 'Arn'] } },
    });
    const resources = { T: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'literal-sub' } }, A: queue({ QueueName: 'literal-a' }), B: queue({ QueueName: 'literal-b' }) };
    const day1: CfnTemplate = { Resources: { ...resources, S: sub('A') } };
    const previous = { template: day1, report: await deploy(day1) };
    const updated = await deploy({ Resources: { ...resources, S: sub('B') } }, previous);
    expect(updated.update?.replaced).toEqual([expect.objectContaining({ logicalId: 'S', properties: ['Endpoint'], oldPhysicalId: previous.report.ids.S })]);
    expect(updated.ids.S).not.toBe(previous.report.ids.S);
    await expect(emulator.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: previous.report.ids.S }))).rejects.toThrow();
  });
});

