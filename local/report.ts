/**
 * What the demo prints: the deployed resources, the publishes, what each consumer received, what
 * is not emulated, and the verdict.
 */
import { DeployReport } from './deploy';
import { Delivery, Refusal } from './messaging';
import { BehaviourGap, Check } from './promises';
import { DayOutcome, PriceUpdatesDeployment, Received, Step, Subscriber, updateOf } from './story';

const pad = (text: string, width: number) => text.padEnd(width);

const SHOWN_SETTINGS = ['FifoTopic', 'FifoQueue', 'ContentBasedDeduplication', 'FifoThroughputScope', 'DeduplicationScope', 'VisibilityTimeout',
  'RedrivePolicy', 'RawMessageDelivery', 'FilterPolicy', 'FilterPolicyScope'];

export function printDeployed(report: DeployReport, heading: string): void {
  console.log(heading);
  for (const r of Object.values(report.resources)) {
    const settings = Object.entries(r.attributes).filter(([k]) => SHOWN_SETTINGS.includes(k)).map(([k, v]) => `${k}=${v}`).join(' ');
    console.log(`  ${pad(r.type.replace('AWS::', ''), 17)} ${r.name ?? r.url ?? r.arn}${settings ? `\n  ${' '.repeat(17)}   ${settings}` : ''}`);
  }
  for (const p of report.problems) console.log(`  PROBLEM ${p.logicalId}${p.property ? `.${p.property}` : ''}: ${p.message}`);
}

const priceLine = (body: string) => {
  const u = updateOf(body);
  return u ? `${pad(u.part, 8)} ${pad(u.business ?? '-', 9)} ${pad(u.price, 6)} ${u.name}` : body;
};

export function printPublishes(topicName: string, steps: readonly Step[], refusals: ReadonlyArray<Refusal | undefined>, run: string): void {
  console.log(`\nPublished to ${topicName} (message group = part number${run ? `; this run's bodies and deduplication IDs carry ${run}` : ''}):`);
  console.log(`      ${pad('part', 8)} ${pad('business', 9)} ${pad('price', 6)} ${pad('name', 12)} ${pad('deduplication ID', 22)} outcome`);
  for (const [i, step] of steps.entries()) {
    const u = step.update;
    const refusal = refusals[i];
    const outcome = refusal ? `REFUSED (${refusal.code})` : step.expect === 'dropped as a retry' ? 'accepted, a retry' : 'accepted';
    console.log(`  ${String(i + 1).padStart(2)}. ${pad(u.part, 8)} ${pad(u.business ?? '-', 9)} ${pad(u.price, 6)} ${pad(u.name, 12)} ` +
      `${pad(step.publication.dedupId ?? '(none)', 22)} ${outcome}${step.note ? `: ${step.note}` : ''}`);
  }
}

const verdictOf = (received: Received, d: Delivery) => (received.processed.includes(d) ? 'processed' : `failed #${d.receiveCount}`);

function printQueue(subscriber: Subscriber, received: Received, what: string): void {
  console.log(`\n${subscriber.queue.name} (${what}): ${received.deliveries.length} receives, ${received.processed.length} processed and deleted`);
  for (const d of received.deliveries) {
    console.log(`  ${pad(verdictOf(received, d), 10)} ${priceLine(d.body)}${d.groupId ? `  [group ${d.groupId}]` : ''}`);
  }
}

export function printDay(deployment: PriceUpdatesDeployment, day: DayOutcome, poison?: string): void {
  printQueue(deployment.wholesale, day.wholesale, 'wholesale consumer, FIFO, business = wholesale');
  printQueue(deployment.retail, day.retail, 'retail consumer, FIFO, business = retail; "failed #n": received n times, not deleted');
  printQueue(deployment.analytics, day.analytics, 'analytics consumer, standard queue, no filter');
  console.log('\nDead-lettered:');
  for (const [subscriber, dlq] of [[deployment.wholesale, day.dlq.wholesale], [deployment.retail, day.dlq.retail]] as const) {
    console.log(`  ${subscriber.dlq.name}: ${dlq.deliveries.length === 0 ? 'empty' : ''}`);
    for (const d of dlq.deliveries) console.log(`    ${priceLine(d.body)}`);
  }
  if (poison) {
    const receives = day.retail.deliveries.filter((d) => d.body === poison).length;
    console.log(`  The retail consumer received the poison message ${receives} times (maxReceiveCount ${deployment.retail.maxReceiveCount}); ` +
      'the next receive moved it to the DLQ, and its message group resumed.');
  }
}

export function printAtMostOnce(wholesaleBodies: readonly string[]): void {
  const example = wholesaleBodies.map(updateOf).find((u) => u?.part === 'SPK-310') ?? updateOf(wholesaleBodies[0] ?? '');
  console.log('\nAt most once, per subscriber: a filter policy decides at the topic whether a subscription gets a message at all.');
  if (!example) return;
  console.log(`  The wholesale price of ${example.part} (${example.price}) was never offered to the retail subscription: it is neither in the`);
  console.log('  retail queue nor in the retail DLQ (which is also the subscription\'s DLQ). That is not a loss (retail does not sell at');
  console.log('  wholesale prices), but there is nothing to redrive or replay for retail either: a price published with the wrong');
  console.log('  business is corrected by publishing it again with the right one.');
}

export function printPriceDayIntro(topicName: string): void {
  console.log(`\n-- One day of price updates on ${topicName} (PriceUpdates): every publish carries a deduplication ID --`);
  console.log('Wholesale and retail each receive, in order and once, only the prices whose body says their business;');
  console.log('analytics keeps every update in a standard queue.');
}

export function printContentDedupIntro(topicName: string): void {
  console.log(`\n-- The content-based variant: ${topicName} (ContentDedupPriceUpdates), no deduplication IDs --`);
  console.log('SNS deduplicates on a SHA-256 hash of the body. The business is in the body, so the wholesale and retail copies of one');
  console.log('price hash differently and both are delivered; an identical retry hashes the same and is dropped.');
}

/** Everything the deployer left out or the target stores without enforcing, grouped by the test layer that covers it. */
export function printNotEmulated(reports: readonly DeployReport[], emulatorName: string): void {
  const notEmulated = reports.flatMap((r) => r.notEmulated);
  const notEmulatedProperties = reports.flatMap((r) => r.notEmulatedProperties);
  const notEnforced = reports.flatMap((r) => r.notEnforced);
  console.log(`\nNot deployed here (not emulated), in the ${reports.length} stacks, and how that part is verified instead:`);
  const count = (items: readonly string[]) => [...new Set(items)].map((i) => `${items.filter((x) => x === i).length}x ${i}`).join(', ');
  const byVerification = new Map<string, string[]>();
  const add = (what: string, verifiedBy: string) => byVerification.set(verifiedBy, [...(byVerification.get(verifiedBy) ?? []), what]);
  for (const [verifiedBy, resources] of groupBy(notEmulated, (r) => r.verifiedBy)) add(count(resources.map((r) => r.type)), verifiedBy);
  for (const properties of groupBy(notEmulatedProperties, (p) => `${p.property} ${p.verifiedBy}`).values()) {
    add(`${properties[0].property} on ${count(properties.map((p) => p.type))}`, properties[0].verifiedBy);
  }
  for (const [verifiedBy, what] of byVerification) console.log(`  - ${what.join('; ')}\n      verified by: ${verifiedBy}`);
  if (notEnforced.length > 0) console.log(`\nApplied, but stored only by ${emulatorName} (not enforced):`);
  for (const [key, settings] of groupBy(notEnforced, (s) => `${s.type.replace('AWS::', '')}.${s.property}`)) {
    console.log(`  - ${key} (${settings.length}x): ${settings[0].detail}\n      verified by: ${settings[0].verifiedBy}`);
  }
}

/** Behaviour the story needs that the emulator lacks or does differently: seen in this run, or read from its source. */
export function printBehaviourGaps(emulatorName: string, gaps: ReadonlyArray<{ gap: BehaviourGap; seen: string }>): void {
  console.log(`\nWhere ${emulatorName} lacks or changes what the story needs (this run cannot show the real behaviour):`);
  for (const { gap, seen } of gaps) {
    console.log(`  - ${emulatorName} ${gap.fauxqs};\n      real SNS ${gap.realSns}.\n      ${seen} (${gap.source})`);
  }
}

export function printChecks(checks: readonly Check[]): void {
  console.log('\nThe use case\'s promises:');
  for (const c of checks) {
    console.log(`  ${pad(c.outcome, 12)}  ${c.promise}${c.outcome === 'PASS' || !c.detail ? '' : `\n${' '.repeat(16)}${c.detail}`}`);
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** One alarm of a template in a line: what it measures, when it fires, and what missing data means. */
export function describeAlarm(logicalId: string, props: { [key: string]: any }): string {
  const returned = (props.Metrics as any[] | undefined)?.find((m) => m.ReturnData !== false);
  const measured = props.MetricName
    ? `${props.Statistic} of ${props.Namespace} ${props.MetricName} (${(props.Dimensions ?? []).map((d: any) => typeof d.Value === 'string' ? d.Value : JSON.stringify(d.Value)).join(', ')})`
    : `metric math ${returned?.Expression}`;
  const operator: { [key: string]: string } = {
    GreaterThanOrEqualToThreshold: '>=', GreaterThanThreshold: '>', LessThanThreshold: '<', LessThanOrEqualToThreshold: '<=',
  };
  return `${logicalId}: ${measured} ${operator[props.ComparisonOperator] ?? props.ComparisonOperator} ${props.Threshold}` +
    ` for ${props.EvaluationPeriods} period(s) of ${props.Period ?? returned?.Period ?? (props.Metrics as any[] | undefined)?.find((m) => m.MetricStat)?.MetricStat.Period} s; missing data: ${props.TreatMissingData}`;
}
