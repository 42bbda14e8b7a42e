import { Aspects, Stack, App } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as fc from 'fast-check';
import { synthApp } from './app-version';
import { rolloutWindows } from './fixtures';
import { ExistingFifoStack, Phase } from '../../examples/existing-fifo/stack';
import { shipmentsApp } from '../../examples/hand-wired-two-stack/stacks';
import { AdoptionStage, SecureExistingFifo, SecureExistingFifoProps } from '../../src';
import { ENV, newApp } from '../util';

/*
 * The update-order simulator over the examples that update a running app (examples/hand-wired is in
 * staged-rollout.test.ts; price-updates and platform-teams create their resources encrypted from the
 * first deploy, so no topic or queue of theirs ever switches), and over 200 seeded random hand-wired
 * apps through PREPARE -> ENCRYPT.
 */

const RUNS = 200;
const PREPARE = (): SecureExistingFifoProps => ({ stage: AdoptionStage.PREPARE });

describe('examples/hand-wired-two-stack', () => {
  const version = (props?: SecureExistingFifoProps) => {
    const app = newApp();
    shipmentsApp(app);
    if (props) Aspects.of(app).add(new SecureExistingFifo(props));
    return synthApp(app);
  };

  test('day 1 -> PREPARE -> ENCRYPT (app.ts -c stage=prepare, then -c stage=encrypt): no window', async () => {
    expect(await rolloutWindows(version(), version(PREPARE()), version({ stage: AdoptionStage.ENCRYPT }))).toEqual([]);
  });
});

describe('examples/existing-fifo', () => {
  const version = (phase: Phase) => {
    const app = newApp();
    new ExistingFifoStack(app, 'ExistingOrders', { env: ENV, phase });
    return synthApp(app);
  };

  test('import -> hand-wired -> secured (its three deploys): no window', async () => {
    expect(await rolloutWindows(version(Phase.IMPORT), version(Phase.HAND_WIRED), version(Phase.SECURED))).toEqual([]);
  });
});

/** A random hand-wired app: a platform stack with topics, team stacks with queues, roles, partners. */
interface Shape {
  readonly topics: number;
  readonly teams: Array<{
    readonly otherAccount: boolean;
    readonly queues: Array<{ encryption: 'none' | 'sse-sqs' | 'cmk'; topic: number; partner: boolean; fifo: boolean }>;
    /** Publishers in this team stack, by topic index. */
    readonly publishers: number[];
    /** Consumers in this team stack, of queues of this or an earlier team stack (in the main account): [team, queue]. */
    readonly consumers: Array<[number, number]>;
  }>;
  readonly aspectOn: 'app' | 'platform' | 'each';
}

const MAIN = '111111111111';
const OTHER = '444444444444';
const PARTNER = '222222222222';

const shape: fc.Arbitrary<Shape> = fc.record({
  topics: fc.integer({ min: 1, max: 2 }),
  teams: fc.array(fc.record({
    otherAccount: fc.boolean(),
    queues: fc.array(fc.record({
      encryption: fc.constantFrom('none' as const, 'sse-sqs' as const, 'cmk' as const),
      topic: fc.nat(),
      partner: fc.boolean(),
      fifo: fc.boolean(),
    }), { minLength: 0, maxLength: 2 }),
    publishers: fc.array(fc.nat(), { maxLength: 2 }),
    consumers: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 2 }),
  }), { minLength: 1, maxLength: 3 }),
  aspectOn: fc.constantFrom('app' as const, 'platform' as const, 'each' as const),
});

function build(s: Shape, props?: SecureExistingFifoProps): App {
  const app = newApp();
  const platform = new Stack(app, 'Platform', { env: { account: MAIN, region: ENV.region } });
  const topics = Array.from({ length: s.topics }, (_, i) => new sns.Topic(platform, `Topic${i}`, { topicName: `fuzz-topic-${i}.fifo`, fifo: true }));
  const teamStacks: Stack[] = [];
  const queues: sqs.Queue[][] = [];
  const queueNames = new Map<sqs.Queue, string>();
  s.teams.forEach((team, t) => {
    const account = team.otherAccount ? OTHER : MAIN;
    const stack = new Stack(app, `Team${t}`, { env: { account, region: ENV.region } });
    teamStacks.push(stack);
    // A role of the team that uses nothing (it needs no grant), so that no stack is empty.
    new iam.Role(stack, 'Bystander', { assumedBy: new iam.AccountRootPrincipal() });
    // A team in another account has no queue subscribed here (a cross-account subscription is the consumer-account path of
    // the library's own constructs); it publishes by the topic's ARN, which the topic policy lets its account do.
    queues.push(team.otherAccount ? [] : team.queues.map((q, i) => {
      const queueName = `fuzz-team${t}-queue${i}${q.fifo ? '.fifo' : ''}`;
      const queue = new sqs.Queue(stack, `Queue${i}`, {
        queueName,
        fifo: q.fifo ? true : undefined,
        ...(q.encryption === 'cmk' ? { encryptionMasterKey: new kms.Key(stack, `QueueKey${i}`) }
          : { encryption: q.encryption === 'none' ? sqs.QueueEncryption.UNENCRYPTED : sqs.QueueEncryption.SQS_MANAGED }),
      });
      if (q.fifo) {
        topics[q.topic % topics.length].addSubscription(new subscriptions.SqsSubscription(queue, { rawMessageDelivery: true }));
      }
      if (q.partner) {
        queue.addToResourcePolicy(new iam.PolicyStatement({
          principals: [new iam.AccountPrincipal(PARTNER)],
          actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'],
          resources: [queue.queueArn],
        }));
      }
      queueNames.set(queue, queueName);
      return queue;
    }));
    team.publishers.forEach((p, i) => {
      const role = new iam.Role(stack, `Publisher${i}`, { assumedBy: new iam.AccountRootPrincipal() });
      const topic = topics[p % topics.length];
      if (team.otherAccount) {
        topic.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.AccountPrincipal(OTHER)], actions: ['sns:Publish'], resources: [topic.topicArn] }));
        sns.Topic.fromTopicArn(stack, `Imported${i}`, `arn:aws:sns:${ENV.region}:${MAIN}:fuzz-topic-${p % topics.length}.fifo`).grantPublish(role);
      } else {
        topic.grantPublish(role);
      }
    });
    team.consumers.forEach(([from, q], i) => {
      const candidates = queues.slice(0, t + 1).flat();
      if (candidates.length === 0) return;
      const queue = candidates[(from + q) % candidates.length];
      const roleName = `fuzz-team${t}-consumer${i}`;
      const role = new iam.Role(stack, `Consumer${i}`, { roleName, assumedBy: new iam.AccountRootPrincipal() });
      if (team.otherAccount) {
        // A consumer in the app's other account: its own identity policy names the queue by ARN, the queue's policy names the role.
        sqs.Queue.fromQueueArn(stack, `ImportedQueue${i}`, `arn:aws:sqs:${ENV.region}:${MAIN}:${queueNames.get(queue)}`).grantConsumeMessages(role);
        queue.addToResourcePolicy(new iam.PolicyStatement({
          principals: [new iam.ArnPrincipal(`arn:aws:iam::${OTHER}:role/${roleName}`)],
          actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'],
          resources: [queue.queueArn],
        }));
      } else {
        queue.grantConsumeMessages(role);
      }
    });
  });
  if (props) {
    if (s.aspectOn === 'app') Aspects.of(app).add(new SecureExistingFifo(props));
    else if (s.aspectOn === 'platform') Aspects.of(platform).add(new SecureExistingFifo(props));
    else [platform, ...teamStacks].forEach((stack) => Aspects.of(stack).add(new SecureExistingFifo(props)));
  }
  return app;
}

describe('200 seeded random hand-wired apps (several stacks, two accounts of the app, a partner account)', () => {
  // About 50 s for 200 apps on one core (each is synthesized three times).
  test('day 1 -> PREPARE -> ENCRYPT: no window (and, as a control, the same apps in one deploy day 1 -> ENCRYPT have windows)', async () => {
    let windowedInOneDeploy = 0;
    await fc.assert(fc.asyncProperty(shape, async (s) => {
      const [day1, prepare, encrypt] = [synthApp(build(s)), synthApp(build(s, PREPARE())), synthApp(build(s, {}))];
      expect(await rolloutWindows(day1, prepare, encrypt)).toEqual([]);
      if ((await rolloutWindows(day1, encrypt)).length > 0) windowedInOneDeploy++;
    }), { seed: 25, numRuns: RUNS });
    expect(windowedInOneDeploy).toBeGreaterThan(RUNS / 4);
  });
});
