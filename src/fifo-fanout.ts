import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FifoKey } from './fifo-key';
import { SubscriptionDeliveryOptions } from './fifo-subscription';
import { IMessagingEndpoints } from './messaging-endpoints';
import { checkHighThroughput, checkIdFree, Problems } from './private/validation';
import { SecureFifoQueue, SecureFifoQueueOptions } from './secure-fifo-queue';
import { ISecureFifoTopic, SecureFifoTopic } from './secure-fifo-topic';

/**
 * Options for one subscriber of a `FifoFanout`: its queue and how SNS delivers to it.
 */
export interface FifoSubscriberOptions extends SecureFifoQueueOptions, SubscriptionDeliveryOptions {}

/**
 * Properties for a `FifoSubscriber`.
 */
export interface FifoSubscriberProps extends FifoSubscriberOptions {
  /** The topic to subscribe to. */
  readonly topic: ISecureFifoTopic;
}

/**
 * One subscriber of a FIFO topic: a `SecureFifoQueue` subscribed to the topic, whose DLQ also
 * catches what SNS could not deliver, so everything this subscriber missed sits in one queue.
 */
export class FifoSubscriber extends Construct {
  /** The subscriber's FIFO queue. */
  public readonly queue: SecureFifoQueue;
  /** The subscriber's FIFO dead-letter queue (consumer failures and SNS delivery failures). */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The SNS subscription. */
  public readonly subscription: sns.Subscription;

  constructor(scope: Construct, id: string, props: FifoSubscriberProps) {
    super(scope, id);
    const { topic, rawMessageDelivery, filterPolicy, ...queueOptions } = props;
    this.queue = new SecureFifoQueue(this, 'Queue', { ...queueOptions, encryptionKey: queueOptions.encryptionKey ?? topic.encryptionKey });
    this.deadLetterQueue = this.queue.deadLetterQueue;
    this.subscription = topic.subscribeQueue(id, this.queue, { rawMessageDelivery, filterPolicy });
  }

  /**
   * Grant receive, delete, change-visibility and `kms:Decrypt` on this subscriber's queue.
   *
   * @param grantee the consumer
   */
  public grantConsumeMessages(grantee: iam.IGrantable): iam.Grant {
    return this.queue.grantConsumeMessages(grantee);
  }
}

/**
 * Properties for a `FifoFanout`.
 */
export interface FifoFanoutProps {
  /**
   * The topic's name; `.fifo` is appended when missing.
   *
   * @default - a unique name generated from the construct path
   */
  readonly topicName?: string;

  /**
   * Let SNS derive the deduplication ID from a SHA-256 hash of the body (attributes are not hashed).
   *
   * @default false - publishers must send a `MessageDeduplicationId`
   */
  readonly contentBasedDeduplication?: boolean;

  /**
   * High-throughput mode for the topic and every queue: the topic's throughput scope becomes
   * `MESSAGE_GROUP` and each queue deduplicates per message group with a per-group throughput
   * limit. Deduplication then applies within a message group only (warning
   * `cdk-secure-fifo:dedupPerMessageGroup`).
   *
   * @default false
   */
  readonly highThroughput?: boolean;

  /**
   * Keep published messages in the topic's archive for replay (1-365 whole days).
   *
   * @default - no archive
   */
  readonly archiveRetention?: Duration;

  /**
   * The customer managed key shared by the topic, the queues and their DLQs.
   *
   * @default - a new `FifoKey`
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * An alias for the key this construct creates (ignored when `encryptionKey` is given).
   *
   * @default - no alias
   */
  readonly keyAlias?: string;

  /**
   * What happens to the queues, DLQs and the key this construct creates (not a key you pass in
   * `encryptionKey`) when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Restrict publishing and consuming to these interface VPC endpoints.
   *
   * @default - reachable through any network path (still TLS only)
   */
  readonly privateEndpoints?: IMessagingEndpoints;
}

/**
 * The blueprint for ordered, exactly-once fan-out: one customer managed key, one encrypted SNS FIFO
 * topic, and a FIFO queue with a FIFO dead-letter queue per subscriber.
 */
export class FifoFanout extends Construct {
  /** The key shared by the topic, queues and DLQs (unless a subscriber brings its own). */
  public readonly key: kms.IKey;
  /** The SNS FIFO topic. */
  public readonly topic: SecureFifoTopic;
  private readonly props: FifoFanoutProps;
  private readonly subscribers = new Map<string, FifoSubscriber>();

  constructor(scope: Construct, id: string, props: FifoFanoutProps = {}) {
    super(scope, id);
    this.props = props;
    this.key = props.encryptionKey ?? new FifoKey(this, 'Key', { alias: props.keyAlias, removalPolicy: props.removalPolicy });
    this.topic = new SecureFifoTopic(this, 'Topic', {
      topicName: props.topicName,
      encryptionKey: this.key,
      contentBasedDeduplication: props.contentBasedDeduplication,
      throughputScope: props.highThroughput ? sns.FifoThroughputScope.MESSAGE_GROUP : sns.FifoThroughputScope.TOPIC,
      archiveRetention: props.archiveRetention,
      privateEndpoints: props.privateEndpoints,
    });
  }

  /** The subscribers added so far. */
  public get subscriberList(): FifoSubscriber[] {
    return [...this.subscribers.values()];
  }

  /**
   * Add a subscriber: a FIFO queue (and DLQ) subscribed to the topic.
   *
   * @param id construct id, unique within this fan-out
   * @param options the queue and subscription options
   */
  public addSubscriber(id: string, options: FifoSubscriberOptions = {}): FifoSubscriber {
    const highThroughput = this.props.highThroughput ?? false;
    const problems = new Problems();
    if (checkIdFree(problems, this, id)) {
      checkIdFree(problems, this.topic, id, `${id}DeadLetterQueue`);
    }
    checkHighThroughput(problems, {
      perMessageGroupLimit: false,
      messageGroupScope: false,
      queueScopeGiven: options.deduplicationScope === sqs.DeduplicationScope.QUEUE,
      perQueueGiven: options.fifoThroughputLimit === sqs.FifoThroughputLimit.PER_QUEUE,
    }, highThroughput);
    problems.throwIfAny(this, `addSubscriber("${id}")`);

    const subscriber = new FifoSubscriber(this, id, {
      ...options,
      topic: this.topic,
      removalPolicy: options.removalPolicy ?? this.props.removalPolicy,
      privateEndpoints: options.privateEndpoints ?? this.props.privateEndpoints,
      deduplicationScope: options.deduplicationScope ?? (highThroughput ? sqs.DeduplicationScope.MESSAGE_GROUP : undefined),
      fifoThroughputLimit: options.fifoThroughputLimit ?? (highThroughput ? sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID : undefined),
    });
    this.subscribers.set(id, subscriber);
    return subscriber;
  }
}
