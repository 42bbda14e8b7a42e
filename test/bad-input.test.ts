// Over 350 lines on purpose: one table row per validation rule keeps every refused input in one place.
import { CfnParameter, Duration, Lazy, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { FifoFanout, FifoKey, MessagingEndpoints, MessagingService, SecureFifoErrors, SecureFifoQueue, SecureFifoTopic, ValidationErrorCode } from '../src';
import { ENV, newApp, newStack } from './util';

/*
 * The bad-input matrix: every public construct, fed invalid configurations. Each must be refused
 * at synth with one message that names the construct path, the prop, the value given and what is
 * allowed; what cannot be decided at synth must warn, naming the same. Tokens are never judged.
 */

const OTHER_REGION_KEY = 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ORG_KEY = 'arn:aws:kms:eu-west-1:111111111111:key/0000aaaa-12ab-34cd-56ef-1234567890ab';


/** The validation error `build` throws (fails the test when it throws none, or another error). */
function validationErrorOf(build: (stack: Stack) => unknown): Error {
  const stack = newStack();
  try {
    build(stack);
  } catch (e) {
    if (!SecureFifoErrors.isValidationError(e)) {
      throw new Error(`expected a validation error of cdk-secure-fifo, got: ${(e as Error).message}`);
    }
    return e as Error;
  }
  throw new Error('expected the configuration to be refused, but it was accepted');
}


const endpoints = (stack: Stack, services: MessagingService[]) =>
  new MessagingEndpoints(stack, 'Endpoints', { vpc: new ec2.Vpc(stack, 'Vpc', { natGateways: 0 }), services });
const kmsQueue = (stack: Stack, id: string, props: sqs.QueueProps = {}) =>
  new sqs.Queue(stack, id, { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: new FifoKey(stack, `${id}Key`), ...props });
const subscribe = (stack: Stack, queue: sqs.IQueue, deadLetterQueue?: sqs.IQueue) =>
  new SecureFifoTopic(stack, 'Topic').subscribeQueue('Orders', queue, { deadLetterQueue });

/**
 * One row: the construct and what is wrong with its input; how to build it; the construct path the
 * message must start with; the prop; the value as the message shows it; what it says is allowed.
 */
type BadInput = [input: string, build: (stack: Stack) => unknown, path: string, prop: string, value: string, code: ValidationErrorCode];

const BAD_INPUTS: BadInput[] = [
  // FifoKey
  ['FifoKey pendingWindow 6 days', (s) => new FifoKey(s, 'Key', { pendingWindow: Duration.days(6) }),
    'Test/Key', 'pendingWindow', '6 days', ValidationErrorCode.OUT_OF_RANGE],
  ['FifoKey pendingWindow 31 days', (s) => new FifoKey(s, 'Key', { pendingWindow: Duration.days(31) }),
    'Test/Key', 'pendingWindow', '31 days', ValidationErrorCode.OUT_OF_RANGE],
  ['FifoKey rotationPeriod 89 days', (s) => new FifoKey(s, 'Key', { rotationPeriod: Duration.days(89) }),
    'Test/Key', 'rotationPeriod', '89 days', ValidationErrorCode.OUT_OF_RANGE],
  ['FifoKey rotationPeriod 2561 days', (s) => new FifoKey(s, 'Key', { rotationPeriod: Duration.days(2561) }),
    'Test/Key', 'rotationPeriod', '2561 days', ValidationErrorCode.OUT_OF_RANGE],
  ['FifoKey rotationPeriod of part of a day', (s) => new FifoKey(s, 'Key', { rotationPeriod: Duration.hours(2200) }),
    'Test/Key', 'rotationPeriod', '91 days 16 hours', ValidationErrorCode.OUT_OF_RANGE],
  ['FifoFanout retiredKeys holding its encryption key', (s) => {
    const key = new FifoKey(s, 'OrgKey');
    return new FifoFanout(s, 'Prices', { encryptionKey: key, retiredKeys: [key] });
  }, 'Test/Prices', 'retiredKeys', '"Test/OrgKey"', ValidationErrorCode.RETIRED_KEY],
  ['SecureFifoQueue retiredKeys holding its encryption key (same ARN, another import)', (s) => new SecureFifoQueue(s, 'Queue', {
    encryptionKey: kms.Key.fromKeyArn(s, 'Org', ORG_KEY),
    retiredKeys: [kms.Key.fromKeyArn(s, 'OrgAgain', ORG_KEY)],
  }), 'Test/Queue', 'retiredKeys', '"Test/OrgAgain"', ValidationErrorCode.RETIRED_KEY],
  ['FifoFanout subscriber retiring the fan-out key it encrypts with', (s) => {
    const fanout = new FifoFanout(s, 'Prices');
    return fanout.addSubscriber('Retail', { retiredKeys: [fanout.encryptionKey] });
  }, 'Test/Prices/Retail/Queue', 'retiredKeys', '"Test/Prices/Key"', ValidationErrorCode.RETIRED_KEY],
  ['StandardSubscriber retiring the topic key it encrypts with', (s) => {
    const fanout = new FifoFanout(s, 'Prices');
    return fanout.addStandardSubscriber('Analytics', { retiredKeys: [fanout.encryptionKey] });
  }, 'Test/Prices/Analytics', 'retiredKeys', '"Test/Prices/Key"', ValidationErrorCode.RETIRED_KEY],
  ['FifoKey alias in the AWS managed namespace', (s) => new FifoKey(s, 'Key', { alias: 'alias/aws/prices' }),
    'Test/Key', 'alias', '"alias/aws/prices"', ValidationErrorCode.KEY_ALIAS],
  ['FifoKey alias with a space', (s) => new FifoKey(s, 'Key', { alias: 'price updates' }),
    'Test/Key', 'alias', '"price updates"', ValidationErrorCode.KEY_ALIAS],

  // SecureFifoTopic
  ['SecureFifoTopic topicName of 257 characters with .fifo', (s) => new SecureFifoTopic(s, 'Topic', { topicName: 'p'.repeat(252) }),
    'Test/Topic', 'topicName', `"${'p'.repeat(252)}.fifo"`, ValidationErrorCode.NAME_FORMAT],
  ['SecureFifoTopic topicName with a space', (s) => new SecureFifoTopic(s, 'Topic', { topicName: 'price updates' }),
    'Test/Topic', 'topicName', '"price updates.fifo"', ValidationErrorCode.NAME_FORMAT],
  ['SecureFifoTopic topicName with a dot', (s) => new SecureFifoTopic(s, 'Topic', { topicName: 'prices.v2' }),
    'Test/Topic', 'topicName', '"prices.v2.fifo"', ValidationErrorCode.NAME_FORMAT],
  ['SecureFifoTopic archiveRetention 0 days', (s) => new SecureFifoTopic(s, 'Topic', { archiveRetention: Duration.days(0) }),
    'Test/Topic', 'archiveRetention', '0 days', ValidationErrorCode.OUT_OF_RANGE],
  ['SecureFifoTopic archiveRetention 366 days', (s) => new SecureFifoTopic(s, 'Topic', { archiveRetention: Duration.days(366) }),
    'Test/Topic', 'archiveRetention', '366 days', ValidationErrorCode.OUT_OF_RANGE],
  ['SecureFifoTopic archiveRetention 36 hours (not whole days)', (s) => new SecureFifoTopic(s, 'Topic', { archiveRetention: Duration.hours(36) }),
    'Test/Topic', 'archiveRetention', '1 day 12 hours', ValidationErrorCode.OUT_OF_RANGE],
  ['SecureFifoTopic tracingConfig ACTIVE', (s) => new SecureFifoTopic(s, 'Topic', { tracingConfig: sns.TracingConfig.ACTIVE }),
    'Test/Topic', 'tracingConfig', '"ACTIVE"', ValidationErrorCode.FIFO_TRACING],
  ["SecureFifoTopic signatureVersion '3'", (s) => new SecureFifoTopic(s, 'Topic', { signatureVersion: '3' }),
    'Test/Topic', 'signatureVersion', '"3"', ValidationErrorCode.SIGNATURE_VERSION],
  ['SecureFifoTopic on the AWS managed key alias/aws/sns', (s) => new SecureFifoTopic(s, 'Topic', { encryptionKey: kms.Alias.fromAliasName(s, 'Managed', 'alias/aws/sns') }),
    'Test/Topic', 'encryptionKey', '"alias/aws/sns"', ValidationErrorCode.AWS_MANAGED_KEY],
  ['SecureFifoTopic on a key of another region', (s) => new SecureFifoTopic(s, 'Topic', { encryptionKey: kms.Key.fromKeyArn(s, 'Far', OTHER_REGION_KEY) }),
    'Test/Topic', 'encryptionKey', `"${OTHER_REGION_KEY}"`, ValidationErrorCode.KEY_REGION],
  ['SecureFifoTopic privateEndpoints without an SNS endpoint', (s) => new SecureFifoTopic(s, 'Topic', { privateEndpoints: endpoints(s, [MessagingService.SQS, MessagingService.KMS]) }),
    'Test/Topic', 'privateEndpoints', '"Test/Endpoints"', ValidationErrorCode.ENDPOINT_MISSING],

  // SecureFifoQueue
  ['SecureFifoQueue queueName of 81 characters with .fifo', (s) => new SecureFifoQueue(s, 'Queue', { queueName: 'q'.repeat(76) }),
    'Test/Queue', 'queueName', `"${'q'.repeat(76)}.fifo"`, ValidationErrorCode.NAME_FORMAT],
  ['SecureFifoQueue queueName with a slash', (s) => new SecureFifoQueue(s, 'Queue', { queueName: 'orders/eu' }),
    'Test/Queue', 'queueName', '"orders/eu.fifo"', ValidationErrorCode.NAME_FORMAT],
  ['SecureFifoQueue maxReceiveCount 0', (s) => new SecureFifoQueue(s, 'Queue', { maxReceiveCount: 0 }),
    'Test/Queue', 'maxReceiveCount', '0', ValidationErrorCode.OUT_OF_RANGE],
  ['SecureFifoQueue maxReceiveCount 1001', (s) => new SecureFifoQueue(s, 'Queue', { maxReceiveCount: 1001 }),
    'Test/Queue', 'maxReceiveCount', '1001', ValidationErrorCode.OUT_OF_RANGE],
  ['SecureFifoQueue maxReceiveCount 2.5', (s) => new SecureFifoQueue(s, 'Queue', { maxReceiveCount: 2.5 }),
    'Test/Queue', 'maxReceiveCount', '2.5', ValidationErrorCode.OUT_OF_RANGE],
  ['SecureFifoQueue visibilityTimeout 12 h + 1 s', (s) => new SecureFifoQueue(s, 'Queue', { visibilityTimeout: Duration.seconds(43_201) }),
    'Test/Queue', 'visibilityTimeout', '12 hours 1 second', ValidationErrorCode.OUT_OF_RANGE],
  ['SecureFifoQueue retentionPeriod 59 s', (s) => new SecureFifoQueue(s, 'Queue', { retentionPeriod: Duration.seconds(59) }),
    'Test/Queue', 'retentionPeriod', '59 seconds', ValidationErrorCode.OUT_OF_RANGE],
  ['SecureFifoQueue retentionPeriod 14 days + 1 s', (s) => new SecureFifoQueue(s, 'Queue', { retentionPeriod: Duration.seconds(1_209_601) }),
    'Test/Queue', 'retentionPeriod', '14 days 1 second', ValidationErrorCode.OUT_OF_RANGE],
  ['SecureFifoQueue dataKeyReuse 59 s', (s) => new SecureFifoQueue(s, 'Queue', { dataKeyReuse: Duration.seconds(59) }),
    'Test/Queue', 'dataKeyReuse', '59 seconds', ValidationErrorCode.OUT_OF_RANGE],
  ['SecureFifoQueue dataKeyReuse 24 h + 1 s', (s) => new SecureFifoQueue(s, 'Queue', { dataKeyReuse: Duration.seconds(86_401) }),
    'Test/Queue', 'dataKeyReuse', '1 day 1 second', ValidationErrorCode.OUT_OF_RANGE],
  ['SecureFifoQueue PER_MESSAGE_GROUP_ID without deduplicationScope', (s) => new SecureFifoQueue(s, 'Queue', { fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID }),
    'Test/Queue', 'fifoThroughputLimit', '"PER_MESSAGE_GROUP_ID"', ValidationErrorCode.HIGH_THROUGHPUT],
  ['SecureFifoQueue PER_MESSAGE_GROUP_ID with deduplicationScope QUEUE', (s) => new SecureFifoQueue(s, 'Queue', {
    fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID, deduplicationScope: sqs.DeduplicationScope.QUEUE,
  }), 'Test/Queue', 'fifoThroughputLimit', '"PER_MESSAGE_GROUP_ID"', ValidationErrorCode.HIGH_THROUGHPUT],
  ['SecureFifoQueue on the AWS managed key alias/aws/sqs', (s) => new SecureFifoQueue(s, 'Queue', { encryptionKey: kms.Alias.fromAliasName(s, 'Managed', 'alias/aws/sqs') }),
    'Test/Queue', 'encryptionKey', '"alias/aws/sqs"', ValidationErrorCode.AWS_MANAGED_KEY],
  ['SecureFifoQueue on alias/aws/sqs given as an ARN', (s) => new SecureFifoQueue(s, 'Queue', {
    encryptionKey: kms.Key.fromKeyArn(s, 'Managed', 'arn:aws:kms:eu-west-1:111111111111:alias/aws/sqs'),
  }), 'Test/Queue', 'encryptionKey', '"arn:aws:kms:eu-west-1:111111111111:alias/aws/sqs"', ValidationErrorCode.AWS_MANAGED_KEY],
  ['SecureFifoQueue on a key of another region', (s) => new SecureFifoQueue(s, 'Queue', { encryptionKey: kms.Key.fromKeyArn(s, 'Far', OTHER_REGION_KEY) }),
    'Test/Queue', 'encryptionKey', `"${OTHER_REGION_KEY}"`, ValidationErrorCode.KEY_REGION],
  ['SecureFifoQueue privateEndpoints without an SQS endpoint', (s) => new SecureFifoQueue(s, 'Queue', { privateEndpoints: endpoints(s, [MessagingService.SNS]) }),
    'Test/Queue', 'privateEndpoints', '"Test/Endpoints"', ValidationErrorCode.ENDPOINT_MISSING],

  // subscribeQueue
  ['subscribeQueue an SSE-SQS queue', (s) => subscribe(s, new sqs.Queue(s, 'Queue', { fifo: true, encryption: sqs.QueueEncryption.SQS_MANAGED })),
    'Test/Queue', 'queue.encryption', '"SQS_MANAGED"', ValidationErrorCode.NOT_CMK_ENCRYPTED],
  ['subscribeQueue a queue without encryption settings (SSE-SQS)', (s) => subscribe(s, new sqs.Queue(s, 'Queue', { fifo: true })),
    'Test/Queue', 'queue.encryption', '"unset (SSE-SQS, the CloudFormation default)"', ValidationErrorCode.NOT_CMK_ENCRYPTED],
  ['subscribeQueue an unencrypted queue', (s) => subscribe(s, new sqs.Queue(s, 'Queue', { fifo: true, encryption: sqs.QueueEncryption.UNENCRYPTED })),
    'Test/Queue', 'queue.encryption', '"UNENCRYPTED"', ValidationErrorCode.NOT_CMK_ENCRYPTED],
  ['subscribeQueue a KMS_MANAGED queue', (s) => subscribe(s, new sqs.Queue(s, 'Queue', { fifo: true, encryption: sqs.QueueEncryption.KMS_MANAGED })),
    'Test/Queue', 'queue.encryption', '"KMS_MANAGED"', ValidationErrorCode.NOT_CMK_ENCRYPTED],
  ['subscribeQueue a queue on alias/aws/sqs', (s) => subscribe(s, new sqs.Queue(s, 'Queue', {
    fifo: true, encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: kms.Alias.fromAliasName(s, 'Managed', 'alias/aws/sqs'),
  })), 'Test/Queue', 'queue.encryptionMasterKey', '"alias/aws/sqs"', ValidationErrorCode.AWS_MANAGED_KEY],
  ['subscribeQueue an imported queue on a key of another region', (s) => subscribe(s, sqs.Queue.fromQueueAttributes(s, 'Queue', {
    queueArn: 'arn:aws:sqs:eu-west-1:111111111111:orders.fifo', keyArn: OTHER_REGION_KEY,
  })), 'Test/Queue', 'queue.encryptionMasterKey', `"${OTHER_REGION_KEY}"`, ValidationErrorCode.KEY_REGION],
  ['subscribeQueue with a standard deadLetterQueue', (s) => subscribe(s, new SecureFifoQueue(s, 'Queue'), kmsQueue(s, 'StandardDlq')),
    'Test/Queue', 'deadLetterQueue', '"Test/StandardDlq"', ValidationErrorCode.NOT_FIFO],
  ['subscribeQueue with an SSE-SQS deadLetterQueue', (s) => subscribe(s, new SecureFifoQueue(s, 'Queue'), new sqs.Queue(s, 'SseSqsDlq', { fifo: true, encryption: sqs.QueueEncryption.SQS_MANAGED })),
    'Test/Queue', 'deadLetterQueue.encryption', '"SQS_MANAGED"', ValidationErrorCode.NOT_CMK_ENCRYPTED],
  ['subscribeQueue a FIFO queue whose own DLQ is standard', (s) => subscribe(s, kmsQueue(s, 'Queue', {
    fifo: true, deadLetterQueue: { queue: kmsQueue(s, 'StandardDlq'), maxReceiveCount: 5 },
  })), 'Test/Queue', 'deadLetterQueue (the DLQ of Test/Queue)', '"Test/StandardDlq"', ValidationErrorCode.NOT_FIFO],
  ['subscribeQueue one queue twice with one id', (s) => {
    const topic = new SecureFifoTopic(s, 'Topic');
    const queue = new SecureFifoQueue(s, 'First');
    topic.subscribeQueue('Orders', queue);
    topic.subscribeQueue('Orders', queue);
  }, 'Test/First', 'id', '"Orders"', ValidationErrorCode.ID_TAKEN],

  // FifoFanout and addSubscriber
  ['addSubscriber deduplicationScope QUEUE on a highThroughput fan-out', (s) =>
    new FifoFanout(s, 'Fanout', { highThroughput: true }).addSubscriber('Retail', { deduplicationScope: sqs.DeduplicationScope.QUEUE }),
  'Test/Fanout', 'deduplicationScope', '"QUEUE"', ValidationErrorCode.HIGH_THROUGHPUT],
  ['addSubscriber fifoThroughputLimit PER_QUEUE on a highThroughput fan-out', (s) =>
    new FifoFanout(s, 'Fanout', { highThroughput: true }).addSubscriber('Retail', { fifoThroughputLimit: sqs.FifoThroughputLimit.PER_QUEUE }),
  'Test/Fanout', 'fifoThroughputLimit', '"PER_QUEUE"', ValidationErrorCode.HIGH_THROUGHPUT],
  ['addSubscriber with a duplicate id', (s) => {
    const fanout = new FifoFanout(s, 'Fanout');
    fanout.addSubscriber('Retail');
    fanout.addSubscriber('Retail');
  }, 'Test/Fanout', 'id', '"Retail"', ValidationErrorCode.ID_TAKEN],
  ['addSubscriber maxReceiveCount 1001', (s) => new FifoFanout(s, 'Fanout').addSubscriber('Retail', { maxReceiveCount: 1001 }),
    'Test/Fanout/Retail/Queue', 'maxReceiveCount', '1001', ValidationErrorCode.OUT_OF_RANGE],
  ['addSubscriber on the AWS managed key alias/aws/sqs', (s) =>
    new FifoFanout(s, 'Fanout').addSubscriber('Retail', { encryptionKey: kms.Alias.fromAliasName(s, 'Managed', 'alias/aws/sqs') }),
  'Test/Fanout/Retail/Queue', 'encryptionKey', '"alias/aws/sqs"', ValidationErrorCode.AWS_MANAGED_KEY],
  ['addSubscriber on a fan-out whose endpoints lack SQS', (s) =>
    new FifoFanout(s, 'Fanout', { privateEndpoints: endpoints(s, [MessagingService.SNS, MessagingService.KMS]) }).addSubscriber('Retail'),
  'Test/Fanout/Retail/Queue', 'privateEndpoints', '"Test/Endpoints"', ValidationErrorCode.ENDPOINT_MISSING],
  ['FifoFanout keyAlias in the AWS managed namespace', (s) => new FifoFanout(s, 'Fanout', { keyAlias: 'aws/prices' }),
    'Test/Fanout', 'keyAlias', '"aws/prices"', ValidationErrorCode.KEY_ALIAS],
  ['FifoFanout keyAlias next to encryptionKey', (s) => new FifoFanout(s, 'Fanout', { keyAlias: 'prices', encryptionKey: new FifoKey(s, 'Key') }),
    'Test/Fanout', 'keyAlias', '"prices"', ValidationErrorCode.KEY_ALIAS_WITH_KEY],
  ['FifoFanout topicName with a space', (s) => new FifoFanout(s, 'Fanout', { topicName: 'price updates' }),
    'Test/Fanout/Topic', 'topicName', '"price updates.fifo"', ValidationErrorCode.NAME_FORMAT],
  ['FifoFanout archiveRetention 366 days', (s) => new FifoFanout(s, 'Fanout', { archiveRetention: Duration.days(366) }),
    'Test/Fanout/Topic', 'archiveRetention', '366 days', ValidationErrorCode.OUT_OF_RANGE],
  ['FifoFanout on a key of another region', (s) => new FifoFanout(s, 'Fanout', { encryptionKey: kms.Key.fromKeyArn(s, 'Far', OTHER_REGION_KEY) }),
    'Test/Fanout/Topic', 'encryptionKey', `"${OTHER_REGION_KEY}"`, ValidationErrorCode.KEY_REGION],
  ['FifoFanout whose endpoints lack SNS', (s) => new FifoFanout(s, 'Fanout', { privateEndpoints: endpoints(s, [MessagingService.SQS]) }),
    'Test/Fanout/Topic', 'privateEndpoints', '"Test/Endpoints"', ValidationErrorCode.ENDPOINT_MISSING],

  // Physical names that collide in one account and region (CloudFormation would fail at deploy)
  ['a queue named like another queue\'s DLQ', (s) => {
    new SecureFifoQueue(s, 'A', { queueName: 'orders' });
    new SecureFifoQueue(s, 'B', { queueName: 'orders-dlq' });
  }, 'Test/B', 'queueName', '"orders-dlq.fifo"', ValidationErrorCode.NAME_COLLISION],
  ["queues named 'x' and 'x.fifo'", (s) => {
    new SecureFifoQueue(s, 'A', { queueName: 'x' });
    new SecureFifoQueue(s, 'B', { queueName: 'x.fifo' });
  }, 'Test/B', 'queueName', '"x.fifo"', ValidationErrorCode.NAME_COLLISION],
  ['two topics with one topicName', (s) => {
    new SecureFifoTopic(s, 'A', { topicName: 'prices' });
    new SecureFifoTopic(s, 'B', { topicName: 'prices' });
  }, 'Test/B', 'topicName', '"prices.fifo"', ValidationErrorCode.NAME_COLLISION],
  ["a standard subscriber's DLQ named like a FIFO subscriber's queue", (s) => {
    const fanout = new FifoFanout(s, 'Fanout');
    fanout.addSubscriber('A', { queueName: 'audit-delivery-dlq' });
    fanout.addStandardSubscriber('B', { queueName: 'audit' });
  }, 'Test/Fanout/B', 'queueName (its delivery dead-letter queue)', '"audit-delivery-dlq.fifo"', ValidationErrorCode.NAME_COLLISION],

  // Removal policies CloudFormation cannot apply to queues and keys
  ['FifoKey removalPolicy SNAPSHOT', (s) => new FifoKey(s, 'Key', { removalPolicy: RemovalPolicy.SNAPSHOT }),
    'Test/Key', 'removalPolicy', '"SNAPSHOT"', ValidationErrorCode.REMOVAL_POLICY],
  ['SecureFifoQueue removalPolicy SNAPSHOT', (s) => new SecureFifoQueue(s, 'Queue', { removalPolicy: RemovalPolicy.SNAPSHOT }),
    'Test/Queue', 'removalPolicy', '"SNAPSHOT"', ValidationErrorCode.REMOVAL_POLICY],
  ['FifoFanout removalPolicy SNAPSHOT', (s) => new FifoFanout(s, 'Fanout', { removalPolicy: RemovalPolicy.SNAPSHOT }),
    'Test/Fanout', 'removalPolicy', '"SNAPSHOT"', ValidationErrorCode.REMOVAL_POLICY],
  ['addStandardSubscriber removalPolicy SNAPSHOT', (s) => new FifoFanout(s, 'Fanout').addStandardSubscriber('A', { removalPolicy: RemovalPolicy.SNAPSHOT }),
    'Test/Fanout/A', 'removalPolicy', '"SNAPSHOT"', ValidationErrorCode.REMOVAL_POLICY],

  // Limits aws-cdk-lib would report without our construct path or prop
  ['SecureFifoTopic displayName of 101 characters', (s) => new SecureFifoTopic(s, 'Topic', { displayName: 'd'.repeat(101) }),
    'Test/Topic', 'displayName', '"101 characters"', ValidationErrorCode.TOO_LONG],
  ['addSubscriber filterPolicy with 6 keys', (s) => new FifoFanout(s, 'Fanout').addSubscriber('A', {
    filterPolicy: Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((k) => [k, sns.SubscriptionFilter.stringFilter({ allowlist: ['x'] })])),
  }), 'Test/Fanout/A', 'filterPolicy', '"6 keys"', ValidationErrorCode.FILTER_POLICY_LIMIT],

  // MessagingEndpoints
  ['MessagingEndpoints services []', (s) => endpoints(s, []),
    'Test/Endpoints', 'services', '[]', ValidationErrorCode.ENDPOINT_PLACEMENT],
  ['MessagingEndpoints in a VPC with public subnets only', (s) => new MessagingEndpoints(s, 'Endpoints', {
    vpc: new ec2.Vpc(s, 'Vpc', { subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] }),
  }), 'Test/Endpoints', 'vpc', '"Test/Vpc"', ValidationErrorCode.ENDPOINT_PLACEMENT],
  ['MessagingEndpoints in an imported VPC with public subnets only', (s) => new MessagingEndpoints(s, 'Endpoints', {
    vpc: ec2.Vpc.fromVpcAttributes(s, 'Imported', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a'], publicSubnetIds: ['subnet-0123456789abcdef0'] }),
  }), 'Test/Endpoints', 'vpc', '"Test/Imported"', ValidationErrorCode.ENDPOINT_PLACEMENT],
];

describe('invalid configurations are refused with path, prop, value and what is allowed', () => {
  test.each(BAD_INPUTS)('%s', (_input, build, path, prop, value, code) => {
    const error = validationErrorOf(build);
    const at = SecureFifoErrors.propsOf(error).indexOf(prop);

    expect(error.message.startsWith(`${path}: `)).toBe(true);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(SecureFifoErrors.codesOf(error)[at]).toBe(code);
    expect(error.message).toContain(`${prop}: ${value} is not allowed; allowed: `);
  });
});

describe('one construct with several problems reports them in one error', () => {
  /** The first line names the construct; then one problem per prop, in order, each with its rule's code. */
  function expectProblems(error: Error, firstLine: string, problems: Array<[prop: string, code: ValidationErrorCode]>): void {
    expect(error.message.split('\n')[0]).toBe(firstLine);
    expect(SecureFifoErrors.propsOf(error)).toEqual(problems.map(([prop]) => prop));
    expect(SecureFifoErrors.codesOf(error)).toEqual(problems.map(([, code]) => code));
    expect(error.message.split('\n')).toHaveLength(problems.length + 1);
  }

  test('SecureFifoQueue: name, maxReceiveCount, retention, data key reuse and throughput limit together', () => {
    const error = validationErrorOf((s) => new SecureFifoQueue(s, 'Queue', {
      queueName: 'orders queue',
      maxReceiveCount: 0,
      retentionPeriod: Duration.seconds(59),
      dataKeyReuse: Duration.hours(25),
      fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
    }));

    expectProblems(error, 'Test/Queue: invalid SecureFifoQueue props:', [
      ['queueName', ValidationErrorCode.NAME_FORMAT],
      ['maxReceiveCount', ValidationErrorCode.OUT_OF_RANGE],
      ['retentionPeriod', ValidationErrorCode.OUT_OF_RANGE],
      ['dataKeyReuse', ValidationErrorCode.OUT_OF_RANGE],
      ['fifoThroughputLimit', ValidationErrorCode.HIGH_THROUGHPUT],
    ]);
  });

  test('SecureFifoTopic: name, archive, tracing, signature version and key together', () => {
    const error = validationErrorOf((s) => new SecureFifoTopic(s, 'Topic', {
      topicName: 'prices!',
      archiveRetention: Duration.days(0),
      tracingConfig: sns.TracingConfig.ACTIVE,
      signatureVersion: '3',
      encryptionKey: kms.Alias.fromAliasName(s, 'Managed', 'alias/aws/sns'),
    }));

    expectProblems(error, 'Test/Topic: invalid SecureFifoTopic props:', [
      ['topicName', ValidationErrorCode.NAME_FORMAT],
      ['archiveRetention', ValidationErrorCode.OUT_OF_RANGE],
      ['encryptionKey', ValidationErrorCode.AWS_MANAGED_KEY],
      ['tracingConfig', ValidationErrorCode.FIFO_TRACING],
      ['signatureVersion', ValidationErrorCode.SIGNATURE_VERSION],
    ]);
  });

  test('FifoKey: alias and pendingWindow together', () => {
    const error = validationErrorOf((s) => new FifoKey(s, 'Key', { alias: 'alias/aws/prices', pendingWindow: Duration.days(3) }));

    expectProblems(error, 'Test/Key: invalid FifoKey props:', [['alias', ValidationErrorCode.KEY_ALIAS], ['pendingWindow', ValidationErrorCode.OUT_OF_RANGE]]);
  });

  test('subscribeQueue: an unencrypted standard queue and a standard DLQ together', () => {
    const error = validationErrorOf((s) => subscribe(
      s,
      new sqs.Queue(s, 'Queue', { encryption: sqs.QueueEncryption.UNENCRYPTED }),
      kmsQueue(s, 'StandardDlq'),
    ));

    expectProblems(error, 'Test/Queue: invalid subscribeQueue("Orders") props:', [
      ['queue.encryption', ValidationErrorCode.NOT_CMK_ENCRYPTED],
      ['deadLetterQueue', ValidationErrorCode.NOT_FIFO],
    ]);
  });

  test('addSubscriber: a duplicate id and a queue-scoped dedup on a high-throughput fan-out together', () => {
    const error = validationErrorOf((s) => {
      const fanout = new FifoFanout(s, 'Fanout', { highThroughput: true });
      fanout.addSubscriber('Retail');
      fanout.addSubscriber('Retail', { deduplicationScope: sqs.DeduplicationScope.QUEUE });
    });

    expectProblems(error, 'Test/Fanout: invalid addSubscriber("Retail") props:', [
      ['id', ValidationErrorCode.ID_TAKEN],
      ['deduplicationScope', ValidationErrorCode.HIGH_THROUGHPUT],
    ]);
  });
});

interface Warned {
  readonly input: string;
  readonly build: (stack: Stack) => unknown;
  /** The warning id (cdk-secure-fifo:...). */
  readonly id: string;
  /** The construct path the warning is attached to. */
  readonly path: string;
  /** What the message must name: the prop or subject, the value, and the remedy. */
  readonly names: string[];
}

const WARNED: Warned[] = [
  {
    input: 'a filter policy (delivery becomes at-most-once)',
    id: 'cdk-secure-fifo:filterPolicyAtMostOnce',
    path: '/Test/Fanout/Retail',
    build: (s) => new FifoFanout(s, 'Fanout').addSubscriber('Retail', { filterPolicy: { business: sns.SubscriptionFilter.stringFilter({ allowlist: ['retail'] }) } }),
    names: ['filterPolicy', '["business"]', 'at-most-once', 'Leave filterPolicy unset for exactly-once delivery'],
  },
  {
    input: 'an imported key whose policy cannot be changed here',
    id: 'cdk-secure-fifo:importedKeyPolicy',
    path: '/Test/Fanout/Retail',
    build: (s) => new FifoFanout(s, 'Fanout', {
      encryptionKey: kms.Key.fromKeyArn(s, 'ImportedKey', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
    }).addSubscriber('Retail'),
    names: ['The imported key arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'Add this statement to its key policy: {', '"Principal":{"Service":"sns.amazonaws.com"}', '"kms:GenerateDataKey*","kms:Decrypt"', '"aws:SourceArn":"arn:aws:sns:eu-west-1:111111111111:'],
  },
  {
    input: 'an imported queue of unknown encryption',
    id: 'cdk-secure-fifo:unknownQueueEncryption',
    path: '/Test/Imported',
    build: (s) => subscribe(s, sqs.Queue.fromQueueArn(s, 'Imported', 'arn:aws:sqs:eu-west-1:111111111111:orders.fifo'), new SecureFifoQueue(s, 'Dlq')),
    names: ['subscribeQueue("Orders")', 'the encryption of Test/Imported', 'a FIFO queue encrypted with a customer managed key', 'sns.amazonaws.com', ':sns:eu-west-1:111111111111:'],
  },
  {
    input: 'an imported queue whose policy cannot be changed here',
    id: 'cdk-secure-fifo:importedQueuePolicy',
    path: '/Test/Imported',
    build: (s) => subscribe(s, sqs.Queue.fromQueueArn(s, 'Imported', 'arn:aws:sqs:eu-west-1:111111111111:orders.fifo'), new SecureFifoQueue(s, 'Dlq')),
    names: ['subscribeQueue("Orders")', 'the policy of Test/Imported', 'Add this statement to its queue policy', '"Action":"sqs:SendMessage"', '"aws:SourceArn":"arn:aws:sns:eu-west-1:111111111111:'],
  },
];

describe('what cannot be decided at synth warns, naming path, subject, value and remedy', () => {
  test.each(WARNED.map((row) => [row.input, row] as const))('%s', (_input, row) => {
    const stack = newStack();
    row.build(stack);
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(row.id));

    expect(warnings.map((w) => w.id)).toEqual([row.path]);
    for (const name of row.names) {
      expect(warnings[0].entry.data).toContain(name);
    }
  });

  test('no warning message shows an unresolved token or [object Object]', () => {
    const texts = WARNED.flatMap((row) => {
      const stack = newStack();
      row.build(stack);
      return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('cdk-secure-fifo:')).map((w) => String(w.entry.data));
    });

    expect(texts.length).toBeGreaterThanOrEqual(WARNED.length);
    expect(texts.filter((t) => /\$\{Token|\[object Object\]/.test(t))).toEqual([]);
  });
});

describe('tokens are never judged: they are only known at deploy time', () => {
  test('maxReceiveCount from a CfnParameter reaches the redrive policy unchecked', () => {
    const stack = newStack();
    const receives = new CfnParameter(stack, 'MaxReceives', { type: 'Number', default: 5000 });
    new SecureFifoQueue(stack, 'Queue', { maxReceiveCount: Token.asNumber(receives.value) });

    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: { maxReceiveCount: { Ref: 'MaxReceives' } } });
  });

  test('queueName from a CfnParameter gets .fifo and a derived DLQ name, unchecked', () => {
    const stack = newStack();
    const name = new CfnParameter(stack, 'QueueName', { default: 'not a valid name' });
    new SecureFifoQueue(stack, 'Queue', { queueName: name.valueAsString });
    const template = Template.fromStack(stack);

    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: { 'Fn::Join': ['', [{ Ref: 'QueueName' }, '.fifo']] } });
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: { 'Fn::Join': ['', [{ Ref: 'QueueName' }, '-dlq.fifo']] } });
  });

  test('topicName and archiveRetention from CfnParameters reach the topic unchecked', () => {
    const stack = newStack();
    const name = new CfnParameter(stack, 'TopicName', { default: 'bad name!' });
    const days = new CfnParameter(stack, 'ArchiveDays', { type: 'Number', default: 400 });
    new SecureFifoTopic(stack, 'Topic', { topicName: name.valueAsString, archiveRetention: Duration.days(Token.asNumber(days.value)) });

    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Topic', {
      TopicName: { 'Fn::Join': ['', [{ Ref: 'TopicName' }, '.fifo']] },
      ArchivePolicy: { MessageRetentionPeriod: { Ref: 'ArchiveDays' } },
    });
  });

  test('visibilityTimeout, retentionPeriod and dataKeyReuse from CfnParameters reach the queue unchecked', () => {
    const stack = newStack();
    const seconds = (id: string) => Duration.seconds(Token.asNumber(new CfnParameter(stack, id, { type: 'Number', default: 0 }).value));
    new SecureFifoQueue(stack, 'Queue', { visibilityTimeout: seconds('Visibility'), retentionPeriod: seconds('Retention'), dataKeyReuse: seconds('Reuse') });

    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: { Ref: 'Visibility' },
      MessageRetentionPeriod: { Ref: 'Retention' },
      KmsDataKeyReusePeriodSeconds: { Ref: 'Reuse' },
    });
  });

  test('a key alias from a CfnParameter is not checked', () => {
    const stack = newStack();
    new FifoKey(stack, 'Key', { alias: new CfnParameter(stack, 'Alias', { default: 'alias/aws/x' }).valueAsString });

    Template.fromStack(stack).resourceCountIs('AWS::KMS::Alias', 1);
  });

  test('a pendingWindow from a CfnParameter reaches the key unchecked (kms.Key alone would refuse it)', () => {
    const stack = newStack();
    const days = new CfnParameter(stack, 'PendingWindow', { type: 'Number', default: 7 }).valueAsNumber;
    new FifoKey(stack, 'Key', { pendingWindow: Duration.days(days) });

    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', { PendingWindowInDays: { Ref: 'PendingWindow' } });
  });

  test('a Lazy pendingWindow reaches the key unchecked', () => {
    const stack = newStack();
    new FifoKey(stack, 'Key', { pendingWindow: Duration.days(Lazy.number({ produce: () => 10 })) });

    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', { PendingWindowInDays: 10 });
  });

  test('a rotationPeriod from a CfnParameter reaches the key unchecked (kms.Key alone would refuse it)', () => {
    const stack = newStack();
    const days = new CfnParameter(stack, 'RotationPeriod', { type: 'Number', default: 180 }).valueAsNumber;
    new FifoKey(stack, 'Key', { rotationPeriod: Duration.days(days) });

    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, RotationPeriodInDays: { Ref: 'RotationPeriod' } });
  });

  test('a token pendingWindow does not hide the other errors of the key', () => {
    const error = validationErrorOf((s) => new FifoKey(s, 'Key', {
      pendingWindow: Duration.days(new CfnParameter(s, 'PendingWindow', { type: 'Number' }).valueAsNumber),
      alias: 'alias/aws/x',
    }));

    expect(SecureFifoErrors.propsOf(error)).toEqual(['alias']);
  });
});

describe('physical names are unique per account and region, not per stack', () => {
  test('the same queue name in two stacks of one environment is refused, naming both constructs', () => {
    const app = newApp();
    new SecureFifoQueue(new Stack(app, 'One', { env: ENV }), 'Orders', { queueName: 'orders' });
    expect(() => new SecureFifoQueue(new Stack(app, 'Two', { env: ENV }), 'Orders', { queueName: 'orders' })).toThrow(
      /Two\/Orders: invalid SecureFifoQueue props:\n {2}- queueName: "orders.fifo" is not allowed; .*\(One\/Orders creates a queue named "orders.fifo"\)/,
    );
  });

  test('the same names in two accounts are fine', () => {
    const app = newApp();
    new FifoFanout(new Stack(app, 'One', { env: ENV }), 'Prices', { topicName: 'prices' }).addSubscriber('A', { queueName: 'orders' });
    expect(() => new FifoFanout(new Stack(app, 'Two', { env: { ...ENV, account: '222222222222' } }), 'Prices', { topicName: 'prices' })
      .addSubscriber('A', { queueName: 'orders' })).not.toThrow();
  });
});
