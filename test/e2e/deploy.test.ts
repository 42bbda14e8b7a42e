import { GetSubscriptionAttributesCommand, GetTopicAttributesCommand } from '@aws-sdk/client-sns';
import { DeleteQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { ENVIRONMENT_AGNOSTIC, newStack } from '../util';
import { Deployed, deployStack } from './harness';
import { CfnTemplate, deployTemplate, DeployReport, discoverDeployed } from '../../local/deploy';
import { chooseFauxqs, Emulator, FAUXQS_GAPS, gapIn, startEmulator } from '../../local/emulator';
import { consume, publish } from '../../local/messaging';
import { FifoFanout, FifoSubscriber } from '../../src';

/** The fauxqs line this Node runs (1.9.2 on Node 20, 2.x on Node >= 22.5; FAUXQS_LINE overrides). */
const fauxqs = chooseFauxqs();
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.stop();
});

describe(`the embedded emulator on Node ${process.versions.node}`, () => {
  test(`is ${fauxqs.name} (${fauxqs.reason}), as the package.json of the module its worker loaded says`, () => {
    expect(emulator.name).toBe(fauxqs.name);
    expect(emulator.version).toBe(fauxqs.version);
  });

  test('reports exactly the FAUXQS_GAPS listed for its release line', () => {
    expect(emulator.gaps).toEqual(FAUXQS_GAPS.filter((gap) => gap.lines.includes(fauxqs.line)));
  });
});

describe('choosing the fauxqs line', () => {
  test('Node 20 runs 1.9.2, Node >= 22.5 runs 2.x', () => {
    expect([chooseFauxqs('20.20.2', undefined), chooseFauxqs('22.4.1', undefined), chooseFauxqs('22.5.0', undefined), chooseFauxqs('24.21.0', undefined)]
      .map((c) => c.module)).toEqual(['fauxqs', 'fauxqs', 'fauxqs2', 'fauxqs2']);
  });

  test('FAUXQS_LINE=1 forces 1.9.2 on a Node that runs 2.x', () => {
    expect(chooseFauxqs('24.21.0', '1')).toMatchObject({ line: 1, module: 'fauxqs', version: '1.9.2' });
  });

  test('FAUXQS_LINE=2 on Node 20 is refused: fauxqs 2.x needs Node >= 22.5', () => {
    expect(() => chooseFauxqs('20.20.2', '2')).toThrow(/FAUXQS_LINE=2: fauxqs 2.x needs Node >= 22.5.0, this is 20.20.2/);
  });

  test('an unknown FAUXQS_LINE is refused', () => {
    expect(() => chooseFauxqs('24.21.0', '3')).toThrow(/FAUXQS_LINE=3: allowed are 1 .* and 2/);
  });
});

describe('deploying a FifoFanout template', () => {
  let deployed: Deployed;
  let prices: FifoFanout;
  let retail: FifoSubscriber;
  let stack: Stack;
  beforeAll(async () => {
    stack = newStack('DeployFanout', ENVIRONMENT_AGNOSTIC);
    prices = new FifoFanout(stack, 'Prices', { topicName: 'deploy-prices', contentBasedDeduplication: true });
    prices.addSubscriber('Wholesale', { queueName: 'deploy-wholesale' });
    retail = prices.addSubscriber('Retail', { queueName: 'deploy-retail', maxReceiveCount: 3, visibilityTimeout: Duration.seconds(7) });
    deployed = await deployStack(emulator, stack);
  });

  test('maps every topic, queue, subscription and policy logical ID to its ARN, URL or policy ID', () => {
    const ids = Object.entries(deployed.report.ids);
    const byType = (type: string) => Object.values(deployed.report.resources).filter((r) => r.type === type);
    expect(byType('AWS::SNS::Topic')).toHaveLength(1);
    expect(byType('AWS::SQS::Queue')).toHaveLength(4);
    expect(byType('AWS::SNS::Subscription')).toHaveLength(2);
    expect(byType('AWS::SNS::TopicPolicy')).toHaveLength(1);
    expect(byType('AWS::SQS::QueuePolicy')).toHaveLength(2);
    expect(ids).toHaveLength(10);
    expect(deployed.topicArn(prices.topic)).toBe('arn:aws:sns:us-east-1:000000000000:deploy-prices.fifo');
    expect(deployed.queueUrl(retail.queue)).toMatch(/^http:\/\/.+\/000000000000\/deploy-retail\.fifo$/);
  });

  test('applies the queue attributes: FIFO, visibility timeout and the redrive policy to its own DLQ', async () => {
    const out = await emulator.sqs.send(new GetQueueAttributesCommand({ QueueUrl: deployed.queueUrl(retail.queue), AttributeNames: ['All'] }));
    expect(out.Attributes).toMatchObject({ FifoQueue: 'true', VisibilityTimeout: '7' });
    expect(JSON.parse(out.Attributes!.RedrivePolicy!)).toEqual({
      deadLetterTargetArn: deployed.queueArn(retail.deadLetterQueue),
      maxReceiveCount: 3,
    });
  });

  test('applies the topic attributes: FIFO, content-based deduplication, topic throughput scope', async () => {
    const out = await emulator.sns.send(new GetTopicAttributesCommand({ TopicArn: deployed.topicArn(prices.topic) }));
    expect(out.Attributes).toMatchObject({ FifoTopic: 'true', ContentBasedDeduplication: 'true', FifoThroughputScope: 'Topic' });
  });

  test('applies the subscription attributes: raw delivery and a redrive policy to the DLQ', async () => {
    const subscriptionArn = deployed.report.ids[stack.getLogicalId(retail.subscription.node.defaultChild as CfnElement)];
    const out = await emulator.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn }));
    expect(out.Attributes).toMatchObject({ Protocol: 'sqs', Endpoint: deployed.queueArn(retail.queue), RawMessageDelivery: 'true' });
    expect(JSON.parse(out.Attributes!.RedrivePolicy!)).toEqual({ deadLetterTargetArn: deployed.queueArn(retail.deadLetterQueue) });
  });

  test('ARNs the library builds from names (RedriveAllowPolicy) resolve to the ARNs the emulator assigned', () => {
    const dlq = Object.values(deployed.report.resources).find((r) => r.url === deployed.queueUrl(retail.deadLetterQueue))!;
    expect(JSON.parse(dlq.attributes.RedriveAllowPolicy)).toEqual({
      redrivePermission: 'byQueue',
      sourceQueueArns: [deployed.queueArn(retail.queue)],
    });
  });

  test('lists keys and IAM as not emulated, each with the test layer that verifies it', () => {
    const types = new Set(deployed.report.notEmulated.map((r) => r.type));
    expect(types).toEqual(new Set(['AWS::KMS::Key']));
    for (const entry of deployed.report.notEmulated) {
      expect(entry.verifiedBy).toMatch(/cdk-nag|iam-simulate|template assertions/);
    }
  });

  test('applies KmsMasterKeyId with a stand-in key ARN on the topic and every queue, and says it is stored only', async () => {
    const kms = deployed.report.notEnforced.filter((p) => p.property === 'KmsMasterKeyId');
    expect(kms.map((p) => p.type).sort()).toEqual(['AWS::SNS::Topic', ...Array(4).fill('AWS::SQS::Queue')].sort());
    expect(kms.every((p) => /stand-in key/.test(p.detail) && /cdk-nag.*iam-simulate/.test(p.verifiedBy))).toBe(true);
    const keyArn = /^arn:aws:kms:us-east-1:000000000000:key\/[0-9a-f-]{36}$/;
    const queue = await emulator.sqs.send(new GetQueueAttributesCommand({ QueueUrl: deployed.queueUrl(retail.queue), AttributeNames: ['KmsMasterKeyId'] }));
    expect(queue.Attributes?.KmsMasterKeyId).toMatch(keyArn);
    const topic = await emulator.sns.send(new GetTopicAttributesCommand({ TopicArn: deployed.topicArn(prices.topic) }));
    expect(topic.Attributes?.KmsMasterKeyId).toMatch(keyArn);
  });

  test('stores each queue and topic policy as the Policy attribute, and says no policy is evaluated', async () => {
    const out = await emulator.sqs.send(new GetQueueAttributesCommand({ QueueUrl: deployed.queueUrl(retail.queue), AttributeNames: ['Policy'] }));
    const policy = JSON.parse(out.Attributes!.Policy!) as { Statement: Array<{ Action: unknown }> };
    expect(JSON.stringify(policy.Statement.map((s) => s.Action))).toContain('sqs:SendMessage');
    const stored = deployed.report.notEnforced.filter((p) => p.property === 'PolicyDocument');
    expect(stored.map((p) => p.type).sort()).toEqual(['AWS::SNS::TopicPolicy', 'AWS::SQS::QueuePolicy', 'AWS::SQS::QueuePolicy']);
    expect(stored.every((p) => /evaluates no policy/.test(p.detail) && /iam-simulate/.test(p.verifiedBy))).toBe(true);
  });

  test('drops nothing silently: every resource is created, listed as not emulated, or reported', () => {
    const accounted = [
      ...Object.keys(deployed.report.resources),
      ...deployed.report.notEmulated.map((r) => r.logicalId),
      ...deployed.report.problems.map((p) => p.logicalId),
      ...deployed.report.skippedByCondition,
    ];
    expect(accounted.sort()).toEqual(Object.keys(deployed.template.Resources ?? {}).sort());
  });

  test('discoverDeployed (for stacks CloudFormation deployed) finds the same topic and queues by name', async () => {
    const found = await discoverDeployed(deployed.template, emulator);
    const namedIds = Object.entries(deployed.report.ids).filter(([id]) => ['AWS::SNS::Topic', 'AWS::SQS::Queue'].includes(deployed.report.resources[id].type));
    expect(found.problems).toEqual([]);
    expect(found.ids).toEqual(Object.fromEntries(namedIds));
  });

  test('reports the settings fauxqs stores but does not enforce (subscription DLQ, RedriveAllowPolicy)', () => {
    const notEnforced = deployed.report.notEnforced.map((s) => `${s.type}.${s.property}`);
    expect(notEnforced.filter((s) => s === 'AWS::SNS::Subscription.RedrivePolicy')).toHaveLength(2);
    expect(notEnforced.filter((s) => s === 'AWS::SQS::Queue.RedriveAllowPolicy')).toHaveLength(2);
  });
});

describe('templates the deployer does not fully understand', () => {
  const template: CfnTemplate = {
    Parameters: { Suffix: { Default: 'x' } },
    Resources: {
      Dlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { 'Fn::Sub': '${AWS::StackName}-dlq-${Suffix}.fifo' }, FifoQueue: true } },
      Queue: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          FifoQueue: true,
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::Sub': '${Dlq.Arn}' }, maxReceiveCount: 2 },
          Bogus: 1,
        },
      },
      Topic: {
        Type: 'AWS::SNS::Topic',
        Properties: {
          TopicName: 'odd.fifo',
          FifoTopic: true,
          DisplayName: { 'Fn::Join': ['/', [{ Ref: 'AWS::Region' }, { Ref: 'AWS::AccountId' }, { 'Fn::GetAtt': ['Queue', 'QueueName'] }]] },
        },
      },
      Sub: {
        Type: 'AWS::SNS::Subscription',
        Properties: {
          TopicArn: { Ref: 'Topic' },
          Protocol: 'sqs',
          Endpoint: { 'Fn::GetAtt': ['Queue', 'Arn'] },
          FilterPolicy: { region: ['EU'] },
          DeliveryPolicy: { 'Fn::GetAtt': ['Fn', 'Arn'] },
        },
      },
      Fn: { Type: 'AWS::Lambda::Function', Properties: {} },
      Custom: { Type: 'Custom::Thing', Properties: { Anything: true } },
    },
  };

  let report: DeployReport;
  beforeAll(async () => {
    report = await deployTemplate(template, emulator, { stackName: 'Odd' });
  });

  test('an unknown resource type is reported, not created, and the rest deploys', () => {
    expect(report.problems).toContainEqual(expect.objectContaining({ logicalId: 'Custom', message: expect.stringMatching(/unknown resource type Custom::Thing/) }));
    expect(report.problems).toContainEqual(expect.objectContaining({ logicalId: 'Fn', message: expect.stringMatching(/unknown resource type AWS::Lambda::Function/) }));
    expect(Object.keys(report.ids).sort()).toEqual(['Dlq', 'Queue', 'Sub', 'Topic']);
  });

  test('an unknown property is reported and not applied', () => {
    expect(report.problems).toContainEqual(expect.objectContaining({ logicalId: 'Queue', property: 'Bogus' }));
    expect(report.resources.Queue.attributes).not.toHaveProperty('Bogus');
  });

  test('a reference to a resource that is not emulated is reported and the property left out', () => {
    expect(report.problems).toContainEqual(expect.objectContaining({ logicalId: 'Sub', property: 'DeliveryPolicy', message: expect.stringMatching(/Fn\.Arn/) }));
    expect(report.resources.Sub.attributes).not.toHaveProperty('DeliveryPolicy');
  });

  test('Fn::Sub, Fn::Join, Fn::GetAtt, parameters and pseudo parameters resolve to the created values', () => {
    expect(report.resources.Dlq.name).toBe('Odd-dlq-x.fifo');
    const redrive = JSON.parse(report.resources.Queue.attributes.RedrivePolicy);
    expect(redrive).toEqual({ deadLetterTargetArn: report.resources.Dlq.arn, maxReceiveCount: 2 });
    expect(report.resources.Topic.attributes.DisplayName).toBe(`us-east-1/000000000000/${report.resources.Queue.name}`);
  });

  test('plain JSON properties pass through unchanged (a one-key filter policy stays an object)', () => {
    expect(JSON.parse(report.resources.Sub.attributes.FilterPolicy)).toEqual({ region: ['EU'] });
  });

  test('a queue without a name gets a CloudFormation-style generated FIFO name', () => {
    expect(report.resources.Queue.name).toMatch(/^Odd-Queue-[0-9A-F]{12}\.fifo$/);
  });
});

/** Whether FAUXQS_GAPS lists the gap on `property` for the line that runs. */
const listed = (type: string, property: string): boolean =>
  gapIn(FAUXQS_GAPS.find((g) => g.type === type && g.property === property)!, fauxqs.version);
const perGroupDedupGap = listed('AWS::SNS::Topic', 'FifoThroughputScope');
const subscriptionDlqGap = listed('AWS::SNS::Subscription', 'RedrivePolicy');

describe(`${fauxqs.name} gaps per FAUXQS_GAPS (canaries: a listed gap is asserted, an unlisted one must behave as AWS does; when one fails, fauxqs changed: update the list)`, () => {
  const template: CfnTemplate = {
    Resources: {
      Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'gaps.fifo', FifoTopic: true, FifoThroughputScope: 'MessageGroup' } },
      Dlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'gaps-dlq.fifo', FifoQueue: true } },
      Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'gaps.fifo', FifoQueue: true, DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' } },
      Gone: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'gaps-gone.fifo', FifoQueue: true } },
      ToQueue: {
        Type: 'AWS::SNS::Subscription',
        Properties: { TopicArn: { Ref: 'Topic' }, Protocol: 'sqs', Endpoint: { 'Fn::GetAtt': ['Queue', 'Arn'] }, RawMessageDelivery: true },
      },
      ToGone: {
        Type: 'AWS::SNS::Subscription',
        Properties: {
          TopicArn: { Ref: 'Topic' },
          Protocol: 'sqs',
          Endpoint: { 'Fn::GetAtt': ['Gone', 'Arn'] },
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] } },
        },
      },
    },
  };
  let report: DeployReport;
  beforeAll(async () => {
    report = await deployTemplate(template, emulator, { stackName: 'Gaps' });
    await emulator.sqs.send(new DeleteQueueCommand({ QueueUrl: report.ids.Gone }));
    for (const groupId of ['g1', 'g2']) {
      expect(await publish(emulator.sns, report.ids.Topic, { body: groupId, groupId, dedupId: 'same' })).toBeUndefined();
    }
  });

  test(perGroupDedupGap
    ? 'listed: MessageGroup scope still deduplicates across message groups (real SNS delivers once per group)'
    : 'not listed: MessageGroup scope delivers the same deduplication ID once per message group, as SNS does', async () => {
    const got = await consume(emulator.sqs, report.ids.Queue);
    expect(got.deliveries.map((d) => d.body).sort()).toEqual(perGroupDedupGap ? ['g1'] : ['g1', 'g2']);
  });

  test(subscriptionDlqGap
    ? 'listed: a delivery to a deleted queue is dropped, not sent to the subscription DLQ'
    : 'not listed: a delivery to a deleted queue goes to the subscription DLQ, as SNS does', async () => {
    const got = await consume(emulator.sqs, report.ids.Dlq);
    expect(got.deliveries.length > 0).toBe(!subscriptionDlqGap);
  });
});
