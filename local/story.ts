/**
 * The price-management day the demo plays: what the price system publishes, and how the wholesale,
 * retail and analytics applications consume it.
 */
import { DeployedResource, DeployReport } from './deploy';
import { MessagingTarget } from './emulator';
import { consume, Delivery, publish, Publication, Refusal, Verdict } from './messaging';

export type Business = 'wholesale' | 'retail';

/** What the topic is expected to do with one publish. */
export type Expectation = 'delivered' | 'dropped as a retry' | 'refused';

/** A price update as the price system publishes it (the message body). */
export interface PriceUpdate {
  readonly part: string;
  readonly name: string;
  /** The key the wholesale and retail subscriptions filter on; absent: a price for neither. */
  readonly business?: Business;
  readonly price: string;
}

/** One publish of the price system, and what the topic should do with it. */
export interface Step {
  readonly update: PriceUpdate;
  readonly publication: Publication;
  readonly expect: Expectation;
  readonly note?: string;
}

/** Options of one publish. */
interface StepOptions {
  /** The update's version for its part and business, in its deduplication ID. @default - no deduplication ID */
  readonly version?: number;
  /** @default 'delivered' */
  readonly expect?: Expectation;
  readonly note?: string;
}

/**
 * Builds steps. `run` tags bodies and deduplication IDs on long-lived targets (LocalStack, an
 * account): the deduplication window is 5 minutes, so a rerun must not look like a retry of the
 * last run, and this run's consumers must tell their messages from earlier runs' leftovers.
 */
function stepsOf(run: string) {
  return (update: PriceUpdate, options: StepOptions = {}): Step => {
    const body = JSON.stringify(run ? { ...update, run } : update);
    const dedupId = options.version === undefined ? undefined : `${update.part}-${update.business ?? 'list'}-v${options.version}${run}`;
    return {
      update,
      publication: { body, groupId: update.part, dedupId },
      expect: options.expect ?? 'delivered',
      note: options.note,
    };
  };
}

const RETRY = 'publisher retry after a timeout: same deduplication ID';
const brakePads = (business: Business, price: string): PriceUpdate => ({ part: 'BRK-100', name: 'brake pads', business, price });
const oilFilter = (business: Business, price: string): PriceUpdate => ({ part: 'FLT-220', name: 'oil filter', business, price });
const wiperBlade = (price: string): PriceUpdate => ({ part: 'WPR-510', name: 'wiper blade', business: 'retail', price });
const sparkPlug = (business: Business, price: string): PriceUpdate => ({ part: 'SPK-310', name: 'spark plug', business, price });
const battery = (business: Business | undefined, price: string): PriceUpdate => ({ part: 'BAT-400', name: 'battery', business, price });

/** The price system's day on `price-updates.fifo`: every publish carries a deduplication ID. */
export function priceDay(run: string): Step[] {
  const step = stepsOf(run);
  return [
    step(brakePads('wholesale', '42.00'), { version: 1 }),
    step(brakePads('retail', '55.00'), { version: 1 }),
    step(oilFilter('wholesale', '6.10'), { version: 1 }),
    step(oilFilter('wholesale', '6.10'), { version: 1, expect: 'dropped as a retry', note: RETRY }),
    step(wiperBlade('N/A'), { version: 1, note: 'poison: the retail consumer cannot read the price' }),
    step(sparkPlug('retail', '3.10'), { version: 1 }),
    step(brakePads('wholesale', '43.50'), { version: 2 }),
    step(wiperBlade('14.20'), { version: 2, note: 'waits behind the poison message in its message group' }),
    step(sparkPlug('wholesale', '2.40'), { version: 1, note: 'never offered to the retail subscription' }),
    step(brakePads('retail', '56.90'), { version: 2 }),
    step(brakePads('retail', '56.90'), { version: 2, expect: 'dropped as a retry', note: RETRY }),
    step(battery(undefined, '89.00'), { version: 1, note: 'no business in the body: analytics only' }),
    step(oilFilter('retail', '8.99'), { version: 1 }),
    step(oilFilter('retail', '9.49'), { expect: 'refused', note: 'no deduplication ID, and the topic has no content-based deduplication' }),
  ];
}

/** The same prices on `price-updates-content-dedup.fifo`: no deduplication IDs at all. */
export function contentDedupDay(run: string): Step[] {
  const step = stepsOf(run);
  return [
    step(battery('wholesale', '92.00')),
    step(battery('retail', '92.00'), { note: 'same part and price, other business: another body, another hash' }),
    step(battery('retail', '92.00'), { expect: 'dropped as a retry', note: 'identical retry: same body, same hash' }),
  ];
}

/** One subscriber queue of the deployed stack, and its dead-letter queue. */
export interface Subscriber {
  readonly label: 'wholesale' | 'retail' | 'analytics';
  readonly queue: DeployedResource;
  readonly dlq: DeployedResource;
  readonly maxReceiveCount: number;
}

/** The topic and the three subscribers of one deployed `PriceUpdatesStack`. */
export interface PriceUpdatesDeployment {
  readonly topic: DeployedResource;
  readonly wholesale: Subscriber;
  readonly retail: Subscriber;
  readonly analytics: Subscriber;
}

/** Find the topic and the subscriber queues of a `PriceUpdatesStack` named after `topicName`. */
export function deploymentOf(report: DeployReport, topicName: string): PriceUpdatesDeployment {
  const resources = Object.values(report.resources);
  const topic = resources.find((r) => r.type === 'AWS::SNS::Topic' && r.name === `${topicName}.fifo`);
  if (!topic) throw new Error(`the template has no topic named ${topicName}.fifo`);
  const queues = resources.filter((r) => r.type === 'AWS::SQS::Queue');
  const subscriber = (label: Subscriber['label'], queueName: string): Subscriber => {
    const queue = queues.find((r) => r.name === queueName);
    if (!queue) throw new Error(`the template has no queue named ${queueName}`);
    const redrive = JSON.parse(queue.attributes.RedrivePolicy ?? '{}') as { deadLetterTargetArn?: string; maxReceiveCount?: number };
    const dlq = queues.find((r) => r.arn === redrive.deadLetterTargetArn);
    if (!dlq || redrive.maxReceiveCount === undefined) throw new Error(`${queueName} has no dead-letter queue`);
    return { label, queue, dlq, maxReceiveCount: Number(redrive.maxReceiveCount) };
  };
  return {
    topic,
    wholesale: subscriber('wholesale', `${topicName}-wholesale.fifo`),
    retail: subscriber('retail', `${topicName}-retail.fifo`),
    analytics: subscriber('analytics', `${topicName}-analytics`),
  };
}

/** Publish the steps in order, one call each; returns the refusal of each step (or undefined). */
export async function publishSteps(target: MessagingTarget, topic: DeployedResource, steps: readonly Step[]): Promise<Array<Refusal | undefined>> {
  const refusals: Array<Refusal | undefined> = [];
  for (const step of steps) refusals.push(await publish(target.sns, topic.arn, step.publication));
  return refusals;
}

/** What one consumer received from its queue: every receive, and what it deleted. */
export interface Received {
  readonly deliveries: Delivery[];
  readonly processed: Delivery[];
}

/** What the three consumers of one deployment received, and what their DLQs hold. */
export interface DayOutcome {
  readonly wholesale: Received;
  readonly retail: Received;
  readonly analytics: Received;
  readonly dlq: { readonly wholesale: Received; readonly retail: Received };
}

/** The published body, parsed; undefined for a body the price system did not write. */
export function updateOf(body: string): (PriceUpdate & { run?: string }) | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    return typeof parsed === 'object' && parsed !== null ? parsed as PriceUpdate : undefined;
  } catch {
    return undefined;
  }
}

/** The distinct bodies a subscriber should receive, in publish order. */
export function expectedBodies(steps: readonly Step[], label: Subscriber['label']): string[] {
  const delivered = steps.filter((s) => s.expect === 'delivered' && (label === 'analytics' || s.update.business === label));
  return [...new Set(delivered.map((s) => s.publication.body))];
}

/** The retail price the retail consumer cannot read (a price that is not a number), if the day has one. */
export function poisonOf(steps: readonly Step[]): string | undefined {
  return expectedBodies(steps, 'retail').find((body) => Number.isNaN(Number(updateOf(body)?.price)));
}

/** How a target is polled: at once on the embedded emulator, with long polls elsewhere. */
export interface Polling {
  /** Long-poll seconds while a consumer still expects messages. */
  readonly waitSeconds: number;
  /** Long-poll seconds of the receive that shows a queue is empty. */
  readonly emptyWaitSeconds: number;
  /** Give up on a queue after this long. */
  readonly timeoutMs: number;
}

/** What a consumer does with a delivery of this run; earlier runs' leftovers are deleted (in a FIFO queue they would block their group). */
type Handler = (d: Delivery) => Verdict;

/**
 * Run the three consumers of one deployment until each has seen what it should, then read both
 * FIFO DLQs. The retail consumer cannot price a non-numeric price: it hands such a message back at
 * once (ChangeMessageVisibility 0) instead of waiting out the visibility timeout, so the receive
 * count climbs the same way, only faster.
 */
export async function consumeDay(
  target: MessagingTarget, deployment: PriceUpdatesDeployment, steps: readonly Step[], run: string, polling: Polling,
): Promise<DayOutcome> {
  const mine = (d: Delivery) => (updateOf(d.body)?.run ?? '') === run;
  const onlyMine = (r: Received): Received => ({ deliveries: r.deliveries.filter(mine), processed: r.processed.filter(mine) });
  const handler = (decide: Handler): Handler => (d) => (mine(d) ? decide(d) : 'delete');
  const consumeUntilSeen = (subscriber: Subscriber, decide: Handler) => {
    const expected = expectedBodies(steps, subscriber.label);
    return consume(target.sqs, subscriber.queue.url!, {
      handle: handler(decide),
      until: (deliveries) => expected.every((body) => deliveries.some((d) => d.body === body)),
      waitSeconds: polling.waitSeconds,
      timeoutMs: polling.timeoutMs,
    });
  };

  const wholesale = await consumeUntilSeen(deployment.wholesale, () => 'delete');
  const retail = await consumeUntilSeen(deployment.retail, (d) => (Number.isNaN(Number(updateOf(d.body)?.price)) ? 'release' : 'delete'));
  const analytics = await consumeUntilSeen(deployment.analytics, () => 'delete');
  // A standard queue has no order: whatever arrives after the last expected update (duplicates) is read too.
  const late = await consume(target.sqs, deployment.analytics.queue.url!, { waitSeconds: polling.emptyWaitSeconds, timeoutMs: polling.timeoutMs });

  // The DLQs are read without taking anything out: this run's dead letters stay, hidden for their
  // visibility timeout, so one receive sees each once.
  const peek = handler(() => 'keep');
  const poisonExpected = poisonOf(steps) !== undefined;
  const dlq = {
    wholesale: await consume(target.sqs, deployment.wholesale.dlq.url!, { handle: peek, waitSeconds: polling.emptyWaitSeconds }),
    retail: await consume(target.sqs, deployment.retail.dlq.url!, {
      handle: peek,
      until: poisonExpected ? (deliveries) => deliveries.some(mine) : undefined,
      waitSeconds: poisonExpected ? polling.waitSeconds : polling.emptyWaitSeconds,
      timeoutMs: polling.timeoutMs,
    }),
  };
  return {
    wholesale: onlyMine(wholesale),
    retail: onlyMine(retail),
    analytics: onlyMine({ deliveries: [...analytics.deliveries, ...late.deliveries], processed: [...analytics.processed, ...late.processed] }),
    dlq: { wholesale: onlyMine(dlq.wholesale), retail: onlyMine(dlq.retail) },
  };
}

/** How many distinct messages (not receives) with this body a consumer got. */
export function copies(received: Received, body: string): number {
  return new Set(received.deliveries.filter((d) => d.body === body).map((d) => d.messageId)).size;
}
