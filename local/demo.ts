/**
 * `npx projen demo`: the price-updates example, synthesized by the CDK CLI (`npx projen synth:example`),
 * deployed into the embedded SNS/SQS emulator and driven through the seed's scenario: price updates
 * with publisher retries, identical wholesale and retail bodies with their own deduplication IDs,
 * and a poison message the retail consumer never deletes. Exits 0 only if every promise holds.
 *
 * The same scenario runs elsewhere:
 *   ts-node local/demo.ts --endpoint=http://localhost:4566              LocalStack: SNS/SQS part deployed by this script
 *   ts-node local/demo.ts --endpoint=http://localhost:4566 --deployed   LocalStack after `cdklocal deploy PriceUpdates`
 *   ts-node local/demo.ts --deployed [--region=eu-west-1]               a real account after `cdk deploy PriceUpdates`
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { CfnTemplate, DeployedResource, deployTemplate, DeployReport, discoverDeployed } from './deploy';
import { EMULATOR_ACCOUNT_ID, MessagingTarget, messagingClients, startEmulator } from './emulator';
import { consume, Delivery, publish, Publication, Refusal } from './messaging';

const TEMPLATE = path.join(__dirname, '..', 'examples', 'price-updates', 'cdk.out', 'PriceUpdates.template.json');

/** One step of the publisher's day. */
interface Step {
  readonly publication: Publication;
  readonly note?: string;
}

const update = (part: string, name: string, version: number, price: string, note?: string, channel = 'all'): Step => ({
  publication: {
    body: JSON.stringify({ part, name, price }),
    groupId: part,
    dedupId: `${part}-v${version}${channel === 'all' ? '' : `-${channel}`}`,
    attributes: { channel },
  },
  note,
});

const STEPS: readonly Step[] = [
  update('BRK-100', 'brake pads', 1, '42.00'),
  update('FLT-220', 'oil filter', 1, '8.99'),
  update('FLT-220', 'oil filter', 1, '8.99', 'publisher retry after a timeout (same deduplication ID)'),
  update('SPK-310', 'spark plug', 1, '3.10'),
  update('BRK-100', 'brake pads', 2, '43.50'),
  update('BAT-400', 'battery', 1, '89.00', 'wholesale copy: same body as the retail copy, own deduplication ID', 'wholesale'),
  update('BAT-400', 'battery', 1, '89.00', 'retail copy: same body as the wholesale copy, own deduplication ID', 'retail'),
  {
    publication: { body: JSON.stringify({ part: 'BAT-400', name: 'battery', price: '89.00' }), groupId: 'BAT-400', attributes: { channel: 'retail' } },
    note: 'no deduplication ID: the topic must refuse it (content-based deduplication is off)',
  },
  update('WPR-510', 'wiper blade', 1, 'N/A', 'poison for the retail consumer: its price is not a number'),
  update('BRK-100', 'brake pads', 2, '43.50', 'publisher retry after a timeout (same deduplication ID)'),
  update('WPR-510', 'wiper blade', 2, '14.20'),
  update('FLT-220', 'oil filter', 2, '9.49'),
];

const REFUSED_STEP = 7;

interface Args {
  readonly endpoint?: string;
  readonly deployed: boolean;
  readonly region: string;
}

function parseArgs(argv: readonly string[]): Args {
  const value = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  return {
    endpoint: value('endpoint'),
    deployed: argv.includes('--deployed'),
    region: value('region') ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
  };
}

/** Where the scenario runs. */
interface Session {
  readonly target: MessagingTarget;
  readonly description: string;
  readonly embedded: boolean;
  stop(): Promise<void>;
}

async function openSession(args: Args): Promise<Session> {
  if (!args.endpoint && !args.deployed) {
    const emulator = await startEmulator(args.region);
    return { target: emulator, description: `fauxqs 1.9.2, in-process at ${emulator.endpoint}`, embedded: true, stop: () => emulator.stop() };
  }
  // LocalStack (any endpoint) with test credentials, or a real account with the default credential chain.
  const clients = args.endpoint
    ? messagingClients(args.endpoint, args.region)
    : { sns: new SNSClient({ region: args.region }), sqs: new SQSClient({ region: args.region }) };
  return {
    target: { ...clients, region: args.region, accountId: EMULATOR_ACCOUNT_ID, gaps: [] },
    description: args.endpoint ?? `the AWS account of the default credentials, ${args.region}`,
    embedded: false,
    stop: async () => {
      clients.sns.destroy();
      clients.sqs.destroy();
    },
  };
}

interface Subscriber {
  readonly label: string;
  readonly queue: DeployedResource;
  readonly dlq: DeployedResource;
  readonly maxReceiveCount: number;
}

/** Counts every SNS/SQS API call a client makes. */
function countCalls(client: SNSClient | SQSClient, counter: { calls: number }): void {
  client.middlewareStack.add((next) => async (args) => {
    counter.calls++;
    return next(args);
  }, { step: 'initialize', name: 'demoCallCounter' });
}

function subscriberOf(report: DeployReport, queueName: string, label: string): Subscriber {
  const queues = Object.values(report.resources).filter((r) => r.type === 'AWS::SQS::Queue');
  const queue = queues.find((r) => r.name === queueName);
  if (!queue) throw new Error(`the template has no queue named ${queueName}`);
  const redrive = JSON.parse(queue.attributes.RedrivePolicy ?? '{}') as { deadLetterTargetArn?: string; maxReceiveCount?: number };
  const dlq = queues.find((r) => r.arn === redrive.deadLetterTargetArn);
  if (!dlq || redrive.maxReceiveCount === undefined) throw new Error(`${queueName} has no dead-letter queue`);
  return { label, queue, dlq, maxReceiveCount: Number(redrive.maxReceiveCount) };
}

function priceOf(delivery: Delivery): number {
  const price = Number((JSON.parse(delivery.body) as { price: string }).price);
  if (Number.isNaN(price)) throw new Error(`not a price: ${delivery.body}`);
  return price;
}

const pad = (text: string, width: number) => text.padEnd(width);
const line = (d: Delivery) => `${pad(d.groupId ?? '?', 8)} ${pad(d.dedupId ?? '?', 21)} ${pad(d.attributes.channel ?? '', 9)} ${d.body}`;

async function main(): Promise<boolean> {
  const args = parseArgs(process.argv.slice(2));
  const relative = path.relative(process.cwd(), TEMPLATE);
  if (!fs.existsSync(TEMPLATE)) {
    console.error(`${relative} does not exist: run \`npx projen synth:example\` first (\`npx projen demo\` does).`);
    return false;
  }
  const template = JSON.parse(fs.readFileSync(TEMPLATE, 'utf8')) as CfnTemplate;
  const session = await openSession(args);
  const { target } = session;
  const counter = { calls: 0 };
  countCalls(target.sns, counter);
  countCalls(target.sqs, counter);
  const checks: Array<[boolean, string]> = [];
  const check = (ok: boolean, promise: string) => checks.push([ok, promise]);
  // The deduplication window is 5 minutes: against a long-lived target, tag this run's IDs so a
  // rerun is not deduplicated against the last one, and ignore what earlier runs left behind.
  const tag = session.embedded ? '' : `.${Date.now().toString(36)}`;
  const mine = (d: Delivery) => d.dedupId !== undefined && d.dedupId.endsWith(tag);
  const poisonId = `WPR-510-v1${tag}`;
  const waitSeconds = session.embedded ? 1 : 2;
  const timeoutMs = session.embedded ? 20_000 : 90_000;

  try {
    console.log(`cdk-secure-fifo demo: examples/price-updates on ${session.description}\n`);

    // -- Deploy (or find what CloudFormation deployed)
    const report = args.deployed ? await discoverDeployed(template, target) : await deployTemplate(template, target, { stackName: 'PriceUpdates' });
    console.log(args.deployed ? `Found the resources of ${relative}:` : `Deployed ${relative}:`);
    for (const r of Object.values(report.resources)) {
      const shown = ['FifoTopic', 'FifoQueue', 'ContentBasedDeduplication', 'FifoThroughputScope', 'DeduplicationScope', 'VisibilityTimeout',
        'MessageRetentionPeriod', 'RedrivePolicy', 'RedriveAllowPolicy', 'RawMessageDelivery', 'FilterPolicy', 'SignatureVersion'];
      const settings = Object.entries(r.attributes).filter(([k]) => shown.includes(k)).map(([k, v]) => `${k}=${v}`).join(' ');
      console.log(`  ${pad(r.type.replace('AWS::', ''), 17)} ${r.url ?? r.arn}\n  ${' '.repeat(17)}   ${settings}`);
    }
    for (const p of report.problems) console.log(`  PROBLEM ${p.logicalId}${p.property ? `.${p.property}` : ''}: ${p.message}`);
    check(report.problems.length === 0, args.deployed
      ? 'every named topic and queue of the template exists in the target'
      : 'the deployer understood every resource and property of the template');

    const topic = Object.values(report.resources).find((r) => r.type === 'AWS::SNS::Topic');
    if (!topic) throw new Error('the template has no topic');
    const wholesale = subscriberOf(report, 'price-updates-wholesale.fifo', 'wholesale');
    const retail = subscriberOf(report, 'price-updates-retail.fifo', 'retail');

    // -- Publish
    console.log(`\nPublished to ${topic.name} (message group = part number${tag ? `; this run's deduplication IDs end in ${tag}` : ''}):`);
    const steps = STEPS.map((s) => ({ ...s, publication: { ...s.publication, dedupId: s.publication.dedupId && `${s.publication.dedupId}${tag}` } }));
    const refusals: Array<Refusal | undefined> = [];
    for (const [i, step] of steps.entries()) {
      const refusal = await publish(target.sns, topic.arn, step.publication);
      refusals.push(refusal);
      const p = step.publication;
      const outcome = refusal ? `REFUSED (${refusal.code})` : 'accepted';
      console.log(`  ${String(i + 1).padStart(2)}. ${pad(p.groupId, 8)} ${pad(p.dedupId ?? '(none)', 21)} ${pad(p.attributes?.channel ?? '', 9)} ${pad(outcome, 10)} ${step.note ?? ''}`);
    }
    const accepted = steps.filter((_, i) => !refusals[i]).map((s) => s.publication);
    const distinct = [...new Set(accepted.map((p) => p.dedupId!))];
    check(
      refusals.every((r, i) => (i === REFUSED_STEP) === (r !== undefined)),
      'the topic refuses a publish without a deduplication ID and accepts every other one',
    );

    // -- Consume: wholesale processes everything, retail cannot price the poison message.
    const wholesaleRun = await consume(target.sqs, wholesale.queue.url!, {
      until: (deliveries) => distinct.every((id) => deliveries.some((d) => d.dedupId === id)),
      waitSeconds,
      timeoutMs,
    });
    const retailRun = await consume(target.sqs, retail.queue.url!, {
      handle: (d) => {
        if (!mine(d)) return 'delete';
        try {
          priceOf(d);
          return 'delete';
        } catch {
          // The retail consumer fails on it and never deletes it. It hands it back at once
          // (ChangeMessageVisibility 0) instead of waiting out the 30 s visibility timeout:
          // the receive count climbs the same way, only faster.
          return 'release';
        }
      },
      until: (deliveries) => deliveries.some((d) => d.dedupId === `WPR-510-v2${tag}`),
      waitSeconds,
      timeoutMs,
    });
    // Read the DLQs without taking anything out: this run's dead letters are handed back at once.
    // Dead letters of earlier runs are deleted, or they would block their message group (FIFO).
    const peek = (d: Delivery) => (mine(d) ? 'release' : 'delete');
    const dlqs = {
      wholesale: await consume(target.sqs, wholesale.dlq.url!, { handle: peek, waitSeconds: session.embedded ? 0 : 2 }),
      retail: await consume(target.sqs, retail.dlq.url!, {
        handle: peek,
        until: (deliveries) => deliveries.some((d) => d.dedupId === poisonId),
        waitSeconds,
        timeoutMs: session.embedded ? 5_000 : 30_000,
      }),
    };
    const runs = { wholesale: onlyMine(wholesaleRun, mine), retail: onlyMine(retailRun, mine) };
    const dlqOf = { wholesale: onlyMine(dlqs.wholesale, mine), retail: onlyMine(dlqs.retail, mine) };

    for (const [subscriber, run] of [[wholesale, runs.wholesale], [retail, runs.retail]] as const) {
      console.log(`\n${subscriber.queue.name} (${subscriber.label} consumer): ${run.deliveries.length} deliveries, ` +
        `${run.processed.length} processed and deleted${subscriber === retail ? ', "failed #n": received n times, not deleted' : ''}`);
      for (const d of run.deliveries) {
        console.log(`  ${pad(run.processed.includes(d) ? 'processed' : `failed #${d.receiveCount}`, 10)} ${line(d)}`);
      }
    }

    // -- Deduplicated
    const deduplicated = accepted.length - distinct.length;
    console.log(`\nDeduplicated: ${accepted.length} accepted publishes carried ${distinct.length} distinct deduplication IDs; ` +
      `the ${deduplicated} retries were delivered to no queue.`);
    for (const [subscriber, run] of [[wholesale, runs.wholesale], [retail, runs.retail]] as const) {
      const copies = new Map<string, Set<string>>();
      for (const d of run.deliveries) copies.set(d.dedupId!, (copies.get(d.dedupId!) ?? new Set()).add(d.messageId));
      const once = [...copies.values()].every((ids) => ids.size === 1);
      check(once && copies.size === distinct.length && distinct.every((id) => copies.has(id)),
        `${subscriber.label}: every distinct update reached the queue exactly once (retries deduplicated)`);
    }

    // -- Wholesale vs retail
    for (const [subscriber, run] of [[wholesale, runs.wholesale], [retail, runs.retail]] as const) {
      const channels = run.processed.filter((d) => d.groupId === 'BAT-400').map((d) => d.attributes.channel);
      check(channels.join(',') === 'wholesale,retail', `${subscriber.label}: both BAT-400 copies (same body, unique deduplication IDs) were delivered`);
    }

    // -- Order
    for (const [subscriber, run] of [[wholesale, runs.wholesale], [retail, runs.retail]] as const) {
      const expectedOrder = (part: string) => distinct.filter((id) => id.startsWith(part) && !(subscriber === retail && id === poisonId));
      const inOrder = ['BRK-100', 'FLT-220', 'SPK-310', 'BAT-400', 'WPR-510'].every((part) =>
        run.processed.filter((d) => d.groupId === part).map((d) => d.dedupId).join() === expectedOrder(part).join());
      check(inOrder, `${subscriber.label}: every part's updates were processed in publish order`);
    }

    // -- Dead letters
    console.log('\nDead-lettered:');
    for (const [subscriber, dlq] of [[wholesale, dlqOf.wholesale], [retail, dlqOf.retail]] as const) {
      console.log(`  ${subscriber.dlq.name}: ${dlq.deliveries.length === 0 ? 'empty' : ''}`);
      for (const d of dlq.deliveries) console.log(`    ${line(d)}`);
    }
    const poisonReceives = runs.retail.deliveries.filter((d) => d.dedupId === poisonId).length;
    console.log(`  The retail consumer received ${poisonId} ${poisonReceives} times (maxReceiveCount ${retail.maxReceiveCount}); ` +
      'the next receive moved it to the DLQ.');
    check(dlqOf.retail.deliveries.map((d) => d.dedupId).join() === poisonId && poisonReceives === retail.maxReceiveCount,
      `retail: the poison message sits in the retail DLQ after exactly maxReceiveCount (${retail.maxReceiveCount}) receives`);
    check(dlqOf.wholesale.deliveries.length === 0 && runs.wholesale.processed.some((d) => d.dedupId === poisonId),
      'wholesale: the same message was processed normally; the wholesale DLQ is empty');
    const lastPoison = runs.retail.deliveries.map((d) => d.dedupId).lastIndexOf(poisonId);
    const otherParts = runs.retail.deliveries.filter((d) => d.groupId !== 'WPR-510');
    check(otherParts.every((d) => runs.retail.deliveries.indexOf(d) < lastPoison),
      'retail: the other parts kept flowing while the poison message blocked its own part');
    const accountedFor = (run: Run, dlq: Run) =>
      distinct.every((id) => run.processed.some((d) => d.dedupId === id) || dlq.deliveries.some((d) => d.dedupId === id));
    check(accountedFor(runs.wholesale, dlqOf.wholesale) && accountedFor(runs.retail, dlqOf.retail),
      'nothing lost: every update was processed or sits in the subscriber\'s DLQ');

    // -- Not emulated
    if (args.deployed) {
      console.log(`\nNothing left out: CloudFormation deployed the whole stack on ${session.description}.`);
    } else {
      printNotEmulated(report);
    }

    // -- Verdict
    const deliveries = runs.wholesale.deliveries.length + runs.retail.deliveries.length;
    const processed = runs.wholesale.processed.length + runs.retail.processed.length;
    console.log('\nThe seed\'s promises:');
    for (const [ok, promise] of checks) console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${promise}`);
    console.log(`\n${steps.length} publishes (${accepted.length} accepted, ${deduplicated} deduplicated retries, 1 refused), ` +
      `${deliveries} deliveries (${processed} processed, ${poisonReceives} failed receives of the poison message), ` +
      `${dlqOf.retail.deliveries.length + dlqOf.wholesale.deliveries.length} dead-lettered; ` +
      `${counter.calls} SNS/SQS API calls; ${process.uptime().toFixed(1)} s since the demo process started.`);
    return checks.every(([ok]) => ok);
  } finally {
    await session.stop();
  }
}

interface Run {
  readonly deliveries: Delivery[];
  readonly processed: Delivery[];
}

function onlyMine(run: Run, mine: (d: Delivery) => boolean): Run {
  return { deliveries: run.deliveries.filter(mine), processed: run.processed.filter(mine) };
}

function printNotEmulated(report: DeployReport): void {
  console.log('\nNot deployed here (not emulated), and how that part is verified instead:');
  const count = (items: readonly string[]) => [...new Set(items)].map((i) => `${items.filter((x) => x === i).length}x ${i}`).join(', ');
  const groupBy = <T>(items: readonly T[], key: (item: T) => string) => {
    const groups = new Map<string, T[]>();
    for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
    return groups;
  };
  const byVerification = new Map<string, string[]>();
  const add = (what: string, verifiedBy: string) => byVerification.set(verifiedBy, [...(byVerification.get(verifiedBy) ?? []), what]);
  for (const [verifiedBy, resources] of groupBy(report.notEmulated, (r) => r.verifiedBy)) {
    add(count(resources.map((r) => r.type)), verifiedBy);
  }
  for (const properties of groupBy(report.notEmulatedProperties, (p) => `${p.property} ${p.verifiedBy}`).values()) {
    add(`${properties[0].property} on ${count(properties.map((p) => p.type))}`, properties[0].verifiedBy);
  }
  for (const [verifiedBy, what] of byVerification) {
    console.log(`  - ${what.join('; ')}\n      verified by: ${verifiedBy}`);
  }
  if (report.notEnforced.length > 0) console.log('\nApplied, but stored only by fauxqs 1.9.2 (not enforced):');
  for (const [key, settings] of groupBy(report.notEnforced, (s) => `${s.type.replace('AWS::', '')}.${s.property}`)) {
    console.log(`  - ${key} (${settings.length}x): ${settings[0].detail}\n      verified by: ${settings[0].verifiedBy}`);
  }
}

main().then(
  (ok) => {
    console.log(ok ? '\nDemo passed.' : '\nDemo FAILED: the observed behaviour does not match the seed\'s promises.');
    process.exitCode = ok ? 0 : 1;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
