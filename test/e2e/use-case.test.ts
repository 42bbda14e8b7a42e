/**
 * AWS's auto-parts price-management use case, as examples/price-updates builds it, deployed into
 * the embedded SNS/SQS emulator (fauxqs 1.9.2 on Node 20, 2.x on Node >= 22.5): the claims `npx projen demo` makes, one per test.
 * Both stacks are deployed once; each test publishes its own prices (own parts and deduplication
 * IDs) and drains every subscriber queue, so the tests do not see each other's messages.
 */
import { newApp } from '../util';
import { Deployed, deployStack } from './harness';
import { PriceUpdatesStack } from '../../examples/price-updates/stack';
import { chooseFauxqs, Emulator, gapIn, startEmulator } from '../../local/emulator';
import { consume, Consumption, Delivery, publish, Publication } from '../../local/messaging';
import { KNOWN_GAPS } from '../../local/promises';

/** The fauxqs line this Node runs; its known gaps are those KNOWN_GAPS lists for that line. */
const fauxqs = chooseFauxqs();
const known = {
  retryToStandard: gapIn(KNOWN_GAPS.standardQueueDedup, fauxqs.version),
  groupIdOnStandard: gapIn(KNOWN_GAPS.standardQueueGroupId, fauxqs.version),
  bodyFilterArrays: gapIn(KNOWN_GAPS.bodyFilterArrays, fauxqs.version),
};
const listed = (gap: boolean, text: string, asAws: string) => (gap ? `listed: ${text}` : `not listed: ${asAws}`);

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.stop();
});

type Label = 'wholesale' | 'retail' | 'analytics';
const LABELS: readonly Label[] = ['wholesale', 'retail', 'analytics'];

/** One deployed `PriceUpdatesStack`, with its queues' URLs. */
interface PriceUpdates {
  readonly topicArn: string;
  readonly queueUrl: { readonly [label in Label]: string };
  readonly dlqUrl: { readonly [label in Label]: string };
}

function urlsOf(stack: PriceUpdatesStack, deployed: Deployed): PriceUpdates {
  const subscribers = { wholesale: stack.wholesale, retail: stack.retail, analytics: stack.analytics };
  const map = (url: (label: Label) => string) => Object.fromEntries(LABELS.map((label) => [label, url(label)])) as { [label in Label]: string };
  return {
    topicArn: deployed.topicArn(stack.prices.topic),
    queueUrl: map((label) => deployed.queueUrl(subscribers[label].queue)),
    dlqUrl: map((label) => deployed.queueUrl(subscribers[label].deadLetterQueue)),
  };
}

let withIds: PriceUpdates;
let contentDedup: PriceUpdates;
beforeAll(async () => {
  // One App for both stacks: it is synthesized (and validated) once.
  const app = newApp();
  const main = new PriceUpdatesStack(app, 'PriceUpdates');
  const content = new PriceUpdatesStack(app, 'ContentDedupPriceUpdates', { topicName: 'price-updates-content-dedup', contentBasedDeduplication: true });
  withIds = urlsOf(main, await deployStack(emulator, main));
  contentDedup = urlsOf(content, await deployStack(emulator, content));
});

/** A price update body, as the price system publishes it. */
const price = (part: string, business: string | string[] | undefined, value: string) => JSON.stringify({ part, business, price: value });

/** A publication with `part` as its message group, and a deduplication ID when given. */
const update = (body: string, dedupId?: string): Publication => ({ body, groupId: String(JSON.parse(body).part), dedupId });

/** Publish in order (a refusal fails the test), then drain every subscriber queue. */
async function publishAndDrain(target: PriceUpdates, publications: readonly Publication[]): Promise<{ [label in Label]: Consumption }> {
  for (const p of publications) {
    const refusal = await publish(emulator.sns, target.topicArn, p);
    if (refusal) throw new Error(`publish refused: ${refusal.code} ${refusal.message}`);
  }
  const drained: Partial<{ [label in Label]: Consumption }> = {};
  for (const label of LABELS) drained[label] = await consume(emulator.sqs, target.queueUrl[label]);
  return drained as { [label in Label]: Consumption };
}

const bodies = (c: Consumption) => c.deliveries.map((d) => d.body);

describe('PriceUpdates: publishers send deduplication IDs; wholesale and retail filter on business in the body', () => {
  test('a wholesale price reaches the wholesale FIFO queue and not the retail one', async () => {
    const wholesale = price('F-100', 'wholesale', '42.00');
    const got = await publishAndDrain(withIds, [update(wholesale, 'F-100-w1')]);
    expect(bodies(got.wholesale)).toEqual([wholesale]);
    expect(bodies(got.retail)).toEqual([]);
  });

  test('a retail price reaches the retail FIFO queue and not the wholesale one', async () => {
    const retail = price('F-200', 'retail', '55.00');
    const got = await publishAndDrain(withIds, [update(retail, 'F-200-r1')]);
    expect(bodies(got.retail)).toEqual([retail]);
    expect(bodies(got.wholesale)).toEqual([]);
  });

  test('a body without business reaches only the analytics queue', async () => {
    const unlabelled = price('F-300', undefined, '89.00');
    const got = await publishAndDrain(withIds, [update(unlabelled, 'F-300-1')]);
    expect(bodies(got.analytics)).toEqual([unlabelled]);
    expect(bodies(got.wholesale)).toEqual([]);
    expect(bodies(got.retail)).toEqual([]);
  });

  test('the analytics standard queue receives every update, of both businesses', async () => {
    const published = [price('A-100', 'wholesale', '1.00'), price('A-100', 'retail', '1.50'), price('A-200', 'retail', '2.50')];
    const got = await publishAndDrain(withIds, published.map((body, i) => update(body, `A-${i}`)));
    expect(bodies(got.analytics).sort()).toEqual([...published].sort());
  });

  test('a publisher retry (same deduplication ID) reaches the FIFO subscriber once', async () => {
    const retail = price('R-100', 'retail', '56.90');
    const got = await publishAndDrain(withIds, [update(retail, 'R-100-r2'), update(retail, 'R-100-r2')]);
    expect(bodies(got.retail)).toEqual([retail]);
  });

  test('a wholesale price is in neither the retail queue nor the retail DLQ: at most once, nothing to redrive for retail', async () => {
    const wholesale = price('M-100', 'wholesale', '2.40');
    const got = await publishAndDrain(withIds, [update(wholesale, 'M-100-w1')]);
    const retailDlq = await consume(emulator.sqs, withIds.dlqUrl.retail);
    expect([...bodies(got.retail), ...bodies(retailDlq)]).not.toContain(wholesale);
  });

  test('each FIFO subscriber receives each part\'s prices in publish order', async () => {
    const published: Publication[] = [];
    for (let v = 1; v <= 3; v++) {
      for (const part of ['O-100', 'O-200']) {
        for (const business of ['wholesale', 'retail']) published.push(update(price(part, business, `${v}.00`), `${part}-${business}-${v}`));
      }
    }
    const got = await publishAndDrain(withIds, published);
    for (const business of ['wholesale', 'retail'] as const) {
      for (const part of ['O-100', 'O-200']) {
        const received = got[business].deliveries.filter((d) => d.groupId === part).map((d) => JSON.parse(d.body).price);
        expect(received).toEqual(['1.00', '2.00', '3.00']);
      }
    }
  });

  test('a retail price that is not a number moves to the retail DLQ after maxReceiveCount (5) receives; other parts keep flowing', async () => {
    const poison = price('P-100', 'retail', 'N/A');
    const next = price('P-100', 'retail', '14.20');
    const other = price('P-200', 'retail', '3.10');
    for (const [body, id] of [[poison, 'P-100-1'], [next, 'P-100-2'], [other, 'P-200-1']]) {
      expect(await publish(emulator.sns, withIds.topicArn, update(body, id))).toBeUndefined();
    }
    const retail = await consume(emulator.sqs, withIds.queueUrl.retail, {
      handle: (d: Delivery) => (Number.isNaN(Number(JSON.parse(d.body).price)) ? 'release' : 'delete'),
      until: (deliveries) => deliveries.some((d) => d.body === next),
    });
    await consume(emulator.sqs, withIds.queueUrl.analytics);
    const dlq = await consume(emulator.sqs, withIds.dlqUrl.retail);
    expect(bodies(dlq)).toEqual([poison]);
    expect(retail.deliveries.filter((d) => d.body === poison)).toHaveLength(5);
    expect(retail.processed.map((d) => d.body)).toEqual([other, next]);
  });
});

describe('ContentDedupPriceUpdates: content-based deduplication, no deduplication IDs, business in the body', () => {
  test('the wholesale and retail copies of one price (bodies differ only in business) are both delivered, each to its subscriber', async () => {
    const wholesale = price('C-100', 'wholesale', '92.00');
    const retail = price('C-100', 'retail', '92.00');
    const got = await publishAndDrain(contentDedup, [update(wholesale), update(retail)]);
    expect(bodies(got.wholesale)).toEqual([wholesale]);
    expect(bodies(got.retail)).toEqual([retail]);
  });

  test('the analytics queue receives both copies', async () => {
    const wholesale = price('C-200', 'wholesale', '7.00');
    const retail = price('C-200', 'retail', '7.00');
    const got = await publishAndDrain(contentDedup, [update(wholesale), update(retail)]);
    expect(bodies(got.analytics).sort()).toEqual([wholesale, retail].sort());
  });

  test('an identical body published twice is delivered once to the FIFO subscriber', async () => {
    const retail = price('C-300', 'retail', '9.49');
    const got = await publishAndDrain(contentDedup, [update(retail), update(retail)]);
    expect(bodies(got.retail)).toEqual([retail]);
  });
});

describe(`${fauxqs.name} differences the demo reports (KNOWN_GAPS in local/promises.ts, per release line: a listed gap is asserted, an unlisted one must behave as SNS does; when one fails, fauxqs changed: update the list)`, () => {
  test(listed(known.retryToStandard,
    'a retry reaches a standard queue a second time (real SNS drops it at the topic)',
    'a retry reaches the standard queue once: deduplication is topic-wide, as in SNS'), async () => {
    const body = price('G-100', 'retail', '1.00');
    const got = await publishAndDrain(withIds, [update(body, 'G-100-1'), update(body, 'G-100-1')]);
    expect(bodies(got.retail)).toEqual([body]);
    expect(bodies(got.analytics)).toEqual(known.retryToStandard ? [body, body] : [body]);
  });

  test(listed(known.groupIdOnStandard,
    'a standard queue receives the message group ID (real SNS delivers to a standard queue without it)',
    'a standard queue receives no message group ID, as from SNS'), async () => {
    const got = await publishAndDrain(withIds, [update(price('G-200', 'wholesale', '1.00'), 'G-200-1')]);
    expect(got.analytics.deliveries[0].groupId).toBe(known.groupIdOnStandard ? 'G-200' : undefined);
  });

  test(listed(known.bodyFilterArrays,
    'a body whose business is an array matches no body filter (real SNS matches when any element matches)',
    'a body whose business is an array reaches every business it names, as with SNS'), async () => {
    const both = price('G-300', ['wholesale', 'retail'], '1.00');
    const got = await publishAndDrain(withIds, [update(both, 'G-300-1')]);
    expect(bodies(got.wholesale)).toEqual(known.bodyFilterArrays ? [] : [both]);
    expect(bodies(got.retail)).toEqual(known.bodyFilterArrays ? [] : [both]);
    expect(bodies(got.analytics)).toEqual([both]);
  });
});
