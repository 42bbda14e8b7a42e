import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
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

describe('local/brownfield-demo.ts, the day 1 -> day 2 step of `npx projen demo`', () => {
  const root = path.join(__dirname, '..', '..');
  let run: { code: number; stdout: string; stderr: string };
  beforeAll(async () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'brownfield-cdk-out-'));
    const { context } = JSON.parse(fs.readFileSync(path.join(root, 'examples', 'hand-wired', 'cdk.json'), 'utf8')) as { context: object };
    // examples/hand-wired/app.ts synthesizes on load; its App reads the output folder and context from these, as under `cdk synth`.
    for (const [day, secure] of [['day1', undefined], ['day2', 'true']] as const) {
      process.env.CDK_OUTDIR = path.join(outdir, day);
      process.env.CDK_CONTEXT_JSON = JSON.stringify({ ...context, ...(secure ? { secure } : {}) });
      try {
        jest.isolateModules(() => jest.requireActual('../../examples/hand-wired/app'));
      } finally {
        delete process.env.CDK_OUTDIR;
        delete process.env.CDK_CONTEXT_JSON;
      }
    }
    run = await new Promise((resolve) => {
      execFile(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', path.join('local', 'brownfield-demo.ts')], {
        cwd: root,
        env: { ...process.env, BROWNFIELD_CDK_OUT: outdir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        maxBuffer: 16 * 1024 * 1024,
      }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
    });
    fs.rmSync(outdir, { recursive: true, force: true });
  }, 180_000);

  test('exits 0 with no FAIL, and says which promises the emulator cannot show', () => {
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/\n\d+ PASS, 0 FAIL, 2 NOT EMULATED\./);
  });

  test('prints the update resource by resource: nothing replaced, nothing deleted', () => {
    expect(run.stdout).toMatch(/\n {2}replaced +- \(no create-only property changed\)\n/);
    expect(run.stdout).toMatch(/\n {2}deleted +-\n/);
    // The key, and the roles' grants policies (SecureExistingFifo puts each role's KMS grants in a policy of its own).
    expect(run.stdout).toMatch(/\n {2}new, not emulated +SecureExistingFifoKey\w* \(AWS::KMS::Key\)(, \w+SecureExistingFifoKeys \(AWS::IAM::Policy\))*\n/);
  });
});
