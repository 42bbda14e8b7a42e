import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { FifoFanout, FifoKey, FifoSubscriber, SecureFifoQueue, SecureFifoTopic, StandardSubscriber } from '../src';
import { replacements } from './update-safety';
import { newStack, resourcesOf, warningsWithId } from './util';

/*
 * Changing the key of a running fan-out: the retired key stays in the stack with its key policy, and
 * every consumer grant still decrypts what was written under it.
 */

const ORG_KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/0000aaaa-12ab-34cd-56ef-1234567890ab';
const RETIRED_KEY = 'cdk-secure-fifo:retiredKey';

/** The fan-out of a running app, its consumers, Lambda consumer and redrive operator. */
function app(stack: Stack, fanout: FifoFanout) {
  const retail = fanout.addSubscriber('Retail');
  const analytics = fanout.addStandardSubscriber('Analytics');
  const consumer = new iam.Role(stack, 'Consumer', { assumedBy: new iam.AccountRootPrincipal() });
  const analyst = new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
  const operator = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
  const publisher = new iam.Role(stack, 'Publisher', { assumedBy: new iam.AccountRootPrincipal() });
  fanout.topic.grantPublish(publisher);
  const fn = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
  });
  retail.grantConsumeMessages(consumer);
  analytics.grantConsumeMessages(analyst);
  retail.addLambdaConsumer(fn);
  retail.grantRedrive(operator);
  analytics.grantRedrive(operator);
  return { consumer, analyst, operator, publisher, fn };
}

/** The resolved resources on which a role may call kms:Decrypt. */
function decryptResources(stack: Stack, role: iam.IRole): string[] {
  const roleId = stack.getLogicalId(role.node.defaultChild as iam.CfnRole);
  const resources: string[] = [];
  for (const [, policy] of resourcesOf(Template.fromStack(stack), 'AWS::IAM::Policy')) {
    if (!JSON.stringify(policy.Properties.Roles).includes(`"${roleId}"`)) {
      continue;
    }
    for (const statement of policy.Properties.PolicyDocument.Statement) {
      const actions = [statement.Action].flat();
      if (statement.Effect === 'Allow' && actions.includes('kms:Decrypt')) {
        resources.push(...[statement.Resource].flat().map((r: unknown) => JSON.stringify(r)));
      }
    }
  }
  return resources;
}

const getAttArn = (logicalId: string) => JSON.stringify({ 'Fn::GetAtt': [logicalId, 'Arn'] });

describe('from the fan-out\'s own FifoKey to an organization key', () => {
  // Deploy 1 created the fan-out with its own key; deploy 2 moves to the org key and retires the old
  // one, still constructed (same logical ID), so it stays in the stack.
  const before = newStack();
  app(before, new FifoFanout(before, 'Prices', { topicName: 'prices' }));
  const beforeTemplate = Template.fromStack(before).toJSON();
  const [[oldKeyId, oldKeyBefore]] = Object.entries(beforeTemplate.Resources).filter(([, r]: [string, any]) => r.Type === 'AWS::KMS::Key') as Array<[string, any]>;

  const after = newStack();
  const oldKey = new FifoKey(after, 'PricesOldKey');
  (oldKey.node.defaultChild as kms.CfnKey).overrideLogicalId(oldKeyId);
  const orgKey = kms.Key.fromKeyArn(after, 'OrgKey', ORG_KEY_ARN);
  const fanout = new FifoFanout(after, 'Prices', { topicName: 'prices', encryptionKey: orgKey, retiredKeys: [oldKey] });
  const roles = app(after, fanout);
  const afterTemplate = Template.fromStack(after).toJSON();

  test('the retired key stays in the stack unchanged: same logical ID, same key policy (its SNS statement for the topic included), retained', () => {
    expect(afterTemplate.Resources[oldKeyId]).toEqual(oldKeyBefore);
    expect(JSON.stringify(oldKeyBefore.Properties.KeyPolicy)).toContain(':sns:eu-west-1:111111111111:prices.fifo');
    expect(oldKeyBefore.DeletionPolicy).toBe('Retain');
  });

  test('the update is in place: no resource of deploy 1 is deleted or replaced (the old key included)', () => {
    expect(replacements(Template.fromJSON(beforeTemplate), Template.fromJSON(afterTemplate))).toEqual([]);
  });

  test('control: without constructing the old key again, CloudFormation would remove it from the stack', () => {
    const dropped = newStack();
    app(dropped, new FifoFanout(dropped, 'Prices', { topicName: 'prices', encryptionKey: kms.Key.fromKeyArn(dropped, 'OrgKey', ORG_KEY_ARN) }));
    expect(replacements(Template.fromJSON(beforeTemplate), Template.fromStack(dropped))).toContain(`${oldKeyId}: deleted`);
  });

  test('the topic, queues and DLQs encrypt with the organization key only', () => {
    for (const [, resource] of Object.entries(afterTemplate.Resources) as Array<[string, any]>) {
      if (resource.Type === 'AWS::SQS::Queue' || resource.Type === 'AWS::SNS::Topic') {
        expect(resource.Properties.KmsMasterKeyId).toBe(ORG_KEY_ARN);
      }
    }
  });

  test.each([
    ['FIFO consumer (grantConsumeMessages)', () => roles.consumer],
    ['standard consumer (grantConsumeMessages)', () => roles.analyst],
    ['Lambda consumer (addLambdaConsumer)', () => roles.fn.role!],
    ['redrive operator (grantRedrive)', () => roles.operator],
  ])('%s can decrypt with both keys', (_, role) => {
    const resources = decryptResources(after, role());
    expect(resources).toContain(JSON.stringify(ORG_KEY_ARN));
    expect(resources).toContain(getAttArn(oldKeyId));
  });

  test('publishers get no access to the retired key (nothing new is written under it)', () => {
    expect(decryptResources(after, roles.publisher)).toEqual([JSON.stringify(ORG_KEY_ARN)]);
  });

  test('one warning on the retired key: the topic\'s SNS retries (23 days) outlast 4-day queues and their DLQs', () => {
    const warnings = warningsWithId(after, RETIRED_KEY);
    expect(warnings.map((w) => w.id)).toEqual(['/Test/PricesOldKey']);
    expect(warnings[0].entry.data).toMatch(/at least 23 days after the deploy that retired it/);
    expect(warnings[0].entry.data).toMatch(/queue Test\/Prices\/Retail\/Queue: 18 days/);
    expect(warnings[0].entry.data).toMatch(/disable it \(do not delete it yet\) and watch for use/);
    expect(warnings[0].entry.data).toContain('https://docs.aws.amazon.com/kms/latest/developerguide/enabling-keys.html');
  });
});

describe('from an imported organization key to a new FifoKey', () => {
  const stack = newStack();
  const orgKey = kms.Key.fromKeyArn(stack, 'OrgKey', ORG_KEY_ARN);
  const fanout = new FifoFanout(stack, 'Prices', { topicName: 'prices', retiredKeys: [orgKey] });
  const roles = app(stack, fanout);
  const template = Template.fromStack(stack);
  const [[newKeyId]] = resourcesOf(template, 'AWS::KMS::Key');

  test.each([
    ['FIFO consumer', () => roles.consumer],
    ['standard consumer', () => roles.analyst],
    ['Lambda consumer', () => roles.fn.role!],
    ['redrive operator', () => roles.operator],
  ])('%s can decrypt with both keys', (_, role) => {
    const resources = decryptResources(stack, role());
    expect(resources).toContain(JSON.stringify(ORG_KEY_ARN));
    expect(resources).toContain(getAttArn(newKeyId));
  });

  test('the imported key\'s policy cannot be written here: the warning names the SNS statement it must keep', () => {
    const warnings = Annotations.fromStack(stack).findWarning('/Test/Prices', Match.stringLikeRegexp('importedKeyPolicy'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].entry.data).toContain('prices.fifo');
  });

  test('the warning sits on the imported key', () => {
    expect(warningsWithId(stack, RETIRED_KEY).map((w) => w.id)).toEqual(['/Test/OrgKey']);
  });
});

describe('the horizon in the warning', () => {
  const horizonOf = (build: (stack: Stack, retired: kms.IKey) => void): string => {
    const stack = newStack();
    const retired = kms.Key.fromKeyArn(stack, 'Retired', ORG_KEY_ARN);
    build(stack, retired);
    const [warning] = warningsWithId(stack, RETIRED_KEY);
    return /at least (.+?) after the deploy/.exec(String(warning.entry.data))![1];
  };

  test('a FIFO queue of 4 days (the default): 4 days + 14 days in its FIFO DLQ, whose enqueue timestamp resets', () => {
    expect(horizonOf((s, k) => new SecureFifoQueue(s, 'Queue', { retiredKeys: [k] }))).toBe('18 days');
  });

  test('a FIFO queue of 14 days: 28 days', () => {
    expect(horizonOf((s, k) => new SecureFifoQueue(s, 'Queue', { retentionPeriod: Duration.days(14), retiredKeys: [k] }))).toBe('28 days');
  });

  test('a FIFO queue of 36 hours: 15 days 12 hours', () => {
    expect(horizonOf((s, k) => new SecureFifoQueue(s, 'Queue', { retentionPeriod: Duration.hours(36), retiredKeys: [k] }))).toBe('15 days 12 hours');
  });

  test('a standard queue of 4 days: its 14-day DLQs, which keep the enqueue timestamp', () => {
    expect(horizonOf((s, k) => new StandardSubscriber(s, 'Analytics', { topic: new SecureFifoTopic(s, 'Topic'), retiredKeys: [k] }))).toBe('14 days');
  });

  test('several uses of one key: the longest, in one warning', () => {
    expect(horizonOf((s, k) => {
      const topic = new SecureFifoTopic(s, 'Topic');
      new FifoSubscriber(s, 'Short', { topic, retiredKeys: [k] });
      new FifoSubscriber(s, 'Long', { topic, retentionPeriod: Duration.days(10), retiredKeys: [k] });
    })).toBe('24 days');
  });

  test('an archived topic: the archive\'s retention when it is the longest', () => {
    expect(horizonOf((s, k) => {
      const fanout = new FifoFanout(s, 'Prices', { archiveRetention: Duration.days(90), retiredKeys: [k] });
      fanout.addSubscriber('Retail', { retentionPeriod: Duration.days(14) });
    })).toBe('90 days');
  });

  test('a fan-out with 14-day queues: 28 days, beyond the 23 days of SNS retries', () => {
    expect(horizonOf((s, k) => {
      const fanout = new FifoFanout(s, 'Prices', { retiredKeys: [k] });
      fanout.addSubscriber('Retail', { retentionPeriod: Duration.days(14) });
    })).toBe('28 days');
  });
});

test('without retiredKeys nothing changes: no warning, consumers decrypt with the current key only', () => {
  const stack = newStack();
  const roles = app(stack, new FifoFanout(stack, 'Prices'));
  const [[keyId]] = resourcesOf(Template.fromStack(stack), 'AWS::KMS::Key');
  expect(warningsWithId(stack, RETIRED_KEY)).toHaveLength(0);
  expect(decryptResources(stack, roles.consumer)).toEqual([getAttArn(keyId)]);
});

test('a subscriber with its own key does not inherit the fan-out\'s retired keys', () => {
  const stack = newStack();
  const retired = kms.Key.fromKeyArn(stack, 'Retired', ORG_KEY_ARN);
  const fanout = new FifoFanout(stack, 'Prices', { retiredKeys: [retired] });
  const own = fanout.addSubscriber('Own', { encryptionKey: new FifoKey(stack, 'OwnKey') });
  const consumer = new iam.Role(stack, 'Consumer', { assumedBy: new iam.AccountRootPrincipal() });
  own.grantConsumeMessages(consumer);
  expect(decryptResources(stack, consumer)).not.toContain(JSON.stringify(ORG_KEY_ARN));
});

test('a SecureFifoQueue subscribed with subscribeQueue keeps the SNS statement for the topic on its retired key', () => {
  const stack = newStack();
  const oldKey = new FifoKey(stack, 'OldKey');
  const queue = new SecureFifoQueue(stack, 'Queue', { encryptionKey: new FifoKey(stack, 'NewKey'), retiredKeys: [oldKey] });
  new SecureFifoTopic(stack, 'Topic', { topicName: 'prices' }).subscribeQueue('Orders', queue);
  const oldKeyId = stack.getLogicalId(oldKey.node.defaultChild as kms.CfnKey);
  const policy = JSON.stringify(Template.fromStack(stack).toJSON().Resources[oldKeyId].Properties.KeyPolicy);
  expect(policy).toContain('sns.amazonaws.com');
  expect(policy).toContain(':sns:eu-west-1:111111111111:prices.fifo');
});
