import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as fc from 'fast-check';
import { FifoFanout, FifoKey, MessagingEndpoints, MessagingService, SecureFifoQueue, SecureFifoTopic } from '../src';
import { newStack } from './util';

/*
 * Property-based layer: seeded random props for every construct, across their documented ranges
 * and beyond. The one rule: either an error of ours that names the construct path and a prop we
 * were given, or a template that synthesizes with aws-cdk-lib's CloudFormation template validation
 * turned into errors. Anything else (aws-cdk-lib's own error, a crash, an undeployable template)
 * is a counterexample, which fast-check shrinks and prints with the seed to replay it.
 */

const SEED = Number(process.env.PROPERTY_SEED ?? 20261123);
const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);

/** Builds with the props; returns 'ours' for one of our errors naming the path and a given prop, 'ok' when the template synthesizes. */
function outcome(build: (stack: Stack) => void, path: string, props: object): 'ours' | 'ok' {
  const stack = newStack();
  try {
    build(stack);
  } catch (e) {
    const message = (e as Error).message;
    const given = Object.keys(props).filter((k) => (props as any)[k] !== undefined);
    // The construct given the props, or one it builds from them (the fan-out's topic, a subscriber's queue).
    const atPath = message.startsWith(`${path}: invalid `) || message.startsWith(`${path}/`) && /^[^:\s]+: invalid /.test(message);
    const ours = atPath && given.some((prop) => message.includes(`  - ${prop}`));
    if (!ours) {
      throw new Error(`not our error, or it names no given prop: ${message}`);
    }
    return 'ours';
  }
  Template.fromStack(stack); // throws on CloudFormation validation findings and dependency cycles
  return 'ok';
}

const durationOf = (seconds: number, unit: 'seconds' | 'minutes' | 'hours' | 'days'): Duration => {
  switch (unit) {
    case 'seconds': return Duration.seconds(seconds);
    case 'minutes': return Duration.minutes(seconds / 60);
    case 'hours': return Duration.hours(seconds / 3600);
    default: return Duration.days(seconds / 86_400);
  }
};
/** A duration from 0 s to 30 days, in any unit, sometimes fractional. */
const anyDuration = fc.tuple(fc.integer({ min: 0, max: 2_600_000 }), fc.constantFrom('seconds', 'minutes', 'hours', 'days') as fc.Arbitrary<'seconds' | 'minutes' | 'hours' | 'days'>)
  .map(([seconds, unit]) => durationOf(seconds, unit));
const wholeDays = fc.integer({ min: -2, max: 400 }).map((d) => Duration.days(Math.max(d, 0)));
/** Names of valid characters, some with invalid ones, some long, some with `.fifo`. */
const anyName = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{1,90}$/),
  fc.stringMatching(/^[A-Za-z0-9_. -]{1,20}$/),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,30}$/).map((n) => `${n}.fifo`),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });
const removal = maybe(fc.constantFrom(RemovalPolicy.RETAIN, RemovalPolicy.DESTROY, RemovalPolicy.SNAPSHOT, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE));

function check<T extends object>(name: string, props: fc.Arbitrary<T>, build: (stack: Stack, p: T) => void, path: string): void {
  test(`${name}: every random configuration is refused by us or synthesizes cleanly`, () => {
    const seen = { ours: 0, ok: 0 };
    fc.assert(fc.property(props, (p) => {
      seen[outcome((s) => build(s, p), path, p)]++;
    }), { seed: SEED, numRuns: RUNS });
    // Both branches are exercised, or the generator is too narrow to mean anything.
    expect(seen.ours).toBeGreaterThan(0);
    expect(seen.ok).toBeGreaterThan(0);
  });
}

check('FifoKey', fc.record({
  alias: maybe(fc.oneof(anyName, anyName.map((n) => `alias/aws/${n}`))),
  pendingWindow: maybe(wholeDays),
  rotationPeriod: maybe(fc.oneof(wholeDays, fc.integer({ min: 80, max: 2600 }).map((d) => Duration.days(d)), anyDuration)),
  removalPolicy: removal,
}), (s, p) => new FifoKey(s, 'Key', p), 'Test/Key');

check('SecureFifoTopic', fc.record({
  topicName: maybe(anyName),
  displayName: maybe(fc.string({ maxLength: 120 })),
  contentBasedDeduplication: maybe(fc.boolean()),
  throughputScope: maybe(fc.constantFrom(sns.FifoThroughputScope.TOPIC, sns.FifoThroughputScope.MESSAGE_GROUP)),
  archiveRetention: maybe(fc.oneof(wholeDays, anyDuration)),
  signatureVersion: maybe(fc.constantFrom('1', '2', '3', '')),
  tracingConfig: maybe(fc.constantFrom(sns.TracingConfig.ACTIVE, sns.TracingConfig.PASS_THROUGH)),
}), (s, p) => new SecureFifoTopic(s, 'Topic', p), 'Test/Topic');

check('SecureFifoQueue', fc.record({
  queueName: maybe(anyName),
  maxReceiveCount: maybe(fc.integer({ min: -2, max: 1100 })),
  visibilityTimeout: maybe(anyDuration),
  retentionPeriod: maybe(anyDuration),
  dataKeyReuse: maybe(anyDuration),
  deduplicationScope: maybe(fc.constantFrom(sqs.DeduplicationScope.QUEUE, sqs.DeduplicationScope.MESSAGE_GROUP)),
  fifoThroughputLimit: maybe(fc.constantFrom(sqs.FifoThroughputLimit.PER_QUEUE, sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID)),
  contentBasedDeduplication: maybe(fc.boolean()),
  removalPolicy: removal,
}), (s, p) => new SecureFifoQueue(s, 'Queue', p), 'Test/Queue');

check('FifoFanout', fc.record({
  topicName: maybe(anyName),
  keyAlias: maybe(anyName),
  contentBasedDeduplication: maybe(fc.boolean()),
  highThroughput: maybe(fc.boolean()),
  archiveRetention: maybe(wholeDays),
  removalPolicy: removal,
}), (s, p) => new FifoFanout(s, 'Fanout', p).addSubscriber('Subscriber'), 'Test/Fanout');

check('FifoFanout.addSubscriber', fc.record({
  queueName: maybe(anyName),
  maxReceiveCount: maybe(fc.integer({ min: -2, max: 1100 })),
  visibilityTimeout: maybe(anyDuration),
  retentionPeriod: maybe(anyDuration),
  deduplicationScope: maybe(fc.constantFrom(sqs.DeduplicationScope.QUEUE, sqs.DeduplicationScope.MESSAGE_GROUP)),
  rawMessageDelivery: maybe(fc.boolean()),
  filterPolicy: maybe(fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.array(fc.stringMatching(/^[a-z]{1,6}$/), { minLength: 1, maxLength: 14 }), { maxKeys: 7 })
    .map((d) => Object.fromEntries(Object.entries(d).map(([k, v]) => [k, sns.SubscriptionFilter.stringFilter({ allowlist: v })])))),
  removalPolicy: removal,
}), (s, p) => new FifoFanout(s, 'Fanout').addSubscriber('Subscriber', p), 'Test/Fanout/Subscriber');

check('FifoFanout.addStandardSubscriber', fc.record({
  queueName: maybe(anyName),
  maxReceiveCount: maybe(fc.integer({ min: -2, max: 1100 })),
  visibilityTimeout: maybe(anyDuration),
  retentionPeriod: maybe(anyDuration),
  dataKeyReuse: maybe(anyDuration),
  removalPolicy: removal,
}), (s, p) => new FifoFanout(s, 'Fanout').addStandardSubscriber('Subscriber', p), 'Test/Fanout/Subscriber');

check('MessagingEndpoints', fc.record({
  services: maybe(fc.subarray([MessagingService.SNS, MessagingService.SQS, MessagingService.KMS])),
  privateDnsEnabled: maybe(fc.boolean()),
  restrictToRegisteredResources: maybe(fc.boolean()),
}), (s, p) => {
  const vpc = ec2.Vpc.fromVpcAttributes(s, 'Vpc', { vpcId: 'vpc-12345678', availabilityZones: ['eu-west-1a'], isolatedSubnetIds: ['subnet-aaaa1111'] });
  new MessagingEndpoints(s, 'Endpoints', { vpc, ...p });
}, 'Test/Endpoints');
