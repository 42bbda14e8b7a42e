import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FifoKey } from './fifo-key';
import { QueueOptions } from './fifo-subscription';
import { ISecureFifoQueue } from './interfaces';
import { acknowledgeTerminalDeadLetterQueue } from './private/compliance';
import { checkRetireOwnKey, sharesKeyOfTopic, warnKeyChangeNotStaged, warnOwnKeyLeaves } from './private/key-change';
import { claimPhysicalName, deadLetterFifoName, queueArnFromName, queueFifoName } from './private/names';
import { checkPendingKeys, pendingKeysOf, setPendingKeys, withPendingKeys } from './private/pending-keys';
import { checkCustomerKey, narrowKeyActions } from './private/policies';
import { checkEndpointFor } from './private/private-endpoints';
import { shareQueuePolicy } from './private/queue-policy';
import { checkRetiredKeys, grantDecryptOnRetiredKeys, isConsumerKeyGrant, noteRetiredKeyUse, queueUse, retiredKeysOf, setRetiredKeys } from './private/retired-keys';
import { SharedPolicyQueue } from './private/shared-policy-queue';
import {
  checkFifoName,
  checkHighThroughput,
  checkIntRange,
  checkRemovalPolicy,
  checkSecondsRange,
  DATA_KEY_REUSE_SECONDS,
  DEAD_LETTER_RETENTION,
  MAX_RECEIVE_COUNT,
  Problems,
  QUEUE_NAME_MAX,
  RETENTION_SECONDS,
  VISIBILITY_TIMEOUT_SECONDS,
} from './private/validation';

/**
 * Options for an SQS FIFO queue and its dead-letter queue, shared by `SecureFifoQueue` and
 * `FifoFanout.addSubscriber`.
 */
export interface SecureFifoQueueOptions extends QueueOptions {
  /**
   * The queue's name; `.fifo` is appended when missing (always to a token such as a CfnParameter).
   * The DLQ is named `<name>-dlq.fifo`, or gets a generated `...-dlq.fifo` name when that would
   * exceed 80 characters.
   *
   * @default - a unique name generated from the construct path
   */
  readonly queueName?: string;

  /**
   * Whether the queue deduplicates across the queue or per message group. High throughput needs
   * `MESSAGE_GROUP` together with `fifoThroughputLimit: PER_MESSAGE_GROUP_ID`.
   *
   * @default sqs.DeduplicationScope.QUEUE
   */
  readonly deduplicationScope?: sqs.DeduplicationScope;

  /**
   * Whether the throughput quota applies per queue or per message group. `PER_MESSAGE_GROUP_ID`
   * requires `deduplicationScope: MESSAGE_GROUP`.
   *
   * @default sqs.FifoThroughputLimit.PER_QUEUE
   */
  readonly fifoThroughputLimit?: sqs.FifoThroughputLimit;

  /**
   * Deduplicate direct `SendMessage` calls on a hash of the body. Deliveries from an SNS FIFO
   * topic carry the topic's deduplication ID and do not need it.
   *
   * @default false
   */
  readonly contentBasedDeduplication?: boolean;
}

/**
 * Properties for a `SecureFifoQueue`.
 */
export interface SecureFifoQueueProps extends SecureFifoQueueOptions {}

/**
 * An SQS FIFO queue with a FIFO dead-letter queue, both encrypted with a customer managed key,
 * TLS only and retained by default. The DLQ accepts redrives from this queue only and keeps
 * messages for 14 days.
 *
 * It is an `sqs.IQueue`, so it works wherever aws-cdk-lib expects a queue (event sources, alarms,
 * monitoring libraries). `node.defaultChild` is the queue's `sqs.CfnQueue`.
 */
export class SecureFifoQueue extends sqs.QueueBase implements ISecureFifoQueue {
  /** How long a DLQ keeps messages: the SQS maximum. */
  public static readonly DEAD_LETTER_RETENTION: Duration = DEAD_LETTER_RETENTION;

  /** The dead-letter queue: receives what consumers failed `maxReceiveCount` times, and what SNS could not deliver. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The one resource policy of the queue and its DLQ. */
  public readonly resourcePolicy: sqs.QueuePolicy;
  /** Receives before a message moves to the DLQ. */
  public readonly maxReceiveCount: number;
  /** The queue's ARN. */
  public readonly queueArn: string;
  /** The queue's URL. */
  public readonly queueUrl: string;
  /** The queue's name, ending in `.fifo` (plain text when given or generated at synth). */
  public readonly queueName: string;
  /** The customer managed key that encrypts the queue and its DLQ (always set; optional only as in `sqs.IQueue`). */
  public readonly encryptionMasterKey?: kms.IKey;
  /** Always `KMS`. */
  public readonly encryptionType?: sqs.QueueEncryption = sqs.QueueEncryption.KMS;
  /** Always true. */
  public readonly fifo: boolean = true;
  protected readonly autoCreatePolicy = false;
  private readonly inner: sqs.Queue;
  private readonly offEndpointRoles: iam.IRole[] = [];

  constructor(scope: Construct, id: string, props: SecureFifoQueueProps = {}) {
    super(scope, id);

    const queueName = queueFifoName(this, props.queueName);
    const deadLetterName = deadLetterFifoName(this, queueName);
    const problems = new Problems();
    // The DLQ's name is derived from a valid queue name and always fits (see deadLetterFifoName), so
    // only the queue's name is checked: a bad name is reported once.
    checkFifoName(problems, 'queueName', queueName, QUEUE_NAME_MAX);
    claimPhysicalName(problems, this, 'queue', 'queueName', queueName);
    claimPhysicalName(problems, this, 'queue', 'queueName (its dead-letter queue)', deadLetterName);
    checkIntRange(problems, 'maxReceiveCount', props.maxReceiveCount, MAX_RECEIVE_COUNT);
    checkSecondsRange(problems, 'visibilityTimeout', props.visibilityTimeout, VISIBILITY_TIMEOUT_SECONDS, '0 seconds to 12 hours');
    checkSecondsRange(problems, 'retentionPeriod', props.retentionPeriod, RETENTION_SECONDS, '1 minute to 14 days');
    checkSecondsRange(problems, 'dataKeyReuse', props.dataKeyReuse, DATA_KEY_REUSE_SECONDS, '1 minute to 24 hours');
    checkCustomerKey(problems, this, 'encryptionKey', props.encryptionKey);
    checkRetiredKeys(problems, 'retiredKeys', props.retiredKeys, props.encryptionKey);
    // A FifoSubscriber in its topic's stack passes the topic's key: the queue has no key of its own then.
    const hasOwnKey = !sharesKeyOfTopic(this);
    checkRetireOwnKey(problems, this, 'Key', props, hasOwnKey);
    checkPendingKeys(problems, 'pendingKeys', props.pendingKeys, props.encryptionKey, props.retiredKeys);
    checkHighThroughput(problems, { deduplicationScope: props.deduplicationScope, fifoThroughputLimit: props.fifoThroughputLimit });
    checkEndpointFor(problems, 'SQS', props.privateEndpoints);
    checkRemovalPolicy(problems, 'removalPolicy', props.removalPolicy);
    problems.throwIfAny(this, 'SecureFifoQueue');
    warnOwnKeyLeaves(this, 'Key', props, hasOwnKey);

    // The own key stays at `<queue>/Key`, so at its logical ID, when it is retired.
    const ownKey = props.encryptionKey === undefined || props.retireOwnKey ? new FifoKey(this, 'Key') : undefined;
    const key = props.encryptionKey ?? ownKey!;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.maxReceiveCount = props.maxReceiveCount ?? 5;
    const common: sqs.QueueProps = {
      fifo: true,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      dataKeyReuse: props.dataKeyReuse,
      deduplicationScope: props.deduplicationScope,
      fifoThroughputLimit: props.fifoThroughputLimit,
      removalPolicy,
    };

    // The DLQ admits redrives from this queue only. Its ARN is built from the queue's name: a
    // reference to the queue would form a Queue<->DLQ cycle through the queue's RedrivePolicy.
    const source = sqs.Queue.fromQueueAttributes(this, 'RedriveSource', {
      queueArn: queueArnFromName(this, queueName),
      queueName,
      fifo: true,
    });
    const deadLetterQueue = new SharedPolicyQueue(this, 'DeadLetterQueue', {
      ...common,
      queueName: deadLetterName,
      retentionPeriod: SecureFifoQueue.DEAD_LETTER_RETENTION,
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.BY_QUEUE, sourceQueues: [source] },
    });
    acknowledgeTerminalDeadLetterQueue(deadLetterQueue);
    this.deadLetterQueue = deadLetterQueue;

    // The L2 stays at its construct path ('Resource'), so the CfnQueue keeps its logical ID.
    const queue = new SharedPolicyQueue(this, 'Resource', {
      ...common,
      queueName,
      contentBasedDeduplication: props.contentBasedDeduplication,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: props.retentionPeriod,
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: this.maxReceiveCount },
    });
    this.inner = queue;
    this.node.defaultChild = queue.node.defaultChild;

    this.resourcePolicy = shareQueuePolicy(
      this,
      [queue, deadLetterQueue],
      [queueArnFromName(this, queueName), queueArnFromName(this, deadLetterName)],
      props.privateEndpoints,
      () => this.offEndpointRoles,
    );

    this.queueArn = queue.queueArn;
    this.queueUrl = queue.queueUrl;
    this.queueName = queueName;
    this.encryptionMasterKey = key;

    props.privateEndpoints?.allowKey(key);

    const retiredKeys = [...new Set([...(props.retiredKeys ?? []), ...(props.encryptionKey && ownKey ? [ownKey] : [])])];
    const pendingKeys = [...new Set(props.pendingKeys ?? [])];
    for (const q of [this, queue, deadLetterQueue]) {
      setRetiredKeys(q, retiredKeys);
      setPendingKeys(q, pendingKeys);
    }
    for (const pending of pendingKeys) {
      props.privateEndpoints?.allowKey(pending);
    }
    warnKeyChangeNotStaged(this, key, retiredKeys, key === ownKey);
    for (const retired of retiredKeys) {
      noteRetiredKeyUse(retired, queueUse(`queue ${this.node.path}`, true, props.retentionPeriod ?? Duration.days(4)));
    }
  }

  /**
   * Let a role receive, delete and change visibility outside the private endpoints. Use it for the role of a
   * Lambda function that consumes this queue through an event source mapping: Lambda polls from
   * outside your VPC, with the function's role. Has no effect without `privateEndpoints`.
   *
   * @param role the role to exempt from the endpoint-only statement
   */
  public allowOutsideEndpoints(role: iam.IRole): void {
    this.offEndpointRoles.push(role);
  }

  /**
   * Adds a statement to the resource policy shared by the queue and its DLQ.
   */
  public addToResourcePolicy(statement: iam.PolicyStatement): iam.AddToResourcePolicyResult {
    return this.inner.addToResourcePolicy(statement);
  }

  /**
   * Used by every `grant*` method and by `grants.*`: grants on the queue's key only what SQS calls
   * for SSE-KMS, `kms:GenerateDataKey` and `kms:Decrypt` for producers and `kms:Decrypt` for
   * consumers (aws-cdk-lib also asks for `kms:Encrypt`, `kms:ReEncrypt*` and `kms:GenerateDataKey*`);
   * a consumer also gets `kms:Decrypt` on the `retiredKeys`, and every grant is made on the
   * `pendingKeys` too.
   */
  public grantOnKey(grantee: iam.IGrantable, ...actions: string[]): iam.GrantOnKeyResult {
    // Every grant on the key is made on the pending keys too (`pendingKeys`), with the same actions.
    const result = withPendingKeys(super.grantOnKey(grantee, ...narrowKeyActions(actions)), grantee, pendingKeysOf(this), actions);
    // A consumer also reads messages written under the retired keys (`retiredKeys`).
    const retired = isConsumerKeyGrant(actions) ? grantDecryptOnRetiredKeys(grantee, retiredKeysOf(this)) : undefined;
    return retired ? { grant: result.grant ? result.grant.combine(retired) : retired } : result;
  }
}
