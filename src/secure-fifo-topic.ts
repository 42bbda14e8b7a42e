import { Annotations, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FifoKey } from './fifo-key';
import { SubscribeQueueOptions } from './fifo-subscription';
import { IMessagingEndpoints } from './messaging-endpoints';
import { topicArnFromName, topicFifoName } from './private/names';
import { checkCustomerKey, PUBLISHER_KEY_ACTIONS, WARNING } from './private/policies';
import { checkEndpointFor, restrictTopicToEndpoint } from './private/private-endpoints';
import { subscribeFifoQueue } from './private/subscription';
import { ARCHIVE_DAYS, checkDaysRange, checkFifoName, checkFifoTracing, checkIdFree, checkSignatureVersion, Problems, TOPIC_NAME_MAX } from './private/validation';

/**
 * Properties for a `SecureFifoTopic`.
 */
export interface SecureFifoTopicProps {
  /**
   * The topic's name; `.fifo` is appended when missing (always to a token such as a CfnParameter).
   * The name is fixed at creation, so the topic's ARN is known without referencing the resource
   * (which keeps a shared key free of cycles).
   *
   * @default - a unique name generated from the construct path
   */
  readonly topicName?: string;

  /**
   * A display name for the topic.
   *
   * @default - none
   */
  readonly displayName?: string;

  /**
   * The customer managed key that encrypts message bodies. AWS managed keys are refused.
   *
   * @default - a new `FifoKey` (rotation on, retained on removal)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Let SNS derive the deduplication ID from a SHA-256 hash of the message body. Message attributes
   * are not hashed: two messages whose bodies match but whose attributes differ are duplicates.
   *
   * @default false - every publish must carry a `MessageDeduplicationId`
   */
  readonly contentBasedDeduplication?: boolean;

  /**
   * Where deduplication and the throughput quota apply. `MESSAGE_GROUP` (high throughput) only
   * deduplicates within a message group, and emits warning `cdk-secure-fifo:dedupPerMessageGroup`.
   *
   * @default sns.FifoThroughputScope.TOPIC
   */
  readonly throughputScope?: sns.FifoThroughputScope;

  /**
   * Keep published messages in the topic's archive for replay, a whole number of days from 1 to 365.
   *
   * @default - no archive
   */
  readonly archiveRetention?: Duration;

  /**
   * The signature version SNS uses to sign messages it delivers: '1' (SHA1) or '2' (SHA256).
   *
   * @default '2'
   */
  readonly signatureVersion?: string;

  /**
   * AWS X-Ray tracing. Only `PASS_THROUGH` works on FIFO topics; `ACTIVE` is refused.
   *
   * @default - not set (the service default, pass-through)
   */
  readonly tracingConfig?: sns.TracingConfig;

  /**
   * Interface VPC endpoints through which, and only through which, principals may publish.
   * `sns:Subscribe` is denied outside them too, and their policy admits only `sns:Publish`, so
   * subscriptions are made through CloudFormation (AWS services acting for you are not affected,
   * nor is SNS delivering).
   *
   * @default - the topic is reachable through any network path (still TLS only)
   */
  readonly privateEndpoints?: IMessagingEndpoints;
}

/**
 * A FIFO topic that can subscribe SQS FIFO queues with their policies, key statements and DLQ.
 */
export interface ISecureFifoTopic extends sns.ITopic {
  /** The key that encrypts the topic's messages. */
  readonly encryptionKey: kms.IKey;
  /** The topic's ARN built from its name, for policies that must not reference the topic. */
  readonly topicArnFromName: string;

  /**
   * Subscribe an SQS FIFO queue.
   *
   * @param id construct id of the subscription (unique per topic)
   * @param queue the queue to deliver to
   * @param options subscription options
   */
  subscribeQueue(id: string, queue: sqs.IQueue, options?: SubscribeQueueOptions): sns.Subscription;
}

/**
 * An SNS FIFO topic encrypted with a customer managed key, TLS only, signature version 2, that
 * subscribes SQS FIFO queues with their queue policies, key statements and a dead-letter queue.
 *
 * It is an `sns.ITopic`, so it works wherever aws-cdk-lib expects a topic.
 */
export class SecureFifoTopic extends sns.TopicBase implements ISecureFifoTopic {
  /** The underlying aws-cdk-lib topic (for escape hatches). */
  public readonly topic: sns.ITopic;
  /** The topic's ARN. */
  public readonly topicArn: string;
  /** The topic's name, ending in `.fifo`. */
  public readonly topicName: string;
  /** The key that encrypts the topic's messages. */
  public readonly encryptionKey: kms.IKey;
  /** The key that encrypts the topic's messages (same as `encryptionKey`, for `sns.ITopic`). */
  public readonly masterKey?: kms.IKey;
  /** Always true. */
  public readonly fifo: boolean = true;
  /** Whether SNS deduplicates on a hash of the body. */
  public readonly contentBasedDeduplication: boolean;
  /** Where deduplication applies. */
  public readonly throughputScope: sns.FifoThroughputScope;
  /** The ARN built from the topic's name, for policies that must not reference the topic. */
  public readonly topicArnFromName: string;
  /** The endpoints the topic is restricted to, if any. */
  public readonly privateEndpoints?: IMessagingEndpoints;
  protected readonly autoCreatePolicy = false;
  private subscriptionCount = 0;

  constructor(scope: Construct, id: string, props: SecureFifoTopicProps = {}) {
    super(scope, id);

    const topicName = topicFifoName(this, props.topicName);
    const problems = new Problems();
    checkFifoName(problems, 'topicName', topicName, TOPIC_NAME_MAX);
    checkDaysRange(problems, 'archiveRetention', props.archiveRetention, ARCHIVE_DAYS);
    checkCustomerKey(problems, this, 'encryptionKey', props.encryptionKey);
    checkFifoTracing(problems, 'tracingConfig', props.tracingConfig === sns.TracingConfig.ACTIVE);
    checkSignatureVersion(problems, 'signatureVersion', props.signatureVersion);
    checkEndpointFor(problems, 'SNS', props.privateEndpoints);
    problems.throwIfAny(this, 'SecureFifoTopic');

    this.encryptionKey = props.encryptionKey ?? new FifoKey(this, 'Key');
    this.masterKey = this.encryptionKey;
    this.contentBasedDeduplication = props.contentBasedDeduplication ?? false;
    this.throughputScope = props.throughputScope ?? sns.FifoThroughputScope.TOPIC;
    this.privateEndpoints = props.privateEndpoints;

    const topic = new sns.Topic(this, 'Resource', {
      fifo: true,
      topicName,
      displayName: props.displayName,
      masterKey: this.encryptionKey,
      contentBasedDeduplication: this.contentBasedDeduplication,
      fifoThroughputScope: this.throughputScope,
      messageRetentionPeriodInDays: props.archiveRetention?.toDays(),
      enforceSSL: true,
      signatureVersion: props.signatureVersion ?? '2',
      tracingConfig: props.tracingConfig,
    });
    this.topic = topic;
    this.topicArn = topic.topicArn;
    this.topicName = topic.topicName;
    this.topicArnFromName = topicArnFromName(this, topicName);

    if (props.signatureVersion === '1') {
      Annotations.of(this).addWarningV2(
        WARNING.signatureVersion1,
        "signatureVersion is '1': SNS signs deliveries with SHA1. Leave it unset for SHA256 (version 2).",
      );
    }
    if (this.throughputScope === sns.FifoThroughputScope.MESSAGE_GROUP) {
      Annotations.of(this).addWarningV2(
        WARNING.dedupPerMessageGroup,
        'throughputScope is MESSAGE_GROUP: SNS deduplicates only within a message group, so the same deduplication ID in two groups is delivered twice.',
      );
    }
    if (props.privateEndpoints) {
      restrictTopicToEndpoint(this, props.privateEndpoints);
    }
  }

  /**
   * Subscribe an SQS FIFO queue: raw delivery, a queue policy and key statement that admit this
   * topic only, and a FIFO dead-letter queue for messages SNS cannot deliver.
   *
   * A `SecureFifoQueue` gets its own DLQ as the subscription DLQ; any other queue is checked (FIFO,
   * customer managed key) and wired as far as its policies can be changed here.
   *
   * @param id construct id of the subscription (unique per topic)
   * @param queue the queue to deliver to
   * @param options subscription options
   */
  public subscribeQueue(id: string, queue: sqs.IQueue, options: SubscribeQueueOptions = {}): sns.Subscription {
    const problems = new Problems();
    checkIdFree(problems, this, id, `${id}DeadLetterQueue`);
    problems.throwIfAny(this, `subscribeQueue("${id}")`);
    this.subscriptionCount += 1;
    return subscribeFifoQueue(this, id, queue, options, this.subscriptionCount);
  }

  /**
   * Grant `sns:Publish` on this topic and `kms:GenerateDataKey` + `kms:Decrypt` on its key: what SNS
   * needs to encrypt what a principal publishes. Narrower than aws-cdk-lib's `kms:GenerateDataKey*`,
   * which also admits `kms:GenerateDataKeyPair*` (and is flagged by cdk-nag AwsSolutions-IAM5).
   *
   * @param grantee the publisher
   */
  public grantPublish(grantee: iam.IGrantable): iam.Grant {
    const publish = iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: ['sns:Publish'],
      resourceArns: [this.topicArn],
      resource: this,
    });
    return publish.combine(this.encryptionKey.grant(grantee, ...PUBLISHER_KEY_ACTIONS));
  }

  /**
   * Adds a statement to the topic's resource policy.
   */
  public addToResourcePolicy(statement: iam.PolicyStatement): iam.AddToResourcePolicyResult {
    return this.topic.addToResourcePolicy(statement);
  }
}
