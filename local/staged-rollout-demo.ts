/**
 * The third step of `npx projen demo`: the production rollout of `SecureExistingFifo` on an app of
 * two stacks (examples/hand-wired-two-stack): day 1 -> `PREPARE` -> `ENCRYPT`, each stage deployed
 * stack by stack in the app's order, as an UPDATE of the stage before, while a publisher publishes
 * between every two deployments and a consumer polls the queue throughout. The three stages are
 * synthesized in-process (the same app, with and without the aspect). Exits 0 only if no promise fails.
 */
import { App, Aspects } from 'aws-cdk-lib';
import { shipmentsApp } from '../examples/hand-wired-two-stack/stacks';
import { AdoptionStage, SecureExistingFifo, SecureExistingFifoProps } from '../src';
import { CfnTemplate } from './deploy';
import { startEmulator } from './emulator';
import * as promises from './promises';
import * as report from './report';
import { playStagedRollout, RolloutStage } from './staged-rollout';

const STACKS = ['ShipmentsPlatform', 'ShipmentsTeam'];

function stage(name: string, props?: SecureExistingFifoProps): RolloutStage {
  const app = new App();
  shipmentsApp(app);
  if (props) Aspects.of(app).add(new SecureExistingFifo(props));
  const assembly = app.synth();
  return { name, stacks: STACKS.map((s) => ({ stackName: s, template: assembly.getStackByName(s).template as CfnTemplate })) };
}

async function main(): Promise<boolean> {
  const stages = [stage('day 1'), stage('PREPARE', { stage: AdoptionStage.PREPARE }), stage('ENCRYPT', {})];
  const emulator = await startEmulator();
  const checks = new promises.Checks(true, emulator.version);
  try {
    console.log(`\ncdk-secure-fifo demo, part 3: the staged rollout on two stacks (examples/hand-wired-two-stack) on ${emulator.name}`);
    const outcome = await playStagedRollout(emulator, stages, checks);
    for (const u of outcome.updates) {
      const update = u.report.update;
      console.log(`  ${u.stage.padEnd(8)} ${u.stackName.padEnd(18)} ${update === undefined ? 'created' : `updated: ${update.updated.map((x) => x.logicalId).join(', ') || '-'}; created: ${update.created.join(', ') || '-'}; replaced: ${update.replaced.length}; deleted: ${update.deleted.length}`}`);
    }
    console.log('\nKmsMasterKeyId read back after each stage (topic / queue):');
    for (const k of outcome.keys) console.log(`  ${k.stage.padEnd(8)} ${k.topic || '(none)'} / ${k.queue || '(none)'}`);
    console.log(`\nPublished ${outcome.published}, received ${outcome.received} (${outcome.receiveCalls} receives), failed receives ${outcome.failedReceives}, moved to a dead-letter queue ${outcome.movedToDlq}.`);
    console.log('The emulator calls no KMS and evaluates no key or IAM policy: access at every moment is proven by test/update-order, not here.');
    report.printChecks(checks.all);
    return checks.passed;
  } finally {
    await emulator.stop();
  }
}

main().then(
  (ok) => {
    console.log(ok ? '\nDay 1 -> PREPARE -> ENCRYPT passed.' : '\nDay 1 -> PREPARE -> ENCRYPT FAILED: see the promises above.');
    process.exitCode = ok ? 0 : 1;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
