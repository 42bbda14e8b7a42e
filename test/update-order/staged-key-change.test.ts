import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AppVersion, synthApp } from './app-version';
import { fanoutApp, rolloutWindows } from './fixtures';
import { FifoFanout, FifoFanoutProps, FifoKey } from '../../src';
import { ENV, newApp } from '../util';

/*
 * Issue 25's item 6 through the three-deploy runbook (README "Change the key of a running fan-out"):
 * the update-order simulator finds no window. The README's one-deploy key change of before, with its
 * windows, is in issue-cases.test.ts. Failing first on 62e86f0 (pendingKeys and retireOwnKey ignored
 * there): 3 failed (the runbook in one stack and across two; the control without retireOwnKey,
 * which has switch windows there too), 2 passed (the one-deploy controls).
 */

describe('item 6: a key change of FifoFanout in three deploys (pendingKeys, then encryptionKey + retireOwnKey, then the retired key dropped)', () => {
  const newKey = (stack: Stack) => (stack.node.tryFindChild('NewKey') as FifoKey | undefined) ?? new FifoKey(stack, 'NewKey');
  const day1 = () => fanoutApp(() => ({}));
  const pending = () => fanoutApp((stack) => ({ pendingKeys: [newKey(stack)] }));
  const switched = () => fanoutApp((stack) => ({ encryptionKey: newKey(stack), retireOwnKey: true }));
  const dropped = () => fanoutApp((stack) => ({ encryptionKey: newKey(stack) }));

  test('own key -> pendingKeys: [new key] -> encryptionKey: new key, retireOwnKey -> retired key dropped: no window in any deploy, the backlog stays readable', async () => {
    expect(await rolloutWindows(day1(), pending(), switched(), dropped())).toEqual([]);
  });

  test('control: the same switch without the pendingKeys deploy has windows for consumers, the Lambda consumer, the redrive operator and the publisher', async () => {
    const refused = (await rolloutWindows(day1(), switched()))
      .filter((w) => w.endsWith('(window)'))
      .map((w) => w.replace(/[0-9A-F]{8}\b/g, '').replace(/ on arn:.*$/, ''));
    expect(refused).toEqual(expect.arrayContaining([
      'deploy 1: switch: KeyChange/Consumer consumes KeyChange/PricesRetailQueue but is refused kms:Decrypt',
      'deploy 1: switch: KeyChange/FnServiceRole consumes KeyChange/PricesRetailQueue but is refused kms:Decrypt',
      'deploy 1: switch: KeyChange/Analyst consumes KeyChange/PricesAnalyticsQueue but is refused kms:Decrypt',
      'deploy 1: switch: KeyChange/Operator consumes KeyChange/PricesRetailQueueDeadLetterQueue but is refused kms:Decrypt',
      'deploy 1: switch: KeyChange/Publisher publishes to KeyChange/PricesTopic but is refused kms:GenerateDataKey',
    ]));
  });

  test('control: the switch without retireOwnKey drops the own key from the stack while the backlog is under it (retired-key windows)', async () => {
    const windows = await rolloutWindows(day1(), pending(), dropped());
    expect(windows.length).toBeGreaterThan(0);
    expect(windows.every((w) => w.startsWith('deploy 2: retired key: '))).toBe(true);
    expect(windows).toEqual(expect.arrayContaining([expect.stringMatching(/^deploy 2: retired key: KeyChange\/Consumer\w+ consumes KeyChange\/PricesRetailQueue\w+ but is refused kms:Decrypt/)]));
  });
});

/** A platform stack with the fan-out, and a team stack whose roles publish to its topic and consume its queue. */
function twoStackApp(props: (stack: Stack) => FifoFanoutProps): AppVersion {
  const app = newApp();
  const platform = new Stack(app, 'Platform', { env: ENV });
  const team = new Stack(app, 'Team', { env: ENV });
  const fanout = new FifoFanout(platform, 'Prices', { topicName: 'prices', ...props(platform) });
  const retail = fanout.addSubscriber('Retail');
  fanout.topic.grantPublish(new iam.Role(team, 'Publisher', { assumedBy: new iam.AccountRootPrincipal() }));
  retail.grantConsumeMessages(new iam.Role(team, 'Consumer', { assumedBy: new iam.AccountRootPrincipal() }));
  return synthApp(app);
}

describe('item 6 across stacks: the team stack deploys after the platform stack that switches', () => {
  const newKey = (stack: Stack) => (stack.node.tryFindChild('NewKey') as FifoKey | undefined) ?? new FifoKey(stack, 'NewKey');

  test('three deploys: the team stack\'s publisher and consumer hold the new key from deploy 1, so no window in any deploy', async () => {
    expect(await rolloutWindows(
      twoStackApp(() => ({})),
      twoStackApp((stack) => ({ pendingKeys: [newKey(stack)] })),
      twoStackApp((stack) => ({ encryptionKey: newKey(stack), retireOwnKey: true })),
      twoStackApp((stack) => ({ encryptionKey: newKey(stack) })),
    )).toEqual([]);
  });

  test('control: one deploy refuses the team stack\'s publisher and consumer for the whole platform stack update', async () => {
    const windows = (await rolloutWindows(twoStackApp(() => ({})), twoStackApp((stack) => ({ encryptionKey: newKey(stack), retireOwnKey: true }))))
      .map((w) => w.replace(/[0-9A-F]{8}\b/g, '').replace(/ on arn:[^ ]*/, ''));
    expect(windows).toEqual(expect.arrayContaining([
      'deploy 1: switch: Team/Publisher publishes to Platform/PricesTopic but is refused kms:GenerateDataKey (stack updated)',
      'deploy 1: switch: Team/Consumer consumes Platform/PricesRetailQueue but is refused kms:Decrypt (stack updated)',
    ]));
  });
});
