import { Aspects } from 'aws-cdk-lib';
import { shipmentsApp } from '../../examples/hand-wired-two-stack/stacks';
import { CfnTemplate } from '../../local/deploy';
import { Emulator, startEmulator } from '../../local/emulator';
import { Checks } from '../../local/promises';
import { playStagedRollout, RolloutOutcome, RolloutStage } from '../../local/staged-rollout';
import { AdoptionStage, SecureExistingFifo, SecureExistingFifoProps } from '../../src';
import { newApp } from '../util';

/*
 * Issue 25's emulator demo: day 1 -> PREPARE -> ENCRYPT of examples/hand-wired-two-stack, each
 * stack deployed in the app's order as an update of its previous stage, with a consumer polling
 * throughout. fauxqs enforces no key or IAM policy: this shows the sequencing keeps every resource
 * and message; test/update-order proves access at every moment.
 */

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.stop();
});

function stage(name: string, props?: SecureExistingFifoProps): RolloutStage {
  const app = newApp();
  shipmentsApp(app);
  if (props) Aspects.of(app).add(new SecureExistingFifo(props));
  const assembly = app.synth();
  // The platform stack first: the team stack imports its topic (cdk deploy --all follows that dependency).
  return { name, stacks: ['ShipmentsPlatform', 'ShipmentsTeam'].map((s) => ({ stackName: s, template: assembly.getStackByName(s).template as CfnTemplate })) };
}

describe('day 1 -> PREPARE -> ENCRYPT of the two-stack hand-wired example, on the emulator', () => {
  let outcome: RolloutOutcome;
  let checks: Checks;
  beforeAll(async () => {
    checks = new Checks(true);
    outcome = await playStagedRollout(emulator, [stage('day 1'), stage('PREPARE', { stage: AdoptionStage.PREPARE }), stage('ENCRYPT', {})], checks);
  });

  test('every promise holds; only access (no KMS, no policy evaluation) is NOT EMULATED', () => {
    expect(checks.all.filter((c) => c.outcome === 'FAIL')).toEqual([]);
    expect(checks.all.filter((c) => c.outcome === 'NOT EMULATED').map((c) => c.promise)).toEqual([expect.stringMatching(/^access:/)]);
  });

  test('the consumer polled throughout: 0 failed receives, 0 messages moved to a dead-letter queue, each message received before the next update', () => {
    expect(outcome.receiveCalls).toBeGreaterThanOrEqual(outcome.published);
    expect([outcome.failedReceives, outcome.movedToDlq, outcome.lateReceipts]).toEqual([0, 0, 0]);
    expect(outcome.received).toBe(outcome.published);
    // One after day 1, then one after each of the 2 stacks' updates in each of the 2 later stages.
    expect(outcome.published).toBe(5);
  });

  test('PREPARE switches no key; ENCRYPT switches the topic and the queue', () => {
    expect(outcome.keys.map((k) => [k.stage, k.topic !== '', k.queue !== ''])).toEqual([
      ['day 1', false, false], ['PREPARE', false, false], ['ENCRYPT', true, true],
    ]);
  });

  test('the team stack read the platform topic through its import in every stage', () => {
    const team = outcome.updates.filter((u) => u.stackName === 'ShipmentsTeam');
    expect(team).toHaveLength(3);
    for (const u of team) {
      const sub = Object.values(u.report.resources).find((r) => r.type === 'AWS::SNS::Subscription')!;
      expect(sub.attributes.TopicArn).toMatch(/^arn:aws:sns:[^:]+:\d{12}:two-stack-shipments\.fifo$/);
    }
  });
});
