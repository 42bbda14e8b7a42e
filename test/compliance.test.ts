import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  NagPack,
  NagRuleCompliance,
  NIST80053R5Checks,
  PCIDSS321Checks,
  rules,
  ServerlessChecks,
} from 'cdk-nag';
import { IConstruct } from 'constructs';
import { LIBRARY_CONFIGURATIONS } from './configurations';
import { newApp } from './util';
import { platformTeams } from '../examples/platform-teams/stacks';
import { PLACEHOLDER_VPC, PriceUpdatesStack } from '../examples/price-updates/stack';
import { FifoFanout, SecureFifoQueue } from '../src';

/*
 * Compliance proof: every shipped configuration is checked with five cdk-nag 3 packs through
 * `validateScope`, the packs' direct entry point (the same rules `Validations.of(app).addPlugins`
 * runs at synth). Zero errors and zero warnings are expected, and the library acknowledges exactly
 * one rule (Serverless-SQSRedrivePolicy) on exactly its terminal DLQs. A negative control proves
 * the packs do report findings.
 */

const PACKS: Array<{ name: string; create: () => NagPack }> = [
  { name: 'AwsSolutions', create: () => new AwsSolutionsChecks() },
  { name: 'NIST 800-53 R5', create: () => new NIST80053R5Checks() },
  { name: 'HIPAA Security', create: () => new HIPAASecurityChecks() },
  { name: 'PCI DSS 3.2.1', create: () => new PCIDSS321Checks() },
  { name: 'Serverless', create: () => new ServerlessChecks() },
];

/** Synthesizes the stack's app (CloudFormation validation included), then runs one pack over the stack. */
function findings(stack: Stack, pack: NagPack): string[] {
  (stack.node.root as App).synth();
  return pack.validateScope(stack).violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} (${v.severity}) at ${r.constructPath}`),
  );
}

describe('cdk-nag packs over the library configurations', () => {
  const rows = Object.keys(LIBRARY_CONFIGURATIONS).flatMap((config) => PACKS.map((pack) => [config, pack.name] as const));

  test.each(rows)('%s: %s reports no error and no warning', (config, packName) => {
    const stack = new Stack(newApp(), 'Configuration');
    LIBRARY_CONFIGURATIONS[config](stack);
    const pack = PACKS.find((p) => p.name === packName)!.create();

    expect(findings(stack, pack)).toEqual([]);
  });
});

/*
 * The example app (examples/price-updates) as shipped: its roles take the library's grants through
 * customer managed policies (no inline policies), and the private variant adds endpoints to the
 * platform's existing VPC. Every pack must report nothing, with no suppression anywhere.
 */
const EXAMPLE_STACKS = ['PriceUpdates', 'PrivatePriceUpdates'];

function exampleStack(name: string): PriceUpdatesStack {
  return new PriceUpdatesStack(newApp(), name, { privateNetwork: name === 'PrivatePriceUpdates' ? PLACEHOLDER_VPC : undefined });
}

describe('cdk-nag packs over the example app', () => {
  const rows = EXAMPLE_STACKS.flatMap((name) => PACKS.map((pack) => [name, pack.name] as const));

  test.each(rows)('%s: %s reports no error and no warning', (name, packName) => {
    const stack = exampleStack(name);
    const pack = PACKS.find((p) => p.name === packName)!.create();

    expect(findings(stack, pack)).toEqual([]);
  });
});

/*
 * With deliveryStatusLogging (opt-in, so not among the shipped configurations above): the feedback
 * role's policy has wildcards where SNS names log streams and groups at run time, which only
 * AwsSolutions-IAM5 reports (the README says so and how to acknowledge it); nothing else changes.
 */
describe('cdk-nag packs over the example app with deliveryStatusLogging', () => {
  test.each(PACKS.map((p) => p.name))('%s', (packName) => {
    const stack = new PriceUpdatesStack(newApp(), 'PriceUpdates', { deliveryStatusLogging: { successSampleRate: 10 } });
    const pack = PACKS.find((p) => p.name === packName)!.create();
    const expected = packName === 'AwsSolutions'
      ? [':*', '/*'].map((tail) => expect.stringMatching(new RegExp(
        `^AwsSolutions-IAM5\\[Resource::.*:log-group:sns/.*/price-updates\\.fifo${tail.replace('*', '\\*')}\\] \\(error\\) at PriceUpdates/PriceUpdates/Topic/DeliveryStatusPolicy/Resource$`)))
      : [];
    expect(findings(stack, pack)).toEqual(expected);
  });
});

/*
 * The platform-teams example (examples/platform-teams): the platform stack, a team stack in the
 * platform's account and a team stack in another account, each checked by every pack.
 */
const PLATFORM_TEAMS = ['platform', 'retail', 'billing'] as const;

describe('cdk-nag packs over the platform-teams example', () => {
  const rows = PLATFORM_TEAMS.flatMap((name) => PACKS.map((pack) => [name, pack.name] as const));

  test.each(rows)('%s stack: %s reports no error and no warning', (name, packName) => {
    const stacks = platformTeams(newApp(), { platformAccount: '111111111111', consumerAccount: '222222222222', region: 'eu-west-1' });
    const pack = PACKS.find((p) => p.name === packName)!.create();

    expect(findings(stacks[name], pack)).toEqual([]);
  });
});

describe('the library acknowledges Serverless-SQSRedrivePolicy on its terminal DLQs, and AwsSolutions-SQS3 on subscription-only DLQs, only', () => {
  const RULE = 'Serverless-SQSRedrivePolicy';
  const SQS3 = 'AwsSolutions-SQS3';

  /** A fan-out with FIFO and standard subscribers, a standalone queue, and a plain FIFO queue that gets a DLQ from subscribeQueue. */
  function build() {
    const stack = new Stack(newApp(), 'Acknowledgements');
    const fanout = new FifoFanout(stack, 'Fanout');
    const first = fanout.addSubscriber('First');
    const second = fanout.addSubscriber('Second');
    const standalone = new SecureFifoQueue(stack, 'Standalone');
    const plain = new sqs.Queue(stack, 'Plain', {
      fifo: true,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: fanout.encryptionKey,
      enforceSSL: true,
    });
    fanout.topic.subscribeQueue('Plain', plain);
    const topicCreatedDlq = plain.node.findChild('PlainDeadLetterQueue') as sqs.Queue;
    const analytics = fanout.addStandardSubscriber('Analytics');
    // Queues that only an SNS subscription's RedrivePolicy targets: cdk-nag's SQS3 does not see them as DLQs.
    const subscriptionOnlyDlqs = [topicCreatedDlq, analytics.deliveryDeadLetterQueue];
    const dlqs = [first.deadLetterQueue, second.deadLetterQueue, standalone.deadLetterQueue, analytics.deadLetterQueue, ...subscriptionOnlyDlqs];
    const mainQueues = [first.queue, second.queue, standalone].map((q) => q.node.findChild('Resource'));
    return { stack, dlqs, subscriptionOnlyDlqs, mainQueues, plain };
  }

  /** Every construct carrying an acknowledgement, with the rule ids it acknowledges. */
  function acknowledgements(root: IConstruct): Record<string, Record<string, string>> {
    const found: Record<string, Record<string, string>> = {};
    for (const construct of root.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
          for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
            found[construct.node.path] = { ...found[construct.node.path], [id.replace(/^annotation::/i, '')]: reason };
          }
        }
      }
    }
    return found;
  }

  test('the acknowledged constructs are exactly the terminal DLQs', () => {
    const { stack, dlqs } = build();

    expect(Object.keys(acknowledgements(stack)).sort()).toEqual(dlqs.map((q) => q.node.path).sort());
  });

  test('the only rules acknowledged are Serverless-SQSRedrivePolicy on every DLQ and AwsSolutions-SQS3 on subscription-only DLQs, with reasons', () => {
    const { stack, subscriptionOnlyDlqs } = build();
    const acks = acknowledgements(stack);
    const subscriptionOnly = subscriptionOnlyDlqs.map((q) => q.node.path);

    for (const [path, ack] of Object.entries(acks)) {
      expect(Object.keys(ack).sort()).toEqual(subscriptionOnly.includes(path) ? [SQS3, RULE] : [RULE]);
      expect(ack[RULE]).toMatch(/Terminal dead-letter queue/);
      if (subscriptionOnly.includes(path)) {
        expect(ack[SQS3]).toMatch(/dead-letter queue of an SNS subscription/);
      }
    }
  });

  test('without the acknowledgement, AwsSolutions-SQS3 would flag each subscription-only DLQ (it is not idle)', () => {
    const { stack, subscriptionOnlyDlqs } = build();
    (stack.node.root as App).synth();

    for (const dlq of subscriptionOnlyDlqs) {
      expect(rules.sqs.SQSQueueDLQ(dlq.node.defaultChild as CfnResource)).toBe(NagRuleCompliance.NON_COMPLIANT);
    }
  });

  test('without the acknowledgement, the rule would flag each DLQ (it is not idle)', () => {
    const { stack, dlqs } = build();
    (stack.node.root as App).synth();

    for (const dlq of dlqs) {
      expect(rules.sqs.SQSRedrivePolicy(dlq.node.defaultChild as CfnResource)).toBe(NagRuleCompliance.NON_COMPLIANT);
    }
  });

  test('the main queues are not acknowledged: each has its own redrive policy and passes', () => {
    const { stack, mainQueues } = build();
    (stack.node.root as App).synth();

    for (const queue of mainQueues) {
      expect(rules.sqs.SQSRedrivePolicy(queue.node.defaultChild as CfnResource)).toBe(NagRuleCompliance.COMPLIANT);
    }
  });

  test('a plain queue without a redrive policy in the same stack is still flagged, and only it', () => {
    const { stack, plain } = build();

    expect(findings(stack, new ServerlessChecks())).toEqual([`${RULE} (error) at ${plain.node.path}/Resource`]);
  });
});

describe('negative control: the packs do report an insecure stack', () => {
  /** An unencrypted queue, a key without rotation, a topic without encryption or a TLS-only policy. */
  function insecureStack(): Stack {
    const stack = new Stack(newApp(), 'Insecure');
    new sqs.Queue(stack, 'UnencryptedQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    new kms.Key(stack, 'KeyWithoutRotation', { enableKeyRotation: false });
    new sns.Topic(stack, 'TopicWithoutTls');
    return stack;
  }

  const EXPECTED: Record<string, string[]> = {
    'AwsSolutions': [
      'AwsSolutions-SQS2 (error) at Insecure/UnencryptedQueue/Resource',
      'AwsSolutions-SQS3 (error) at Insecure/UnencryptedQueue/Resource',
      'AwsSolutions-SQS4 (error) at Insecure/UnencryptedQueue/Resource',
      'AwsSolutions-KMS5 (error) at Insecure/KeyWithoutRotation/Resource',
      'AwsSolutions-SNS3 (error) at Insecure/TopicWithoutTls/Resource',
    ],
    'NIST 800-53 R5': [
      'NIST.800.53.R5-KMSBackingKeyRotationEnabled (error) at Insecure/KeyWithoutRotation/Resource',
      'NIST.800.53.R5-SNSEncryptedKMS (error) at Insecure/TopicWithoutTls/Resource',
    ],
    'HIPAA Security': [
      'HIPAA.Security-SNSEncryptedKMS (error) at Insecure/TopicWithoutTls/Resource',
    ],
    'PCI DSS 3.2.1': [
      'PCI.DSS.321-KMSBackingKeyRotationEnabled (error) at Insecure/KeyWithoutRotation/Resource',
      'PCI.DSS.321-SNSEncryptedKMS (error) at Insecure/TopicWithoutTls/Resource',
    ],
    'Serverless': [
      'Serverless-SQSRedrivePolicy (error) at Insecure/UnencryptedQueue/Resource',
    ],
  };

  test.each(PACKS.map((p) => p.name))('%s reports exactly the expected findings on the insecure resources', (packName) => {
    const pack = PACKS.find((p) => p.name === packName)!.create();

    expect(findings(insecureStack(), pack).sort()).toEqual([...EXPECTED[packName]].sort());
  });

  test('every pack reports at least one error (11 findings in all)', () => {
    const counts = PACKS.map((p) => findings(insecureStack(), p.create()).filter((f) => f.includes('(error)')).length);

    expect(counts.every((n) => n > 0)).toBe(true);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(11);
  });
});

describe('the packs as users run them: validation plugins at synth', () => {
  function appWithPlugins(): App {
    const app = newApp();
    Validations.of(app).addPlugins(...PACKS.map((p) => p.create()));
    return app;
  }

  test('an app with every library configuration and every example stack synthesizes with all five packs registered', () => {
    const app = appWithPlugins();
    Object.entries(LIBRARY_CONFIGURATIONS).forEach(([, build], i) => build(new Stack(app, `Configuration${i}`)));
    new PriceUpdatesStack(app, 'PriceUpdates');
    // In one app (one account and region), the private variant needs names of its own, as in app.ts.
    new PriceUpdatesStack(app, 'PrivatePriceUpdates', { topicName: 'private-price-updates', privateNetwork: PLACEHOLDER_VPC });
    platformTeams(app, { platformAccount: '111111111111', consumerAccount: '222222222222', region: 'eu-west-1' });

    const assembly = app.synth(); // an error finding of any pack throws here
    expect(assembly.stacks.map((s) => s.stackName)).toEqual(expect.arrayContaining(['PriceUpdates', 'PrivatePriceUpdates', 'Configuration0']));
  });

  test('an unencrypted queue fails synthesis with the packs registered', () => {
    const app = appWithPlugins();
    new sqs.Queue(new Stack(app, 'Insecure'), 'UnencryptedQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });

    expect(() => app.synth()).toThrow(/AwsSolutions-SQS2/);
  });
});
