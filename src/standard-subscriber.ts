import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FifoKey } from './fifo-key';
import { QueueOptions } from './fifo-subscription';
import { ISecureFifoTopic } from './interfaces';
import { SubscriptionDeliveryOptions } from './options';
import { acknowledgeSubscriptionDeadLetterQueue, acknowledgeTerminalDeadLetterQueue } from './private/compliance';
import { checkRetireOwnKey, warnKeyChangeNotStaged, warnOwnKeyLeaves } from './private/key-change';
import { claimPhysicalName, deliveryDeadLetterName, queueArnFromName, STANDARD_QUEUE_NAME_MAX, standardDeadLetterName, standardQueueName } from './private/names';
import { checkPendingKeys, setPendingKeys } from './private/pending-keys';
import { checkCustomerKey } from './private/policies';
import { checkEndpointFor } from './private/private-endpoints';
import { shareQueuePolicy } from './private/queue-policy';
import { checkRetiredKeys, noteRetiredKeyUse, queueUse, setRetiredKeys } from './private/retired-keys';
import { SharedPolicyQueue } from './private/shared-policy-queue';
import { sameStackKey, subscribeFifoQueue } from './private/subscription';
import {
  checkIntRange,
  checkRemovalPolicy,
  checkSecondsRange,
  checkStandardName,
  DATA_KEY_REUSE_SECONDS,
  DEAD_LETTER_RETENTION,
  MAX_RECEIVE_COUNT,
  Problems,
  RETENTION_SECONDS,
  VISIBILITY_TIMEOUT_SECONDS,
} from './private/validation';
import { TopicSubscriberBase } from './topic-subscriber-base';

/**
 * Options for a standard-queue subscriber of a FIFO topic.
 */
export interface StandardSubscriberOptions extends QueueOptions, SubscriptionDeliveryOptions {
  /**
   * The standard queue's name (1-62 characters, no `.fifo`). Its DLQs are `<name>-dlq` (standard,
   * consumer failures) and `<name>-delivery-dlq.fifo` (FIFO, SNS delivery failures).
   *
   * @default - a unique name generated from the construct path
   */
  readonly queueName?: string;
}

/**
 * Properties for a `StandardSubscriber`.
 */
export interface StandardSubscriberProps extends StandardSubscriberOptions {
  /** The FIFO topic to subscribe to. */
  readonly topic: ISecureFifoTopic;
}

/**
 * A standard-queue subscriber of a FIFO topic, for consumers that want every update but not the
 * FIFO guarantees (analytics, search indexing). SNS delivers to a standard queue at least once, in
 * best-effort order, without the message group ID (warning
 * `cdk-secure-fifo:standardQueueAtLeastOnce`).
 *
 * It builds a standard queue encrypted with a customer managed key; a standard DLQ for messages
 * consumers failed `maxReceiveCount` times (SQS requires a standard queue's DLQ to be standard); a
 * FIFO DLQ for messages SNS could not deliver (SNS requires a FIFO DLQ for a FIFO topic's
 * subscriptions); one TLS-only policy for the three; and the subscription. Five resources.
 */
export class StandardSubscriber extends TopicSubscriberBase {
  /** The standard queue. */
  public readonly queue: sqs.IQueue;
  /** The standard DLQ: messages consumers failed `maxReceiveCount` times. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The FIFO DLQ: messages SNS could not deliver to the queue. */
  public readonly deliveryDeadLetterQueue: sqs.IQueue;
  /** The SNS subscription. */
  public readonly subscription: sns.Subscription;
  /** The one resource policy of the queue and its DLQs. */
  public readonly resourcePolicy: sqs.QueuePolicy;
  /** Receives before a message moves to the standard DLQ. */
  public readonly maxReceiveCount: number;
  /** How long a received message stays hidden: consumers must delete it within this. */
  public readonly visibilityTimeout: Duration;
  /** How long SQS keeps a message in the queue. */
  public readonly retentionPeriod: Duration;
  /** Always false. */
  public readonly fifo = false;
  private readonly offEndpointRoles: iam.IRole[] = [];

  constructor(scope: Construct, id: string, props: StandardSubscriberProps) {
    super(scope, id);
    const queueName = standardQueueName(this, props.queueName);
    const problems = new Problems();
    checkStandardName(problems, 'queueName', queueName, STANDARD_QUEUE_NAME_MAX);
    claimPhysicalName(problems, this, 'queue', 'queueName', queueName);
    claimPhysicalName(problems, this, 'queue', 'queueName (its dead-letter queue)', standardDeadLetterName(queueName));
    claimPhysicalName(problems, this, 'queue', 'queueName (its delivery dead-letter queue)', deliveryDeadLetterName(queueName));
    checkIntRange(problems, 'maxReceiveCount', props.maxReceiveCount, MAX_RECEIVE_COUNT);
    checkSecondsRange(problems, 'visibilityTimeout', props.visibilityTimeout, VISIBILITY_TIMEOUT_SECONDS, '0 seconds to 12 hours');
    checkSecondsRange(problems, 'retentionPeriod', props.retentionPeriod, RETENTION_SECONDS, '1 minute to 14 days');
    checkSecondsRange(problems, 'dataKeyReuse', props.dataKeyReuse, DATA_KEY_REUSE_SECONDS, '1 minute to 24 hours');
    checkCustomerKey(problems, this, 'encryptionKey', props.encryptionKey);
    checkEndpointFor(problems, 'SQS', props.privateEndpoints);
    checkRemovalPolicy(problems, 'removalPolicy', props.removalPolicy);
    const topicKey = sameStackKey(props.topic, this);
    checkRetiredKeys(problems, 'retiredKeys', props.retiredKeys, props.encryptionKey ?? topicKey);
    // In its topic's stack the subscriber shares the topic's key: it has no key of its own then.
    const hasOwnKey = topicKey === undefined;
    checkRetireOwnKey(problems, this, 'Key', props, hasOwnKey);
    checkPendingKeys(problems, 'pendingKeys', props.pendingKeys, props.encryptionKey ?? topicKey, props.retiredKeys);
    problems.throwIfAny(this, 'StandardSubscriber');
    warnOwnKeyLeaves(this, 'Key', props, hasOwnKey);

    // The own key stays at `<subscriber>/Key`, so at its logical ID, when it is retired.
    const ownKey = hasOwnKey && (props.encryptionKey === undefined || props.retireOwnKey) ? new FifoKey(this, 'Key') : undefined;
    const key = props.encryptionKey ?? topicKey ?? ownKey!;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.maxReceiveCount = props.maxReceiveCount ?? 5;
    this.visibilityTimeout = props.visibilityTimeout ?? Duration.seconds(30);
    this.retentionPeriod = props.retentionPeriod ?? Duration.days(4);
    const common: sqs.QueueProps = { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key, dataKeyReuse: props.dataKeyReuse, removalPolicy };
    const deadLetterName = standardDeadLetterName(queueName);
    const deliveryName = deliveryDeadLetterName(queueName);

    // The standard DLQ admits redrives from this queue only (ARN built from the name: no cycle).
    const source = sqs.Queue.fromQueueAttributes(this, 'RedriveSource', { queueArn: queueArnFromName(this, queueName), queueName, fifo: false });
    const deadLetterQueue = new SharedPolicyQueue(this, 'DeadLetterQueue', {
      ...common,
      queueName: deadLetterName,
      retentionPeriod: DEAD_LETTER_RETENTION,
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.BY_QUEUE, sourceQueues: [source] },
    });
    // Only SNS writes here (the subscription's RedrivePolicy). Its redrive-allow policy names the
    // subscriber's queue, which SQS can never make use of (a standard queue's DLQ must be standard):
    // no SQS queue can redrive into it, and it is recognizably a DLQ (Control Tower CT.SQS.PR.1).
    const sourceQueue = sqs.Queue.fromQueueAttributes(this, 'DeliverySource', { queueArn: queueArnFromName(this, queueName), queueName, fifo: false });
    const deliveryDeadLetterQueue = new SharedPolicyQueue(this, 'DeliveryDeadLetterQueue', {
      ...common,
      fifo: true,
      queueName: deliveryName,
      retentionPeriod: DEAD_LETTER_RETENTION,
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.BY_QUEUE, sourceQueues: [sourceQueue] },
    });
    const queue = new SharedPolicyQueue(this, 'Queue', {
      ...common,
      queueName,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: props.retentionPeriod,
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: this.maxReceiveCount },
    });
    acknowledgeTerminalDeadLetterQueue(deadLetterQueue);
    acknowledgeSubscriptionDeadLetterQueue(deliveryDeadLetterQueue);
    this.queue = queue;
    this.deadLetterQueue = deadLetterQueue;
    this.deliveryDeadLetterQueue = deliveryDeadLetterQueue;

    this.resourcePolicy = shareQueuePolicy(
      this,
      [queue, deadLetterQueue, deliveryDeadLetterQueue],
      [queueName, deadLetterName, deliveryName].map((name) => queueArnFromName(this, name)),
      props.privateEndpoints,
      () => this.offEndpointRoles,
    );
    props.privateEndpoints?.allowKey(key);
    const retiredKeys = [...new Set([...(props.retiredKeys ?? []), ...(props.encryptionKey && ownKey ? [ownKey] : [])])];
    const pendingKeys = [...new Set(props.pendingKeys ?? [])];
    for (const q of [queue, deadLetterQueue, deliveryDeadLetterQueue]) {
      setRetiredKeys(q, retiredKeys);
      setPendingKeys(q, pendingKeys);
    }
    for (const pending of pendingKeys) {
      props.privateEndpoints?.allowKey(pending);
    }
    warnKeyChangeNotStaged(this, key, retiredKeys, key === ownKey);

    this.subscription = subscribeFifoQueue(props.topic, this, 'Subscription', queue, {
      rawMessageDelivery: props.rawMessageDelivery,
      filterPolicy: props.filterPolicy,
      filterPolicyWithMessageBody: props.filterPolicyWithMessageBody,
      deadLetterQueue: deliveryDeadLetterQueue,
    }, (s, i) => new FifoKey(s, i));

    for (const retired of retiredKeys) {
      noteRetiredKeyUse(retired, queueUse(`queue ${queue.node.path}`, false, this.retentionPeriod));
    }
  }

  /**
   * Let a role receive, delete and change visibility outside the private endpoints (e.g. the role
   * of a Lambda function: its event source mapping polls from outside your VPC).
   *
   * @param role the role to exempt
   */
  public allowOutsideEndpoints(role: iam.IRole): void {
    this.offEndpointRoles.push(role);
  }
}
