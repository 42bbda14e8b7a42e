import { Aspects } from 'aws-cdk-lib';
import { synthApp } from './app-version';
import { rolloutWindows } from './fixtures';
import { HandWiredStack } from '../../examples/hand-wired/stack';
import { shipmentsApp } from '../../examples/hand-wired-two-stack/stacks';
import { AdoptionStage, SecureExistingFifo, SecureExistingFifoProps } from '../../src';
import { ENV, newApp } from '../util';

/*
 * Issue 25's items 1 and 2 through the staged rollouts: the update-order simulator finds no
 * window in any deploy. (Item 6, the key change, is in staged-key-change.test.ts; the one-deploy paths, with their windows, are in issue-cases.test.ts.)
 */

/** Built when used, so that a test that does not use it runs on code without stages (failing first). */
const PREPARE = (): SecureExistingFifoProps => ({ stage: AdoptionStage.PREPARE });

describe('item 1: one stack (examples/hand-wired)', () => {
  const version = (props?: SecureExistingFifoProps) => {
    const app = newApp();
    const stack = new HandWiredStack(app, 'HandWiredOrders', { env: ENV });
    if (props) Aspects.of(stack).add(new SecureExistingFifo(props));
    return synthApp(app);
  };

  test('day 1 -> SecureExistingFifo() in one deploy: every switch waits for its grants', async () => {
    expect(await rolloutWindows(version(), version({}))).toEqual([]);
  });

  test('day 1 -> PREPARE -> ENCRYPT: no window in either deploy', async () => {
    expect(await rolloutWindows(version(), version(PREPARE()), version({}))).toEqual([]);
  });
});

describe('item 2: two stacks (examples/hand-wired-two-stack), topic in the platform stack, publisher and consumer in the team stack', () => {
  const version = (props: SecureExistingFifoProps | undefined, on: 'app' | 'platform') => {
    const app = newApp();
    const { platform } = shipmentsApp(app);
    if (props) Aspects.of(on === 'app' ? app : platform).add(new SecureExistingFifo(props));
    return synthApp(app);
  };

  test('aspect on the app: day 1 -> PREPARE -> ENCRYPT has no window in either deploy (the partner account included)', async () => {
    expect(await rolloutWindows(version(undefined, 'app'), version(PREPARE(), 'app'), version({}, 'app'))).toEqual([]);
  });

  test('aspect on the platform stack only: its PREPARE grants the team stack\'s publisher, so ENCRYPT has no window', async () => {
    expect(await rolloutWindows(version(undefined, 'platform'), version(PREPARE(), 'platform'), version({}, 'platform'))).toEqual([]);
  });
});
