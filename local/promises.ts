/**
 * The use case's promises, each checked on what the consumers of the demo actually received.
 */
import { FauxqsLine, gapIn } from './emulator';
import { Refusal } from './messaging';
import { copies, DayOutcome, expectedBodies, poisonOf, PriceUpdatesDeployment, Received, Step, updateOf } from './story';

/**
 * PASS or FAIL; NOT EMULATED only on the embedded emulator, when what was observed is exactly a
 * behaviour fauxqs is known to lack (`KNOWN_GAPS`), never as a stand-in for a failure.
 */
export type Outcome = 'PASS' | 'FAIL' | 'NOT EMULATED';

/** One promise and whether it held. */
export interface Check {
  readonly promise: string;
  readonly outcome: Outcome;
  /** Why it is not emulated, or what was seen instead. */
  readonly detail?: string;
}

/** A behaviour the story needs that fauxqs lacks or does differently. */
export interface BehaviourGap {
  readonly fauxqs: string;
  readonly realSns: string;
  /** Where this was read or seen. */
  readonly source: string;
  /**
   * The fauxqs release lines that have the gap. The canaries in test/e2e/use-case.test.ts assert it
   * on these lines and the real behaviour on the others; the demo reports NOT EMULATED only here.
   */
  readonly lines: readonly FauxqsLine[];
}

/**
 * Read from the source of fauxqs 1.9.2 and 2.4.1 (dist/sns/actions/publish.js, dist/sns/filter.js,
 * dist/sqs/actions/receiveMessage.js) and pinned by canaries on both.
 */
export const KNOWN_GAPS = {
  standardQueueDedup: {
    fauxqs: 'deduplicates inside each FIFO queue only: a publisher retry (or an identical body under content-based deduplication) reaches a standard queue again',
    realSns: 'drops the retry at the topic, for every subscription, standard queues included',
    source: 'dist/sns/actions/publish.js (checkDeduplication only when queue.isFifo())',
    lines: [1, 2],
  },
  standardQueueGroupId: {
    fauxqs: 'passes MessageGroupId and MessageDeduplicationId to a standard queue (ReceiveMessage returns them)',
    realSns: 'delivers to a standard queue without them: consumers of a standard subscriber must not rely on a group ID',
    source: 'dist/sns/actions/publish.js (createMessage with the group ID for every queue)',
    lines: [1, 2],
  },
  bodyFilterArrays: {
    fauxqs: 'ignores array values of a body under FilterPolicyScope MessageBody: {"business": ["wholesale", "retail"]} matches no subscription',
    realSns: 'matches when any element of the array matches (that body would reach both businesses)',
    source: 'dist/sns/filter.js (flattenToAttributes skips arrays); the story publishes one business per body',
    lines: [1, 2],
  },
  encryptionAtRest: {
    fauxqs: 'stores KmsMasterKeyId on topics and queues but encrypts nothing and calls no KMS',
    realSns: 'encrypts the body of each message published or sent after the key is set, and leaves the backlog as it was ' +
      '(https://docs.aws.amazon.com/sns/latest/dg/fifo-message-security.html)',
    source: 'dist/sns/actions/setTopicAttributes.js and dist/sqs/sqsTypes.js of 1.9.2 and 2.4.1 (KmsMasterKeyId is a stored attribute only)',
    lines: [1, 2],
  },
  policiesNotEvaluated: {
    fauxqs: 'evaluates no IAM, key, topic or queue policy: every caller may publish, send, receive and decrypt',
    realSns: 'refuses a publisher or consumer without the KMS actions on the new key, and SNS without the key policy grant',
    source: 'fauxqs 1.9.2 and 2.4.1 store Policy as an attribute and evaluate none; the policy proofs (iam-simulate) and the SecureExistingFifo unit tests cover it',
    lines: [1, 2],
  },
} satisfies { [name: string]: BehaviourGap };

/** Turns observations into checks. */
export class Checks {
  public readonly all: Check[] = [];

  /**
   * @param gapsExpected the target is the embedded emulator, whose `KNOWN_GAPS` may show
   * @param emulatorVersion the fauxqs version that runs: only the gaps listed for its line may show
   *   (@default every gap)
   */
  constructor(private readonly gapsExpected: boolean, private readonly emulatorVersion?: string) {}

  public check(promise: string, ok: boolean, detail?: string): void {
    this.all.push({ promise, outcome: ok ? 'PASS' : 'FAIL', detail: ok ? undefined : detail });
  }

  /** PASS when `ok`; NOT EMULATED when not, on the emulator, and `gapSeen` shows exactly the known gap. */
  public checkUnlessGap(promise: string, ok: boolean, gap: BehaviourGap, gapSeen: boolean, seen: string): void {
    if (ok) {
      this.check(promise, true);
    } else if (this.gapsExpected && gapSeen && (this.emulatorVersion === undefined || gapIn(gap, this.emulatorVersion))) {
      this.all.push({ promise, outcome: 'NOT EMULATED', detail: `${seen}: fauxqs ${gap.fauxqs}; real SNS ${gap.realSns}` });
    } else {
      this.check(promise, false, seen);
    }
  }

  /**
   * A promise no run on this target can observe: NOT EMULATED on the embedded emulator (the gap is
   * known), FAIL elsewhere, where it should have been observable.
   */
  public notObservable(promise: string, gap: BehaviourGap, seen: string): void {
    if (this.gapsExpected && (this.emulatorVersion === undefined || gapIn(gap, this.emulatorVersion))) {
      this.all.push({ promise, outcome: 'NOT EMULATED', detail: `${seen}: fauxqs ${gap.fauxqs}; real SNS/SQS ${gap.realSns}` });
    } else {
      this.check(promise, false, `not observed: ${seen}`);
    }
  }

  public get passed(): boolean {
    return this.all.every((c) => c.outcome !== 'FAIL');
  }
}

const bodiesOf = (received: Received) => [...new Set(received.deliveries.map((d) => d.body))];
const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));
const describeUpdate = (body: string) => {
  const u = updateOf(body);
  return u ? `${u.part} ${u.business ?? '(no business)'} ${u.price}` : body;
};

/** The topic refuses exactly the publishes expected to be refused. */
export function checkPublishes(checks: Checks, steps: readonly Step[], refusals: ReadonlyArray<Refusal | undefined>, promise: string): void {
  checks.check(promise, steps.every((s, i) => (s.expect === 'refused') === (refusals[i] !== undefined)));
}

/** Each price reaches only the FIFO subscriber its `business` selects. */
export function checkFiltering(checks: Checks, steps: readonly Step[], day: DayOutcome): void {
  for (const label of ['wholesale', 'retail'] as const) {
    const expected = expectedBodies(steps, label);
    const got = bodiesOf(day[label]);
    const strays = got.filter((b) => !expected.includes(b)).map(describeUpdate);
    checks.check(`filter: the ${label} queue got exactly the ${expected.length} ${label} prices, no other business and no price without one`,
      sameSet(got, expected), strays.length > 0 ? `also got ${strays.join(', ')}` : undefined);
  }
}

/** Analytics receives every distinct update. */
export function checkAnalytics(checks: Checks, steps: readonly Step[], day: DayOutcome): void {
  const expected = expectedBodies(steps, 'analytics');
  checks.check(`analytics: the standard queue got every one of the ${expected.length} distinct updates, both businesses and the unlabelled one`,
    sameSet(bodiesOf(day.analytics), expected));
}

/** A retry (same deduplication ID or, content-based, same body) is delivered to no queue a second time. */
export function checkRetries(checks: Checks, steps: readonly Step[], day: DayOutcome, variant: string): void {
  const retried = [...new Set(steps.filter((s) => s.expect === 'dropped as a retry').map((s) => s.publication.body))];
  for (const label of ['wholesale', 'retail'] as const) {
    const mine = retried.filter((body) => expectedBodies(steps, label).includes(body));
    if (mine.length === 0) continue;
    checks.check(`${variant}: each retried ${label} price (${mine.map(describeUpdate).join(', ')}) reached the ${label} queue once`,
      mine.every((body) => copies(day[label], body) === 1));
  }
  const accepted = (body: string) => steps.filter((s) => s.expect !== 'refused' && s.publication.body === body).length;
  const expected = expectedBodies(steps, 'analytics');
  const twice = retried.filter((body) => copies(day.analytics, body) > 1);
  checks.checkUnlessGap(`${variant}: the retries reached the analytics queue once too (deduplication is topic-wide)`,
    expected.every((body) => copies(day.analytics, body) === 1),
    KNOWN_GAPS.standardQueueDedup,
    retried.length > 0 && expected.every((body) => copies(day.analytics, body) === accepted(body)),
    `analytics got ${twice.map(describeUpdate).join(', ') || 'some updates'} more than once`);
}

/** A poison message moves to the retail DLQ after exactly maxReceiveCount receives; other groups keep flowing. */
export function checkPoison(checks: Checks, steps: readonly Step[], day: DayOutcome, deployment: PriceUpdatesDeployment): void {
  const poison = poisonOf(steps);
  if (!poison) return;
  const { maxReceiveCount } = deployment.retail;
  const receives = day.retail.deliveries.filter((d) => d.body === poison).length;
  checks.check(`poison: ${describeUpdate(poison)} sits in the retail DLQ after exactly maxReceiveCount (${maxReceiveCount}) receives`,
    bodiesOf(day.dlq.retail).join() === poison && copies(day.dlq.retail, poison) === 1 && receives === maxReceiveCount,
    `received ${receives} times; retail DLQ: ${bodiesOf(day.dlq.retail).map(describeUpdate).join(', ') || 'empty'}`);
  const lastPoison = day.retail.deliveries.map((d) => d.body).lastIndexOf(poison);
  const poisonGroup = updateOf(poison)?.part;
  const others = day.retail.processed.filter((d) => d.groupId !== poisonGroup);
  checks.check('poison: the other parts\' retail prices were processed while it was failing (only its own message group waited)',
    others.length > 0 && others.every((d) => day.retail.deliveries.indexOf(d) < lastPoison));
  const accounted = expectedBodies(steps, 'retail').every((body) => day.retail.processed.some((d) => d.body === body) || body === poison);
  checks.check('poison: every other retail price was processed, and the wholesale DLQ is empty', accounted && day.dlq.wholesale.deliveries.length === 0);
}

/** At most once: a wholesale price is never delivered to the retail subscriber, not even to its DLQ. */
export function checkAtMostOnce(checks: Checks, steps: readonly Step[], day: DayOutcome): string[] {
  const wholesale = expectedBodies(steps, 'wholesale');
  const seenByRetail = [...bodiesOf(day.retail), ...bodiesOf(day.dlq.retail)].filter((b) => wholesale.includes(b));
  checks.check(`at most once: none of the ${wholesale.length} wholesale prices reached the retail queue or the retail DLQ`,
    seenByRetail.length === 0, `retail saw ${seenByRetail.map(describeUpdate).join(', ')}`);
  return wholesale;
}

/** Each FIFO subscriber processes each part's prices in publish order. */
export function checkOrder(checks: Checks, steps: readonly Step[], day: DayOutcome): void {
  const poison = poisonOf(steps);
  for (const label of ['wholesale', 'retail'] as const) {
    const expected = expectedBodies(steps, label).filter((b) => b !== poison);
    const parts = [...new Set(expected.map((b) => updateOf(b)?.part))];
    const inOrder = parts.every((part) => {
      const processed = day[label].processed.filter((d) => d.groupId === part).map((d) => d.body);
      return processed.join('\n') === expected.filter((b) => updateOf(b)?.part === part).join('\n');
    });
    checks.check(`order: the ${label} consumer processed each part's prices in publish order (message group = part number)`, inOrder);
  }
}

/** Content-based deduplication with `business` in the body: both copies of one price are delivered. */
export function checkContentDedup(checks: Checks, steps: readonly Step[], day: DayOutcome): void {
  const [wholesaleCopy, retailCopy] = expectedBodies(steps, 'analytics');
  checks.check('content-based: the wholesale copy of one price reached the wholesale queue only, once',
    bodiesOf(day.wholesale).join() === wholesaleCopy && copies(day.wholesale, wholesaleCopy) === 1);
  checks.check('content-based: the retail copy (same part and price, other business) reached the retail queue only, once',
    bodiesOf(day.retail).join() === retailCopy && copies(day.retail, retailCopy) === 1);
  checks.check('content-based: analytics got both copies',
    sameSet(bodiesOf(day.analytics), [wholesaleCopy, retailCopy]));
  checkRetries(checks, steps, day, 'content-based retry');
}

/** The behaviour gaps of fauxqs `version` (those listed for its release line). */
export function knownGapsIn(version: string): BehaviourGap[] {
  return Object.values(KNOWN_GAPS).filter((gap) => gapIn(gap, version));
}

/** Whether a standard subscriber's deliveries carry a message group ID (fauxqs: yes; real SNS: no). */
export function groupIdsOnStandardQueue(day: DayOutcome): number {
  return day.analytics.deliveries.filter((d) => d.groupId !== undefined).length;
}
