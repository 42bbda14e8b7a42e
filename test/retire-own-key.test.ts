import { Annotations as CdkAnnotations, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { FifoFanout, FifoFanoutProps, FifoKey, FifoSubscriber, SecureFifoQueue, SecureFifoQueueProps, SecureFifoTopic, StandardSubscriber, ValidationErrorCode } from '../src';
import { replacements } from './update-safety';
import { ENV, expectRefused, newApp, newStack, resourcesOf, warningsWithId } from './util';

/*
 * retireOwnKey: a construct's own key stays at its logical ID, with its alias, as a retired key
 * (issue 25, item 6). No overrideLogicalId, no alias trick.
 */

const ORG_KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/0000aaaa-12ab-34cd-56ef-1234567890ab';

/** A fan-out with a consumer, synthesized. */
function fanoutStack(props: (stack: Stack) => FifoFanoutProps): { stack: Stack; template: any; consumer: iam.Role } {
  const stack = new Stack(newApp(), 'Test', { env: ENV });
  const fanout = new FifoFanout(stack, 'Prices', { topicName: 'prices', keyAlias: 'prices', ...props(stack) });
  const retail = fanout.addSubscriber('Retail');
  fanout.addStandardSubscriber('Analytics');
  const consumer = new iam.Role(stack, 'Consumer', { assumedBy: new iam.AccountRootPrincipal() });
  retail.grantConsumeMessages(consumer);
  return { stack, template: Template.fromStack(stack).toJSON(), consumer };
}

const ofType = (template: any, type: string): Record<string, any> =>
  Object.fromEntries(Object.entries<any>(template.Resources).filter(([, r]) => r.Type === type));

describe('FifoFanout: encryptionKey + retireOwnKey', () => {
  const before = fanoutStack(() => ({}));
  const after = fanoutStack((stack) => ({ encryptionKey: kms.Key.fromKeyArn(stack, 'OrgKey', ORG_KEY_ARN), retireOwnKey: true }));

  test('the own key stays at its logical ID with the same properties (key policy, deletion policy)', () => {
    const keys = ofType(before.template, 'AWS::KMS::Key');
    expect(Object.keys(keys)).toHaveLength(1);
    expect(ofType(after.template, 'AWS::KMS::Key')).toEqual(keys);
  });

  test('its alias stays: same logical ID, same alias name, same target', () => {
    const aliases = ofType(before.template, 'AWS::KMS::Alias');
    expect(Object.values<any>(aliases).map((a) => a.Properties.AliasName)).toEqual(['alias/prices']);
    expect(ofType(after.template, 'AWS::KMS::Alias')).toEqual(aliases);
  });

  test('nothing of deploy 1 is deleted or replaced', () => {
    expect(replacements(Template.fromJSON(before.template), Template.fromJSON(after.template))).toEqual([]);
  });

  test('the topic, queues and DLQs encrypt with the new key only', () => {
    const encrypted = Object.values<any>(after.template.Resources)
      .filter((r) => r.Type === 'AWS::SQS::Queue' || r.Type === 'AWS::SNS::Topic')
      .map((r) => r.Properties.KmsMasterKeyId);
    expect(encrypted).toHaveLength(6);
    expect(encrypted.every((k) => k === ORG_KEY_ARN)).toBe(true);
  });

  test('a consumer keeps kms:Decrypt on the own key, now retired', () => {
    const [[ownKeyId]] = resourcesOf(Template.fromJSON(after.template), 'AWS::KMS::Key');
    const statements = Object.values<any>(ofType(after.template, 'AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(after.stack.getLogicalId(after.consumer.node.defaultChild as iam.CfnRole)))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const decrypts = statements.filter((s) => [s.Action].flat().includes('kms:Decrypt')).flatMap((s) => [s.Resource].flat());
    expect(decrypts).toEqual(expect.arrayContaining([ORG_KEY_ARN, { 'Fn::GetAtt': [ownKeyId, 'Arn'] }]));
  });

  test('the retiredKey warning sits on the own key', () => {
    expect(warningsWithId(after.stack, 'cdk-secure-fifo:retiredKey').map((w) => w.id)).toEqual(['/Test/Prices/Key']);
  });
});

describe('SecureFifoQueue and StandardSubscriber: the own key stays at its logical ID', () => {
  const queueTemplate = (props: (stack: Stack) => SecureFifoQueueProps) => {
    const stack = newStack();
    new SecureFifoQueue(stack, 'Queue', { queueName: 'orders', ...props(stack) });
    return Template.fromStack(stack).toJSON();
  };

  test('SecureFifoQueue: the same key, nothing deleted or replaced', () => {
    const before = queueTemplate(() => ({}));
    const after = queueTemplate((s) => ({ encryptionKey: kms.Key.fromKeyArn(s, 'OrgKey', ORG_KEY_ARN), retireOwnKey: true }));
    expect(ofType(after, 'AWS::KMS::Key')).toEqual(ofType(before, 'AWS::KMS::Key'));
    expect(replacements(Template.fromJSON(before), Template.fromJSON(after))).toEqual([]);
  });

  test('StandardSubscriber of a topic in another stack (it has a key of its own): the same key, nothing deleted or replaced', () => {
    const template = (retire: boolean) => {
      const app = newApp();
      const topic = new SecureFifoTopic(new Stack(app, 'Platform', { env: ENV }), 'Topic', { topicName: 'prices' });
      const team = new Stack(app, 'Team', { env: ENV });
      new StandardSubscriber(team, 'Analytics', {
        topic,
        queueName: 'analytics',
        ...(retire ? { encryptionKey: kms.Key.fromKeyArn(team, 'OrgKey', ORG_KEY_ARN), retireOwnKey: true } : {}),
      });
      return Template.fromStack(team).toJSON();
    };
    const before = template(false);
    const after = template(true);
    expect(Object.keys(ofType(before, 'AWS::KMS::Key'))).toHaveLength(1);
    expect(ofType(after, 'AWS::KMS::Key')).toEqual(ofType(before, 'AWS::KMS::Key'));
    expect(replacements(Template.fromJSON(before), Template.fromJSON(after))).toEqual([]);
  });
});

describe('refused: retireOwnKey where it cannot keep the key the resource used', () => {
  test('without encryptionKey (the own key still encrypts)', () => {
    expectRefused(() => new FifoFanout(newStack(), 'Prices', { retireOwnKey: true }), 'Test/Prices', [['retireOwnKey', ValidationErrorCode.RETIRE_OWN_KEY]]);
  });

  test('on a FifoSubscriber of a fan-out: it shares the fan-out\'s key and has none of its own', () => {
    const stack = newStack();
    const fanout = new FifoFanout(stack, 'Prices');
    expectRefused(() => fanout.addSubscriber('Retail', { encryptionKey: new FifoKey(stack, 'NewKey'), retireOwnKey: true }),
      'Test/Prices/Retail/Queue', [['retireOwnKey', ValidationErrorCode.RETIRE_OWN_KEY]]);
  });

  test('on a StandardSubscriber in its topic\'s stack: it shares the topic\'s key', () => {
    const stack = newStack();
    const topic = new SecureFifoTopic(stack, 'Topic');
    expectRefused(() => new StandardSubscriber(stack, 'Analytics', { topic, encryptionKey: new FifoKey(stack, 'NewKey'), retireOwnKey: true }),
      'Test/Analytics', [['retireOwnKey', ValidationErrorCode.RETIRE_OWN_KEY]]);
  });

  test('together with a copy of the own key at its logical ID in retiredKeys (the old runbook\'s overrideLogicalId)', () => {
    const stack = newStack();
    const ownId = (() => {
      const s = newStack();
      return s.getLogicalId((new FifoFanout(s, 'Prices').encryptionKey as FifoKey).node.defaultChild as kms.CfnKey);
    })();
    const copy = new FifoKey(stack, 'PricesOldKey');
    (copy.node.defaultChild as kms.CfnKey).overrideLogicalId(ownId);
    const error = expectRefused(() => new FifoFanout(stack, 'Prices', { encryptionKey: kms.Key.fromKeyArn(stack, 'OrgKey', ORG_KEY_ARN), retireOwnKey: true, retiredKeys: [copy] }),
      'Test/Prices', [['retiredKeys', ValidationErrorCode.RETIRE_OWN_KEY]]);
    expect(error.message).toContain(ownId);
  });

  test('keyAlias with encryptionKey stays refused without retireOwnKey', () => {
    const stack = newStack();
    expectRefused(() => new FifoFanout(stack, 'Prices', { keyAlias: 'prices', encryptionKey: new FifoKey(stack, 'NewKey') }),
      'Test/Prices', [['keyAlias', ValidationErrorCode.KEY_ALIAS_WITH_KEY]]);
  });
});

describe('warning ownKeyLeaves: a key of this app in retiredKeys while the own key leaves the stack', () => {
  const OWN_KEY_LEAVES = 'cdk-secure-fifo:ownKeyLeaves';

  test('a new FifoKey in retiredKeys, encryptionKey without retireOwnKey: warned on the fan-out, naming both keys and retireOwnKey', () => {
    const stack = newStack();
    const fresh = new FifoKey(stack, 'PricesOldKey');
    new FifoFanout(stack, 'Prices', { encryptionKey: kms.Key.fromKeyArn(stack, 'OrgKey', ORG_KEY_ARN), retiredKeys: [fresh] });
    const warnings = warningsWithId(stack, OWN_KEY_LEAVES);
    expect(warnings.map((w) => w.id)).toEqual(['/Test/Prices']);
    expect(warnings[0].entry.data).toContain('Test/PricesOldKey');
    expect(warnings[0].entry.data).toContain('retireOwnKey: true');
  });

  test('not warned for the own key constructed again at its logical ID (the old runbook, correctly done)', () => {
    const stack = newStack();
    const ownId = (() => {
      const s = newStack();
      return s.getLogicalId((new FifoFanout(s, 'Prices').encryptionKey as FifoKey).node.defaultChild as kms.CfnKey);
    })();
    const old = new FifoKey(stack, 'PricesOldKey');
    (old.node.defaultChild as kms.CfnKey).overrideLogicalId(ownId);
    new FifoFanout(stack, 'Prices', { encryptionKey: kms.Key.fromKeyArn(stack, 'OrgKey', ORG_KEY_ARN), retiredKeys: [old] });
    expect(warningsWithId(stack, OWN_KEY_LEAVES)).toEqual([]);
  });

  test('not warned for an imported retired key (it is not a key this app could have just created)', () => {
    const stack = newStack();
    new FifoFanout(stack, 'Prices', { encryptionKey: new FifoKey(stack, 'NewKey'), retiredKeys: [kms.Key.fromKeyArn(stack, 'OrgKey', ORG_KEY_ARN)] });
    expect(warningsWithId(stack, OWN_KEY_LEAVES)).toEqual([]);
  });

  test('not warned with retireOwnKey', () => {
    const stack = newStack();
    new FifoFanout(stack, 'Prices', { encryptionKey: kms.Key.fromKeyArn(stack, 'OrgKey', ORG_KEY_ARN), retireOwnKey: true, retiredKeys: [new FifoKey(stack, 'Other')] });
    expect(warningsWithId(stack, OWN_KEY_LEAVES)).toEqual([]);
  });

  test('a FifoSubscriber of a fan-out (no key of its own) is not warned for the fan-out\'s retired keys', () => {
    const stack = newStack();
    const fanout = new FifoFanout(stack, 'Prices', { retiredKeys: [new FifoKey(stack, 'Previous')] });
    fanout.addSubscriber('Retail');
    expect(warningsWithId(stack, OWN_KEY_LEAVES)).toEqual([]);
  });
});

describe('warning keyChangeNotStaged: a switch synth cannot prove was prepared with pendingKeys', () => {
  const NOT_STAGED = 'cdk-secure-fifo:keyChangeNotStaged';

  test('encryptionKey + retireOwnKey: one warning, on the fan-out (not repeated on its subscribers), naming pendingKeys', () => {
    const stack = newStack();
    const fanout = new FifoFanout(stack, 'Prices', { encryptionKey: new FifoKey(stack, 'NewKey'), retireOwnKey: true });
    fanout.addSubscriber('Retail');
    fanout.addStandardSubscriber('Analytics');
    const warnings = warningsWithId(stack, NOT_STAGED);
    expect(warnings.map((w) => w.id)).toEqual(['/Test/Prices']);
    expect(warnings[0].entry.data).toContain('pendingKeys: [Test/NewKey]');
  });

  test('a standalone subscriber with retiredKeys: on the subscriber', () => {
    const stack = newStack();
    new FifoSubscriber(stack, 'Retail', {
      topic: SecureFifoTopic.fromTopicAttributes(stack, 'Topic', { topicArn: 'arn:aws:sns:eu-west-1:111111111111:prices.fifo' }),
      retiredKeys: [kms.Key.fromKeyArn(stack, 'OrgKey', ORG_KEY_ARN)],
    });
    expect(warningsWithId(stack, NOT_STAGED).map((w) => w.id)).toEqual(['/Test/Retail/Queue']);
  });

  test('acknowledgeable on the fan-out', () => {
    const stack = newStack();
    const fanout = new FifoFanout(stack, 'Prices', { encryptionKey: new FifoKey(stack, 'NewKey'), retireOwnKey: true });
    CdkAnnotations.of(fanout).acknowledgeWarning(NOT_STAGED, 'deployed with pendingKeys first');
    expect(warningsWithId(stack, NOT_STAGED)).toEqual([]);
  });

  test('no warning without retired keys (no key change)', () => {
    const stack = newStack();
    new FifoFanout(stack, 'Prices', { encryptionKey: new FifoKey(stack, 'NewKey') });
    expect(warningsWithId(stack, NOT_STAGED)).toEqual([]);
  });
});

test('keyChangeNotStaged on a move to the fan-out\'s own key says to create the key yourself to stage it (the own key cannot be pending)', () => {
  const stack = newStack();
  new FifoFanout(stack, 'Prices', { retiredKeys: [kms.Key.fromKeyArn(stack, 'OrgKey', ORG_KEY_ARN)] });
  const [warning] = warningsWithId(stack, 'cdk-secure-fifo:keyChangeNotStaged');
  expect(warning.entry.data).toContain('cannot be listed in pendingKeys');
  expect(warning.entry.data).toContain('new FifoKey');
});
