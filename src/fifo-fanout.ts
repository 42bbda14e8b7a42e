import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ValidationErrorCode } from './errors';
import { FifoKey } from './fifo-key';
import { IFifoTopicSubscriber, IMessagingEndpoints, ISecureFifoTopic } from './interfaces';
import { DeliveryStatusLoggingOptions, SubscriptionDeliveryOptions } from './options';
import { checkRetireOwnKey, markSharesTopicKey, warnKeyChangeNotStaged, warnOwnKeyLeaves } from './private/key-change';
import { topicPolicyArn } from './private/names';
import { admitSnsOnPendingKeys, checkPendingKeys, setPendingKeys } from './private/pending-keys';
import { archiveUse, checkRetiredKeys, keepSnsOnRetiredKeys, noteRetiredKeyUse, topicUse } from './private/retired-keys';
import { sameStackKey, subscribeFifoQueue } from './private/subscription';
import { checkHighThroughput, checkIdFree, checkKeyAlias, checkRemovalPolicy, Problems } from './private/validation';
import { SecureFifoQueue, SecureFifoQueueOptions } from './secure-fifo-queue';
import { SecureFifoTopic } from './secure-fifo-topic';
import { StandardSubscriber, StandardSubscriberOptions } from './standard-subscriber';
import { TopicSubscriberBase } from './topic-subscriber-base';

/**
 * Options for one subscriber of a `FifoFanout`: its queue and how SNS delivers to it.
 */
export interface FifoSubscriberOptions extends SecureFifoQueueOptions, SubscriptionDeliveryOptions {}

/**
 * Properties for a `FifoSubscriber`.
 */
export interface FifoSubscriberProps extends FifoSubscriberOptions {
  /** The topic to subscribe to: a `SecureFifoTopic` of this app, or one imported with `SecureFifoTopic.fromTopicAttributes`. */
  readonly topic: ISecureFifoTopic;
}

/**
 * One subscriber of a FIFO topic: a `SecureFifoQueue` subscribed to the topic, whose DLQ also
 * catches what SNS could not deliver, so everything this subscriber missed sits in one queue.
 *
 * It can live in any stack of the topic's region, in the topic's account or another one: the
 * queue, its DLQ, its key (unless it shares the topic's) and the subscription are all created here,
 * so this stack depends on the topic's stack and never the reverse.
 */
export class FifoSubscriber extends TopicSubscriberBase {
  /** The subscriber's FIFO queue: a `SecureFifoQueue` (with its dead-letter queue). */
  public readonly queue: sqs.IQueue;
  /** The subscriber's FIFO dead-letter queue (consumer failures and SNS delivery failures). */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The same queue as `deadLetterQueue`: SNS delivery failures land next to consumer failures. */
  public readonly deliveryDeadLetterQueue: sqs.IQueue;
  /** The SNS subscription. */
  public readonly subscription: sns.Subscription;
  /** Always true. */
  public readonly fifo = true;
  /** Receives before a message moves to the DLQ. */
  public readonly maxReceiveCount: number;
  /** How long a received message stays hidden: consumers must delete it within this. */
  public readonly visibilityTimeout: Duration;
  /** How long SQS keeps a message in the queue. */
  public readonly retentionPeriod: Duration;
  private readonly secureQueue: SecureFifoQueue;

  constructor(scope: Construct, id: string, props: FifoSubscriberProps) {
    super(scope, id);
    const { topic, rawMessageDelivery, filterPolicy, filterPolicyWithMessageBody, ...queueOptions } = props;
    if (sameStackKey(topic, this) !== undefined) {
      // By default the queue takes the topic's key: it has no key of its own (to retire).
      markSharesTopicKey(this);
    }
    this.secureQueue = new SecureFifoQueue(this, 'Queue', { ...queueOptions, encryptionKey: queueOptions.encryptionKey ?? sameStackKey(topic, this) });
    this.queue = this.secureQueue;
    this.maxReceiveCount = this.secureQueue.maxReceiveCount;
    this.visibilityTimeout = queueOptions.visibilityTimeout ?? Duration.seconds(30);
    this.retentionPeriod = queueOptions.retentionPeriod ?? Duration.days(4);
    this.deadLetterQueue = this.secureQueue.deadLetterQueue;
    this.deliveryDeadLetterQueue = this.secureQueue.deadLetterQueue;
    this.subscription = subscribeFifoQueue(topic, this, 'Subscription', this.queue, {
      rawMessageDelivery,
      filterPolicy,
      filterPolicyWithMessageBody,
    }, (s, i) => new FifoKey(s, i));
  }

  /**
   * Let a role receive, delete and change visibility outside the private endpoints (e.g. the role
   * of a Lambda function: its event source mapping polls from outside your VPC).
   *
   * @param role the role to exempt
   */
  public allowOutsideEndpoints(role: iam.IRole): void {
    this.secureQueue.allowOutsideEndpoints(role);
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
   * Keys that encrypted the topic, queues and DLQs before a key change (for example the fan-out's own
   * `FifoKey` after moving to an organization key). They never encrypt again; they keep their SNS key
   * statements for this topic, every consumer grant of every subscriber on the fan-out's key also gets
   * `kms:Decrypt` on them, and warning `cdk-secure-fifo:retiredKey` says how long each must stay. See
   * the README runbook "Change the key of a running fan-out".
   *
   * @default - no retired keys
   */
  readonly retiredKeys?: kms.IKey[];

  /**
   * Keys the topic, queues and DLQs will switch to in a later deploy (step 1 of the README runbook
   * "Change the key of a running fan-out"). They never encrypt: publishers, consumers, producers,
   * Lambda consumers and redrive operators of the fan-out's key get them too, with the same KMS
   * actions, and SNS is admitted to them for the topic, so that the deploy that switches to one
   * (`encryptionKey`) finds every caller already granted.
   *
   * @default - no pending keys
   */
  readonly pendingKeys?: kms.IKey[];

  /**
   * With `encryptionKey`: keep the fan-out's own key (`<fan-out>/Key`, and its `keyAlias`) in the
   * stack at its logical ID as a retired key, so that the backlog under it stays readable (step 2 of
   * the README runbook). Keep `keyAlias` as it was so the alias stays too.
   *
   * @default false - with `encryptionKey`, the fan-out creates no key
   */
  readonly retireOwnKey?: boolean;

  /**
   * An alias for the key this construct creates (`alias/` is prepended when missing). Not allowed
   * together with `encryptionKey`, unless `retireOwnKey` keeps that key.
   *
   * @default - no alias
   */
  readonly keyAlias?: string;

  /**
   * What happens to the queues, DLQs, the key this construct creates (not a key you pass in
   * `encryptionKey`) and the topic when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN (the topic: retained with `archiveRetention`, else deleted)
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Restrict publishing and consuming to these interface VPC endpoints.
   *
   * @default - reachable through any network path (still TLS only)
   */
  readonly privateEndpoints?: IMessagingEndpoints;

  /**
   * Log the topic's delivery status to its queues in CloudWatch Logs (see
   * `SecureFifoTopicProps.deliveryStatusLogging`). Security Hub control SNS.2 requires it.
   *
   * @default - no delivery-status logging
   */
  readonly deliveryStatusLogging?: DeliveryStatusLoggingOptions;
}

/**
 * The blueprint for ordered, exactly-once fan-out: one customer managed key, one encrypted SNS FIFO
 * topic, and a FIFO queue with a FIFO dead-letter queue per subscriber.
 */
export class FifoFanout extends Construct {
  /** The customer managed key shared by the topic, queues and DLQs (unless a subscriber brings its own). */
  public readonly encryptionKey: kms.IKey;
  /** The SNS FIFO topic. */
  public readonly topic: SecureFifoTopic;
  private readonly props: FifoFanoutProps;
  private readonly retiredKeys: kms.IKey[];
  private readonly pendingKeys: kms.IKey[];
  private readonly subscriberMap = new Map<string, IFifoTopicSubscriber>();

  constructor(scope: Construct, id: string, props: FifoFanoutProps = {}) {
    super(scope, id);
    this.props = props;
    const problems = new Problems();
    checkKeyAlias(problems, 'keyAlias', props.keyAlias);
    checkRemovalPolicy(problems, 'removalPolicy', props.removalPolicy);
    if (props.keyAlias !== undefined && props.encryptionKey !== undefined && !props.retireOwnKey) {
      problems.add(ValidationErrorCode.KEY_ALIAS_WITH_KEY, 'keyAlias', props.keyAlias, 'allowed: unset when encryptionKey is given (the alias would name a key this construct does not create), or with retireOwnKey (the alias stays on the retired own key)');
    }
    checkRetiredKeys(problems, 'retiredKeys', props.retiredKeys, props.encryptionKey);
    checkRetireOwnKey(problems, this, 'Key', props, true);
    checkPendingKeys(problems, 'pendingKeys', props.pendingKeys, props.encryptionKey, props.retiredKeys);
    problems.throwIfAny(this, 'FifoFanout');
    warnOwnKeyLeaves(this, 'Key', props, true);
    // The own key stays at `<fan-out>/Key` (so at its logical ID, with its alias at `Key/Alias`) when it is retired.
    const ownKey = props.encryptionKey === undefined || props.retireOwnKey
      ? new FifoKey(this, 'Key', { alias: props.keyAlias, removalPolicy: props.removalPolicy })
      : undefined;
    this.encryptionKey = props.encryptionKey ?? ownKey!;
    this.retiredKeys = [...new Set([...(props.retiredKeys ?? []), ...(props.encryptionKey && ownKey ? [ownKey] : [])])];
    this.pendingKeys = [...new Set(props.pendingKeys ?? [])];
    this.topic = new SecureFifoTopic(this, 'Topic', {
      topicName: props.topicName,
      encryptionKey: this.encryptionKey,
      contentBasedDeduplication: props.contentBasedDeduplication,
      throughputScope: props.highThroughput ? sns.FifoThroughputScope.MESSAGE_GROUP : sns.FifoThroughputScope.TOPIC,
      archiveRetention: props.archiveRetention,
      removalPolicy: props.removalPolicy,
      privateEndpoints: props.privateEndpoints,
      deliveryStatusLogging: props.deliveryStatusLogging,
    });
    const topicArn = topicPolicyArn(this.topic);
    keepSnsOnRetiredKeys(this, this.retiredKeys, topicArn);
    for (const retired of this.retiredKeys) {
      noteRetiredKeyUse(retired, topicUse(`topic ${this.topic.node.path}`));
      if (props.archiveRetention) {
        noteRetiredKeyUse(retired, archiveUse(`archive of ${this.topic.node.path}`, props.archiveRetention));
      }
    }
    // Publishers of the topic get the pending keys with the actions they get on the current key.
    setPendingKeys(this.topic, this.pendingKeys);
    admitSnsOnPendingKeys(this, this.pendingKeys, topicArn);
    for (const key of this.pendingKeys) {
      props.privateEndpoints?.allowKey(key);
    }
    warnKeyChangeNotStaged(this, this.encryptionKey, this.retiredKeys, props.encryptionKey === undefined);
  }

  /** The subscribers added so far (FIFO and standard), in the order they were added. */
  public get subscribers(): IFifoTopicSubscriber[] {
    return [...this.subscriberMap.values()];
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
    checkIdFree(problems, this, id);
    if (highThroughput) {
      checkHighThroughput(problems, { ...options, fanoutHighThroughput: true });
    }
    problems.throwIfAny(this, `addSubscriber("${id}")`);

    const subscriber = new FifoSubscriber(this, id, {
      ...options,
      topic: this.topic,
      retiredKeys: this.retiredKeysFor(options),
      pendingKeys: this.pendingKeysFor(options),
      removalPolicy: options.removalPolicy ?? this.props.removalPolicy,
      privateEndpoints: options.privateEndpoints ?? this.props.privateEndpoints,
      deduplicationScope: options.deduplicationScope ?? (highThroughput ? sqs.DeduplicationScope.MESSAGE_GROUP : undefined),
      fifoThroughputLimit: options.fifoThroughputLimit ?? (highThroughput ? sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID : undefined),
    });
    this.subscriberMap.set(id, subscriber);
    return subscriber;
  }

  /**
   * Add a standard-queue subscriber: every update, at least once, in best-effort order (warning
   * `cdk-secure-fifo:standardQueueAtLeastOnce`), for consumers such as analytics that do not need
   * the FIFO guarantees. See `StandardSubscriber` for what it builds.
   *
   * @param id construct id, unique within this fan-out
   * @param options the queue and subscription options
   */
  public addStandardSubscriber(id: string, options: StandardSubscriberOptions = {}): StandardSubscriber {
    const problems = new Problems();
    checkIdFree(problems, this, id);
    problems.throwIfAny(this, `addStandardSubscriber("${id}")`);
    const subscriber = new StandardSubscriber(this, id, {
      ...options,
      topic: this.topic,
      retiredKeys: this.retiredKeysFor(options),
      pendingKeys: this.pendingKeysFor(options),
      removalPolicy: options.removalPolicy ?? this.props.removalPolicy,
      privateEndpoints: options.privateEndpoints ?? this.props.privateEndpoints,
    });
    this.subscriberMap.set(id, subscriber);
    return subscriber;
  }

  /** A subscriber's retired keys: its own, and the fan-out's (its own key too, when retired) when it uses the fan-out's key. */
  private retiredKeysFor(options: { encryptionKey?: kms.IKey; retiredKeys?: kms.IKey[] }): kms.IKey[] | undefined {
    const inherited = options.encryptionKey === undefined ? this.retiredKeys : [];
    const all = [...new Set([...inherited, ...(options.retiredKeys ?? [])])];
    return all.length > 0 ? all : undefined;
  }

  /** A subscriber's pending keys: its own, and the fan-out's when it uses the fan-out's key. */
  private pendingKeysFor(options: { encryptionKey?: kms.IKey; pendingKeys?: kms.IKey[] }): kms.IKey[] | undefined {
    const inherited = options.encryptionKey === undefined ? this.pendingKeys : [];
    const all = [...new Set([...inherited, ...(options.pendingKeys ?? [])])];
    return all.length > 0 ? all : undefined;
  }
}
