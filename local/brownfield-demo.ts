/**
 * The second step of `npx projen demo`: secure what you already run. examples/hand-wired is an SNS
 * FIFO topic and FIFO queues wired by hand with the aws-cdk-lib L2s, without encryption. The CDK CLI
 * synthesizes it twice (`npx projen synth:hand-wired`): day 1 as it is, day 2 with `-c secure=true`,
 * which applies `SecureExistingFifo`. Day 1 is deployed into the embedded emulator and orders are
 * left waiting; day 2 is deployed as an UPDATE of the same stack, as CloudFormation would; then the
 * waiting orders and new ones are received. Exits 0 only if no promise fails.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BrownfieldOutcome, playBrownfield } from './brownfield';
import { CfnTemplate, UpdateReport } from './deploy';
import { startEmulator } from './emulator';
import * as promises from './promises';
import * as report from './report';

// BROWNFIELD_CDK_OUT: another folder with day1/ and day2/ assemblies (test/e2e/brownfield.test.ts synthesizes them in-process).
const CDK_OUT = process.env.BROWNFIELD_CDK_OUT ?? path.join(__dirname, '..', 'examples', 'hand-wired', 'cdk.out');
const STACK = 'HandWiredOrders';

function readTemplate(day: 'day1' | 'day2'): CfnTemplate {
  const file = path.join(CDK_OUT, day, `${STACK}.template.json`);
  if (!fs.existsSync(file)) {
    throw new Error(`${path.relative(process.cwd(), file)} does not exist: run \`npx projen synth:hand-wired\` first (\`npx projen demo\` does).`);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as CfnTemplate;
}

function printUpdate(update: UpdateReport, day1: CfnTemplate, day2: CfnTemplate): void {
  console.log(`\nDay 2, deployed as an update of ${STACK} (what CloudFormation would do, resource by resource):`);
  const line = (label: string, items: readonly string[]) => console.log(`  ${label.padEnd(17)} ${items.length === 0 ? '-' : items.join(', ')}`);
  // Keys, IAM and the like are not created here (listed further down with what verifies them).
  line('updated', update.updated.map((u) => `${u.logicalId} (${u.properties.join(', ')})`));
  line('created', update.created);
  const newNotEmulated = Object.keys(day2.Resources ?? {}).filter((id) => !(id in (day1.Resources ?? {})) && !update.created.includes(id));
  line('new, not emulated', newNotEmulated.map((id) => `${id} (${day2.Resources![id].Type})`));
  line('unchanged', update.unchanged);
  line('retained', update.retained.map((r) => r.logicalId));
  line('deleted', update.deleted.map((r) => r.logicalId));
  if (update.replaced.length === 0) {
    line('replaced', ['- (no create-only property changed)']);
  }
  for (const r of update.replaced) {
    console.log(`  ${'REPLACED'.padEnd(17)} ${r.logicalId} (${r.type}): create-only ${r.properties.join(', ')} changed; ${r.oldPhysicalId} -> ${r.newPhysicalId}` +
      `${r.oldKept ? ' (old one kept)' : ': THE OLD ONE IS DELETED, WITH ITS MESSAGES'}`);
  }
}

function printOutcome(outcome: BrownfieldOutcome, day1: CfnTemplate, day2: CfnTemplate): void {
  console.log('\nDay 1: orders waiting, no consumer running:');
  for (const [queue, n] of Object.entries(outcome.waiting)) console.log(`  ${queue}: ${n} messages`);
  printUpdate(outcome.day2.update!, day1, day2);
  console.log('\nRead back after the update (GetTopicAttributes / GetQueueAttributes):');
  for (const [name, key] of Object.entries(outcome.keys)) console.log(`  ${name.padEnd(48)} KmsMasterKeyId=${key || '(none)'}`);
  console.log('\nSame ARNs after the update:');
  for (const s of outcome.after.subscriptions) console.log(`  ${s.logicalId}: ${s.arn}${outcome.day1.resources[s.logicalId]?.arn === s.arn ? ' (day 1\'s)' : ' (NEW)'}`);
  console.log('\nReceived after the update:');
  for (const [queue, deliveries] of Object.entries(outcome.received)) {
    console.log(`  ${queue}: ${deliveries.map((d) => {
      const body = JSON.parse(d.body) as { order?: string; placed?: string };
      return `${body.order} (${body.placed})`;
    }).join(', ')}`);
  }
}

async function main(): Promise<boolean> {
  const day1 = readTemplate('day1');
  const day2 = readTemplate('day2');
  const emulator = await startEmulator();
  const checks = new promises.Checks(true, emulator.version);
  try {
    console.log(`\ncdk-secure-fifo demo, part 2: secure what you already run (examples/hand-wired) on ${emulator.name}, in-process at ${emulator.endpoint}`);
    const outcome = await playBrownfield(emulator, day1, day2, STACK, checks);
    report.printDeployed(outcome.day1, `\nDay 1: deployed ${STACK}, hand-wired, unencrypted:`);
    printOutcome(outcome, day1, day2);
    report.printNotEmulated([outcome.day2], emulator.name);
    report.printChecks(checks.all);
    const count = (o: promises.Outcome) => checks.all.filter((c) => c.outcome === o).length;
    console.log(`\n${count('PASS')} PASS, ${count('FAIL')} FAIL, ${count('NOT EMULATED')} NOT EMULATED.`);
    return checks.passed;
  } finally {
    await emulator.stop();
  }
}

main().then(
  (ok) => {
    console.log(ok ? '\nDay 1 -> day 2 passed.' : '\nDay 1 -> day 2 FAILED: see the promises above.');
    process.exitCode = ok ? 0 : 1;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
