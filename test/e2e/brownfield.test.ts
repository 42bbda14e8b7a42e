import { Aspects } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HandWiredStack, HandWiredStackProps } from '../../examples/hand-wired/stack';
import { BrownfieldOutcome, playBrownfield } from '../../local/brownfield';
import { CfnTemplate } from '../../local/deploy';
import { Emulator, startEmulator } from '../../local/emulator';
import { Checks } from '../../local/promises';
import { SecureExistingFifo } from '../../src';
import { newApp } from '../util';

/**
 * Day 1 -> day 2 on the emulator, as `npx projen demo` plays it: the hand-wired example deployed
 * unencrypted with orders waiting, then the same app with SecureExistingFifo deployed as an update.
 */

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.stop();
});

function handWired(secure: boolean, props: HandWiredStackProps = {}): CfnTemplate {
  const stack = new HandWiredStack(newApp(), 'HandWiredOrders', props);
  if (secure) Aspects.of(stack).add(new SecureExistingFifo());
  return Template.fromStack(stack).toJSON() as CfnTemplate;
}

describe('securing the hand-wired example in place', () => {
  let outcome: BrownfieldOutcome;
  let checks: Checks;
  beforeAll(async () => {
    checks = new Checks(true);
    outcome = await playBrownfield(emulator, handWired(false), handWired(true), 'HandWiredOrders', checks);
  });

  test('every promise holds; only encryption at rest and policy evaluation are NOT EMULATED', () => {
    expect(checks.all.filter((c) => c.outcome === 'FAIL')).toEqual([]);
    expect(checks.all.filter((c) => c.outcome === 'NOT EMULATED').map((c) => c.promise)).toEqual([
      expect.stringMatching(/^encryption:/),
      expect.stringMatching(/^access:/),
    ]);
  });

  test('the update replaces nothing and deletes nothing', () => {
    expect(outcome.day2.update?.replaced).toEqual([]);
    expect(outcome.day2.update?.deleted).toEqual([]);
  });

  test('the subscriptions keep their ARNs, and the topic and queues theirs', () => {
    const ids = (subscriptions: BrownfieldOutcome['after']['subscriptions']) => subscriptions.map((s) => `${s.logicalId}=${s.arn}`).sort();
    expect(ids(outcome.after.subscriptions)).toEqual(ids(outcome.before.subscriptions));
    expect(outcome.after.topic.arn).toBe(outcome.before.topic.arn);
    expect(outcome.after.queues.map((q) => q.url).sort()).toEqual(outcome.before.queues.map((q) => q.url).sort());
  });

  test('the orders waiting since day 1 are received after the update, with the new ones', () => {
    for (const deliveries of Object.values(outcome.received)) {
      expect(deliveries.map((d) => JSON.parse(d.body).placed)).toEqual(['day 1', 'day 1', 'day 1', 'day 2', 'day 2']);
    }
    expect(Object.keys(outcome.received).sort()).toEqual(['hand-wired-orders-billing.fifo', 'hand-wired-orders-shipping.fifo']);
  });

  test('the topic and every queue read back one KMS key ARN (the stand-in of the aspect\'s key)', () => {
    const keys = new Set(Object.values(outcome.keys));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^arn:aws:kms:us-east-1:000000000000:key\//);
    expect(Object.keys(outcome.keys)).toContain('hand-wired-orders.fifo');
  });
});

describe('a day 2 that renames the topic and queues (control: the checks can fail)', () => {
  test('the renames are replacements: reported, the backlog is not received, and the checks FAIL', async () => {
    const checks = new Checks(true);
    const outcome = await playBrownfield(emulator, handWired(false, { topicName: 'control-orders' }), handWired(true, { topicName: 'control-orders-v2' }),
      'ControlOrders', checks, 1_000);
    expect(outcome.day2.update?.replaced.map((r) => r.type)).toContain('AWS::SQS::Queue');
    const failed = checks.all.filter((c) => c.outcome === 'FAIL').map((c) => c.promise);
    expect(failed).toEqual(expect.arrayContaining([
      expect.stringMatching(/no resource replaced/),
      expect.stringMatching(/nothing stateful deleted/),
      expect.stringMatching(/still received the 3 orders/),
    ]));
  });
});
