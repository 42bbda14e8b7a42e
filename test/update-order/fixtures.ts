import { CfnElement, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AppVersion, synthApp } from './app-version';
import { describeWindow, simulateUpdate } from './simulator';
import { FifoFanout, FifoKey, FifoFanoutProps } from '../../src';
import { ENV, newApp } from '../util';

/** The windows of the update from `before` to `after`, as readable lines. */
export async function windowsOf(before: AppVersion, after: AppVersion): Promise<string[]> {
  return (await simulateUpdate(before, after)).map(describeWindow);
}

/** The windows of each deploy of a rollout (one line per window, prefixed by the deploy's number). */
export async function rolloutWindows(...versions: AppVersion[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 1; i < versions.length; i++) {
    out.push(...(await windowsOf(versions[i - 1], versions[i])).map((w) => `deploy ${i}: ${w}`));
  }
  return out;
}

export const ORG_KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/0000aaaa-12ab-34cd-56ef-1234567890ab';

/** The fan-out of a running app (as test/key-change.test.ts has it): consumers, Lambda consumer, redrive operator, publisher. */
export function fanoutApp(fanoutProps: (stack: Stack) => FifoFanoutProps, extra: (stack: Stack) => void = () => {}): AppVersion {
  const app = newApp();
  const stack = new Stack(app, 'KeyChange', { env: ENV });
  extra(stack);
  const fanout = new FifoFanout(stack, 'Prices', { topicName: 'prices', ...fanoutProps(stack) });
  const retail = fanout.addSubscriber('Retail');
  const analytics = fanout.addStandardSubscriber('Analytics');
  const role = (id: string) => new iam.Role(stack, id, { assumedBy: new iam.AccountRootPrincipal() });
  const consumer = role('Consumer');
  const analyst = role('Analyst');
  const operator = role('Operator');
  fanout.topic.grantPublish(role('Publisher'));
  const fn = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
  });
  retail.grantConsumeMessages(consumer);
  analytics.grantConsumeMessages(analyst);
  retail.addLambdaConsumer(fn);
  retail.grantRedrive(operator);
  analytics.grantRedrive(operator);
  return synthApp(app);
}

/** The logical ID of the fan-out's own key in a stack (`<fan-out>/Key`). */
export function ownKeyLogicalId(): string {
  const stack = new Stack(newApp(), 'KeyChange', { env: ENV });
  const fanout = new FifoFanout(stack, 'Prices', { topicName: 'prices' });
  return stack.getLogicalId((fanout.encryptionKey as FifoKey).node.defaultChild as CfnElement);
}

/** The README's one-deploy key change of today: the old key constructed again at its logical ID, the new key imported. */
export function readmeRunbookKeyChange(): AppVersion {
  const oldKeyId = ownKeyLogicalId();
  let oldKey: FifoKey;
  return fanoutApp((stack) => ({
    encryptionKey: kms.Key.fromKeyArn(stack, 'OrgKey', ORG_KEY_ARN),
    retiredKeys: [oldKey],
  }), (stack) => {
    oldKey = new FifoKey(stack, 'PricesOldKey');
    (oldKey.node.defaultChild as kms.CfnKey).overrideLogicalId(oldKeyId);
  });
}
