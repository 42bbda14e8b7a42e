/**
 * The library's promises, checked on the library's own synthesized templates deployed into the
 * embedded SNS/SQS emulator (in-process: fauxqs 1.9.2 on Node 20, 2.x on Node >= 22.5). One stack
 * per scenario; each scenario publishes and consumes once in `beforeAll`, and each test asserts one
 * behaviour of the outcome.
 */
import { GetTopicAttributesCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ENVIRONMENT_AGNOSTIC, newStack } from '../util';
import { bodiesByGroup, Deployed, deployStack } from './harness';
import { chooseFauxqs, Emulator, FAUXQS_GAPS, gapIn, startEmulator } from '../../local/emulator';
import { Consumption, consume, Delivery, publish, publishAll, Publication } from '../../local/messaging';
import { FifoFanout, FifoSubscriber } from '../../src';

/** The fauxqs line this Node runs. */
const fauxqs = chooseFauxqs();
const perGroupDedupGap = gapIn(FAUXQS_GAPS.find((g) => g.property === 'FifoThroughputScope')!, fauxqs.version);
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.stop();
});

/** A fan-out with the given subscribers (1 s visibility timeout unless said otherwise), deployed. */
async function fanout(
  stackId: string,
  props: ConstructorParameters<typeof FifoFanout>[2],
  subscribers: { [id: string]: Parameters<FifoFanout['addSubscriber']>[1] },
): Promise<{ stack: Stack; deployed: Deployed; topicArn: string; subscribers: { [id: string]: FifoSubscriber } }> {
  const stack = newStack(stackId, ENVIRONMENT_AGNOSTIC);
  const construct = new FifoFanout(stack, 'Prices', props);
  const added: { [id: string]: FifoSubscriber } = {};
  for (const [id, options] of Object.entries(subscribers)) {
    added[id] = construct.addSubscriber(id, { visibilityTimeout: Duration.seconds(1), ...options });
  }
  const deployed = await deployStack(emulator, stack);
  return { stack, deployed, topicArn: deployed.topicArn(construct.topic), subscribers: added };
}

/** Publish one by one (a refusal fails the test) and drain every subscriber queue. */
async function publishAndDrain(
  f: Awaited<ReturnType<typeof fanout>>,
  publications: readonly Publication[],
): Promise<{ [subscriber: string]: Consumption }> {
  for (const p of publications) {
    const refusal = await publish(emulator.sns, f.topicArn, p);
    if (refusal) throw new Error(`publish refused: ${refusal.code} ${refusal.message}`);
  }
  const drained: { [subscriber: string]: Consumption } = {};
  for (const [id, subscriber] of Object.entries(f.subscribers)) {
    drained[id] = await consume(emulator.sqs, f.deployed.queueUrl(subscriber.queue));
  }
  return drained;
}

const bodies = (deliveries: readonly Delivery[]) => deliveries.map((d) => d.body);

describe('1. duplicate publishes within the deduplication window', () => {
  test('the same MessageDeduplicationId twice: each subscriber queue receives the message once', async () => {
    const f = await fanout('DedupById', {}, { Wholesale: {}, Retail: {} });
    const update = { body: '{"part":"BRK-100","price":"42.00"}', groupId: 'BRK-100', dedupId: 'BRK-100-v1' };
    const got = await publishAndDrain(f, [update, { ...update }]);
    expect(bodies(got.Wholesale.deliveries)).toEqual([update.body]);
    expect(bodies(got.Retail.deliveries)).toEqual([update.body]);
  });

  test('the same body twice with content-based deduplication: each subscriber queue receives it once', async () => {
    const f = await fanout('DedupByContent', { contentBasedDeduplication: true }, { Wholesale: {}, Retail: {} });
    const update = { body: '{"part":"FLT-220","price":"8.99"}', groupId: 'FLT-220' };
    const got = await publishAndDrain(f, [update, { ...update }]);
    expect(bodies(got.Wholesale.deliveries)).toEqual([update.body]);
    expect(bodies(got.Retail.deliveries)).toEqual([update.body]);
  });
});

describe('2. same body, different message attributes (the wholesale/retail pitfall)', () => {
  const body = '{"part":"BAT-400","price":"89.00"}';

  test('content-based deduplication drops the second one: attributes are not hashed', async () => {
    const f = await fanout('PitfallContent', { contentBasedDeduplication: true }, { Wholesale: {}, Retail: {} });
    const got = await publishAndDrain(f, [
      { body, groupId: 'BAT-400', attributes: { channel: 'wholesale' } },
      { body, groupId: 'BAT-400', attributes: { channel: 'retail' } },
    ]);
    for (const consumption of [got.Wholesale, got.Retail]) {
      expect(consumption.deliveries.map((d) => d.attributes.channel)).toEqual(['wholesale']);
    }
  });

  test('a unique deduplication ID per business type delivers both to every subscriber', async () => {
    const f = await fanout('PitfallUniqueIds', { contentBasedDeduplication: true }, { Wholesale: {}, Retail: {} });
    const got = await publishAndDrain(f, [
      { body, groupId: 'BAT-400', dedupId: 'BAT-400-v1-wholesale', attributes: { channel: 'wholesale' } },
      { body, groupId: 'BAT-400', dedupId: 'BAT-400-v1-retail', attributes: { channel: 'retail' } },
    ]);
    for (const consumption of [got.Wholesale, got.Retail]) {
      expect(consumption.deliveries.map((d) => d.attributes.channel)).toEqual(['wholesale', 'retail']);
    }
  });
});

describe('3. deduplication scope', () => {
  test('topic scope (default): the same deduplication ID in two message groups is delivered once', async () => {
    const f = await fanout('ScopeTopic', {}, { Wholesale: {}, Retail: {} });
    const got = await publishAndDrain(f, [
      { body: 'first', groupId: 'BRK-100', dedupId: 'batch-7' },
      { body: 'second', groupId: 'SPK-310', dedupId: 'batch-7' },
    ]);
    expect(bodies(got.Wholesale.deliveries)).toEqual(['first']);
    expect(bodies(got.Retail.deliveries)).toEqual(['first']);
  });

  describe(`high-throughput mode (MessageGroup scope): per-group deduplication is ${perGroupDedupGap ? 'NOT ' : ''}emulated by ${fauxqs.name}`, () => {
    let f: Awaited<ReturnType<typeof fanout>>;
    beforeAll(async () => {
      f = await fanout('ScopeMessageGroup', { highThroughput: true }, { Wholesale: {}, Retail: {} });
    });

    test('the topic is deployed with FifoThroughputScope=MessageGroup', async () => {
      const out = await emulator.sns.send(new GetTopicAttributesCommand({ TopicArn: f.topicArn }));
      expect(out.Attributes?.FifoThroughputScope).toBe('MessageGroup');
    });

    test('every subscriber queue is deployed with DeduplicationScope=messageGroup and FifoThroughputLimit=perMessageGroupId', async () => {
      for (const subscriber of Object.values(f.subscribers)) {
        const out = await emulator.sqs.send(new GetQueueAttributesCommand({ QueueUrl: f.deployed.queueUrl(subscriber.queue), AttributeNames: ['All'] }));
        expect(out.Attributes).toMatchObject({ DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' });
      }
    });

    test(`the deployer reports per-group deduplication as ${perGroupDedupGap ? 'not enforced, so no test relies on it here' : 'enforced'}`, () => {
      const reported = f.deployed.report.notEnforced.filter((s) => s.property === 'FifoThroughputScope' || s.property === 'DeduplicationScope');
      expect(reported.map((s) => `${s.type}=${s.value}`).sort()).toEqual(perGroupDedupGap ? [
        'AWS::SNS::Topic=MessageGroup',
        ...Array(4).fill('AWS::SQS::Queue=messageGroup'),
      ] : []);
    });

    test('the construct warns that deduplication is per message group', () => {
      Annotations.fromStack(f.stack).hasWarning('*', Match.stringLikeRegexp('cdk-secure-fifo:dedupPerMessageGroup'));
    });
  });
});

describe('4. ordering: 1,000 messages in 10 message groups, three subscribers', () => {
  const groups = 10;
  const perGroup = 100;
  let got: { [subscriber: string]: Consumption };
  beforeAll(async () => {
    const f = await fanout('Ordering', {}, { Wholesale: {}, Retail: {}, Analytics: {} });
    const publications: Publication[] = [];
    for (let i = 0; i < groups * perGroup; i++) {
      const group = `part-${i % groups}`;
      const seq = Math.floor(i / groups);
      publications.push({ body: `${group}#${seq}`, groupId: group, dedupId: `${group}-v${seq}` });
    }
    const refusals = await publishAll(emulator.sns, f.topicArn, publications);
    expect(refusals).toEqual([]);
    got = {};
    await Promise.all(Object.entries(f.subscribers).map(async ([id, subscriber]) => {
      got[id] = await consume(emulator.sqs, f.deployed.queueUrl(subscriber.queue), { timeoutMs: 30_000 });
    }));
  });

  test('every subscriber receives all 1,000 messages, none twice', () => {
    for (const consumption of Object.values(got)) {
      expect(consumption.deliveries).toHaveLength(groups * perGroup);
      expect(new Set(consumption.deliveries.map((d) => d.dedupId)).size).toBe(groups * perGroup);
    }
  });

  test('within each message group every subscriber sees the publish order', () => {
    for (const consumption of Object.values(got)) {
      const byGroup = bodiesByGroup(consumption.deliveries);
      expect(Object.keys(byGroup)).toHaveLength(groups);
      for (const [group, received] of Object.entries(byGroup)) {
        expect(received).toEqual(Array.from({ length: perGroup }, (_, seq) => `${group}#${seq}`));
      }
    }
  });
});

describe('5. a poison message a consumer never deletes (maxReceiveCount 2, visibility timeout 1 s)', () => {
  let f: Awaited<ReturnType<typeof fanout>>;
  let retail: Consumption;
  let wholesale: Consumption;
  beforeAll(async () => {
    f = await fanout('Poison', {}, { Wholesale: {}, Retail: { maxReceiveCount: 2 } });
    const publications: Publication[] = [
      ['A', 'a1'], ['B', 'b1'], ['C', 'c1'],
      ['A', 'POISON'], ['B', 'b2'], ['C', 'c2'],
      ['A', 'a2'], ['B', 'b3'], ['C', 'c3'],
    ].map(([groupId, body]) => ({ body, groupId, dedupId: body }));
    for (const p of publications) {
      expect(await publish(emulator.sns, f.topicArn, p)).toBeUndefined();
    }
    // Retail fails on the poison message and leaves it for its visibility timeout to expire.
    retail = await consume(emulator.sqs, f.deployed.queueUrl(f.subscribers.Retail.queue), {
      handle: (d) => (d.body === 'POISON' ? 'keep' : 'delete'),
      until: (deliveries) => deliveries.some((d) => d.body === 'a2'),
      waitSeconds: 1,
      timeoutMs: 15_000,
    });
    wholesale = await consume(emulator.sqs, f.deployed.queueUrl(f.subscribers.Wholesale.queue));
  });

  test('after maxReceiveCount receives the poison message sits in that subscriber\'s DLQ', async () => {
    const dlq = await consume(emulator.sqs, f.deployed.queueUrl(f.subscribers.Retail.deadLetterQueue));
    expect(bodies(dlq.deliveries)).toEqual(['POISON']);
    expect(retail.deliveries.filter((d) => d.body === 'POISON').map((d) => d.receiveCount)).toEqual([1, 2]);
  });

  test('the other message groups keep flowing while the poison message blocks its own group', () => {
    const lastPoison = retail.deliveries.map((d) => d.body).lastIndexOf('POISON');
    const others = retail.deliveries.filter((d) => d.groupId !== 'A');
    expect(others.map((d) => d.body).sort()).toEqual(['b1', 'b2', 'b3', 'c1', 'c2', 'c3']);
    for (const d of others) {
      expect(retail.deliveries.indexOf(d)).toBeLessThan(lastPoison);
    }
  });

  test('nothing is lost: the poison group resumes in order once the poison message has moved', () => {
    expect(bodiesByGroup(retail.processed)).toEqual({ A: ['a1', 'a2'], B: ['b1', 'b2', 'b3'], C: ['c1', 'c2', 'c3'] });
  });

  test('the other subscriber processes the same message normally and its DLQ stays empty', async () => {
    expect(bodies(wholesale.processed)).toContain('POISON');
    expect(wholesale.processed).toHaveLength(9);
    const dlq = await consume(emulator.sqs, f.deployed.queueUrl(f.subscribers.Wholesale.deadLetterQueue));
    expect(dlq.deliveries).toEqual([]);
  });
});

describe('6. a subscription with a filter policy', () => {
  let f: Awaited<ReturnType<typeof fanout>>;
  let got: { [subscriber: string]: Consumption };
  beforeAll(async () => {
    f = await fanout('Filter', {}, {
      AllRegions: {},
      EuOnly: { filterPolicy: { region: sns.SubscriptionFilter.stringFilter({ allowlist: ['EU'] }) } },
    });
    got = await publishAndDrain(f, ['EU', 'US', 'EU', 'APAC'].map((region, i) => ({
      body: `update-${i}-${region}`, groupId: 'BRK-100', dedupId: `u${i}`, attributes: { region },
    })));
  });

  test('filtered messages are never delivered to it, neither to its queue nor to its DLQ (at-most-once)', async () => {
    expect(bodies(got.EuOnly.deliveries)).toEqual(['update-0-EU', 'update-2-EU']);
    const dlq = await consume(emulator.sqs, f.deployed.queueUrl(f.subscribers.EuOnly.deadLetterQueue));
    expect(dlq.deliveries).toEqual([]);
  });

  test('an unfiltered subscriber of the same topic receives everything', () => {
    expect(bodies(got.AllRegions.deliveries)).toEqual(['update-0-EU', 'update-1-US', 'update-2-EU', 'update-3-APAC']);
  });

  test('the construct warned that the subscription is at-most-once', () => {
    Annotations.fromStack(f.stack).hasWarning('*', Match.stringLikeRegexp('cdk-secure-fifo:filterPolicyAtMostOnce'));
  });
});

describe('7. raw message delivery (the default)', () => {
  const published = { body: '{"part":"BRK-100","price":"12.30"}', groupId: 'BRK-100', dedupId: 'price-update-42', attributes: { channel: 'retail' } };
  let got: { [subscriber: string]: Consumption };
  beforeAll(async () => {
    const f = await fanout('Raw', {}, { Raw: {}, Envelope: { rawMessageDelivery: false } });
    got = await publishAndDrain(f, [published]);
  });

  test('the consumer gets the published body unchanged', () => {
    expect(bodies(got.Raw.deliveries)).toEqual([published.body]);
  });

  test('MessageGroupId and MessageDeduplicationId arrive as SQS system attributes', () => {
    expect(got.Raw.deliveries[0]).toMatchObject({ groupId: 'BRK-100', dedupId: 'price-update-42' });
  });

  test('message attributes arrive as SQS message attributes', () => {
    expect(got.Raw.deliveries[0].attributes).toEqual({ channel: 'retail' });
  });

  test('with rawMessageDelivery: false the body is the SNS notification envelope instead', () => {
    const envelope = JSON.parse(got.Envelope.deliveries[0].body);
    expect(envelope).toMatchObject({ Type: 'Notification', Message: published.body });
  });
});
