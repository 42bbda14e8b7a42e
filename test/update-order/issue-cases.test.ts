import { Aspects, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { synthApp } from './app-version';
import { fanoutApp, readmeRunbookKeyChange, windowsOf } from './fixtures';
import { shipmentsApp } from '../../examples/hand-wired-two-stack/stacks';
import { SecureExistingFifo } from '../../src';
import { ENV, newApp } from '../util';

/*
 * The update-order simulator over the shapes of issue 25's items 1, 2 and 6 on the code paths that
 * stay as they are (one deploy): the windows are there. The staged rollouts that close them are in
 * staged-rollout.test.ts.
 */

describe('item 1: one stack, one deploy', () => {
  test('control (aws-cdk-lib only): a queue switched to a new key while grantConsumeMessages adds kms:Decrypt to a policy that references the queue has a window', async () => {
    const version = (encrypted: boolean) => {
      const app = newApp();
      const stack = new Stack(app, 'L2', { env: ENV });
      const key = new kms.Key(stack, 'Key');
      const queue = new sqs.Queue(stack, 'Queue', encrypted ? { encryptionMasterKey: key } : { encryption: sqs.QueueEncryption.SQS_MANAGED });
      queue.grantConsumeMessages(new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() }));
      return synthApp(app);
    };
    expect(await windowsOf(version(false), version(true))).toEqual([
      expect.stringMatching(/^switch: L2\/Reader\w+ consumes L2\/Queue\w+ but is refused kms:Decrypt on arn:aws:kms:eu-west-1:111111111111:key\/[-0-9a-f]+ \(window\)$/),
    ]);
  });
});

describe('item 2: two stacks, one deploy of `cdk deploy --all`', () => {
  const day1 = () => {
    const app = newApp();
    shipmentsApp(app);
    return synthApp(app);
  };
  const encrypted = () => {
    const app = newApp();
    shipmentsApp(app);
    Aspects.of(app).add(new SecureExistingFifo());
    return synthApp(app);
  };

  test('day 1 -> SecureExistingFifo on the app in one deploy: the team stack\'s publisher is refused while the platform stack has switched the topic (no order inside one deploy can help)', async () => {
    const windows = await windowsOf(day1(), encrypted());
    expect(windows).toEqual(expect.arrayContaining([
      expect.stringMatching(/^switch: ShipmentsTeam\/ShipmentPublisher\w+ publishes to ShipmentsPlatform\/Shipments\w+ but is refused kms:GenerateDataKey on .* \(window\)$/),
      expect.stringMatching(/^switch: ShipmentsTeam\/ShipmentPublisher\w+ publishes to ShipmentsPlatform\/Shipments\w+ but is refused kms:GenerateDataKey on .* \(stack updated\)$/),
    ]));
  });
});

describe('item 6: a key change of FifoFanout as the README runbook has it today (one deploy)', () => {
  test('the consumers, the Lambda consumer and the redrive operator get the new key in policies that reference their queues: a window for each', async () => {
    const before = fanoutApp(() => ({}));
    const windows = await windowsOf(before, readmeRunbookKeyChange());
    const refused = windows.filter((w) => w.endsWith('(window)')).map((w) => w.replace(/[0-9A-F]{8}\b/g, '').replace(/ on arn:.*$/, ''));
    expect(refused).toEqual(expect.arrayContaining([
      'switch: KeyChange/Consumer consumes KeyChange/PricesRetailQueue but is refused kms:Decrypt',
      'switch: KeyChange/FnServiceRole consumes KeyChange/PricesRetailQueue but is refused kms:Decrypt',
      'switch: KeyChange/Analyst consumes KeyChange/PricesAnalyticsQueue but is refused kms:Decrypt',
      'switch: KeyChange/Publisher publishes to KeyChange/PricesTopic but is refused kms:GenerateDataKey',
    ]));
  });
});
