import { Annotations, Arn, ArnFormat, Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ValidationErrorCode } from './errors';
import { FifoKey } from './fifo-key';
import { IMessagingEndpoints, ISecureFifoTopic } from './interfaces';
import { DeliveryStatusLoggingOptions, SubscribeQueueOptions } from './options';
import { checkDeliveryStatusLogging, deliveryStatusLogging } from './private/delivery-status';
import { claimPhysicalName, topicFifoName, topicPolicyArn } from './private/names';
import { pendingKeysOf, withPendingKeys } from './private/pending-keys';
import { checkCustomerKey, narrowKeyActions } from './private/policies';
import { checkEndpointFor, restrictTopicToEndpoint } from './private/private-endpoints';
import { subscribeFifoQueue } from './private/subscription';
import { ARCHIVE_DAYS, checkDaysRange, checkFifoName, checkFifoTracing, checkMaxLength, checkRemovalPolicy, checkSignatureVersion, DISPLAY_NAME_MAX, Problems, TOPIC_NAME_MAX } from './private/validation';
import { WARNING } from './private/warnings';

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
   * A display name for the topic (at most 100 characters).
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
   * What happens to the topic when it leaves the stack. Deleting a topic deletes its archive, so a
   * topic with `archiveRetention` is retained unless you say otherwise.
   *
   * @default - RemovalPolicy.RETAIN with `archiveRetention`, else CloudFormation's default (deleted)
   */
  readonly removalPolicy?: RemovalPolicy;

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
   * Interface VPC endpoints through which, and only through which, principals may publish. AWS
   * services publishing as themselves are not affected; subscribing is not restricted by network
   * path (`grantSubscribe` decides who may).
   *
   * @default - the topic is reachable through any network path (still TLS only)
   */
  readonly privateEndpoints?: IMessagingEndpoints;

  /**
   * Log the delivery status of messages to the subscribed queues in CloudWatch Logs: every failed
   * delivery, and the sampled share of successful ones. Adds a role SNS assumes, allowed only to
   * write the topic's own log groups (`sns/<region>/<account>/<topic-name>` and those below it).
   * Security Hub control SNS.2 requires it.
   *
   * @default - no delivery-status logging
   */
  readonly deliveryStatusLogging?: DeliveryStatusLoggingOptions;
}

/**
 * Attributes of a FIFO topic defined outside this stack or app.
 */
export interface SecureFifoTopicAttributes {
  /** The topic's ARN (its name ends in `.fifo`). */
  readonly topicArn: string;

  /**
   * The key that encrypts the topic's messages: publishers granted through the import
   * (`grantPublish`) get `kms:GenerateDataKey` and `kms:Decrypt` on it. Subscribers of an imported
   * topic never encrypt their queues with it; each brings its own key.
   *
   * @default - unknown: grants cover the topic only
   */
  readonly masterKey?: kms.IKey;

  /**
   * Whether the topic deduplicates on a hash of the body.
   *
   * @default false
   */
  readonly contentBasedDeduplication?: boolean;
}

/**
 * An SNS FIFO topic encrypted with a customer managed key, TLS only, signature version 2, that
 * subscribes SQS queues with their queue policies, key statements and a dead-letter queue.
 *
 * It is an `sns.ITopic`, so it works wherever aws-cdk-lib expects a topic. `node.defaultChild` is
 * the `sns.CfnTopic`.
 */
export class SecureFifoTopic extends sns.TopicBase implements ISecureFifoTopic {
  /**
   * Import a FIFO topic of another stack, app or account, to subscribe queues of this stack to it.
   * Cross-account, the topic's owner must first allow this account to subscribe
   * (`grantSubscribe(new iam.AccountPrincipal(...))`).
   *
   * @param scope the scope of the imported topic
   * @param id its construct id
   * @param attrs the topic's ARN and, optionally, its key
   */
  public static fromTopicAttributes(scope: Construct, id: string, attrs: SecureFifoTopicAttributes): ISecureFifoTopic {
    const problems = new Problems();
    let topicName = attrs.topicArn;
    if (!Token.isUnresolved(attrs.topicArn)) {
      const parsed = Arn.split(attrs.topicArn, ArnFormat.NO_RESOURCE_NAME);
      topicName = parsed.resource;
      if (parsed.service !== 'sns' || !topicName.endsWith('.fifo')) {
        problems.add(ValidationErrorCode.ARN_FORMAT, 'topicArn', attrs.topicArn, "allowed: the ARN of an SNS FIFO topic ('arn:<partition>:sns:<region>:<account>:<name>.fifo')");
      }
    } else {
      // As sns.Topic.fromTopicArn does: the name is the ARN's last field, resolved at deploy time.
      topicName = Arn.split(attrs.topicArn, ArnFormat.NO_RESOURCE_NAME).resource;
    }
    problems.throwIfAny([scope.node.path, id].filter((p) => p !== '').join('/'), 'SecureFifoTopic.fromTopicAttributes');
    return new ImportedSecureFifoTopic(scope, id, attrs, topicName);
  }

  /**
   * Import a FIFO topic by its ARN (shorthand for `fromTopicAttributes` without a key).
   *
   * @param scope the scope of the imported topic
   * @param id its construct id
   * @param topicArn the topic's ARN
   */
  public static fromTopicArn(scope: Construct, id: string, topicArn: string): ISecureFifoTopic {
    return SecureFifoTopic.fromTopicAttributes(scope, id, { topicArn });
  }

  /** The topic's ARN. */
  public readonly topicArn: string;
  /** The topic's name, ending in `.fifo` (plain text when given or generated at synth). */
  public readonly topicName: string;
  /** The customer managed key that encrypts the topic's messages (always set; optional only as in `sns.ITopic`). */
  public readonly masterKey?: kms.IKey;
  /** Always true. */
  public readonly fifo: boolean = true;
  /** Whether SNS deduplicates on a hash of the body. */
  public readonly contentBasedDeduplication: boolean;
  /** Where deduplication applies. */
  public readonly throughputScope: sns.FifoThroughputScope;
  /** The endpoints the topic is restricted to, if any. */
  public readonly privateEndpoints?: IMessagingEndpoints;
  protected readonly autoCreatePolicy = false;
  private readonly inner: sns.Topic;

  constructor(scope: Construct, id: string, props: SecureFifoTopicProps = {}) {
    super(scope, id);

    const topicName = topicFifoName(this, props.topicName);
    const problems = new Problems();
    checkFifoName(problems, 'topicName', topicName, TOPIC_NAME_MAX);
    claimPhysicalName(problems, this, 'topic', 'topicName', topicName);
    checkDaysRange(problems, 'archiveRetention', props.archiveRetention, ARCHIVE_DAYS);
    checkCustomerKey(problems, this, 'encryptionKey', props.encryptionKey);
    checkFifoTracing(problems, 'tracingConfig', props.tracingConfig === sns.TracingConfig.ACTIVE);
    checkSignatureVersion(problems, 'signatureVersion', props.signatureVersion);
    checkMaxLength(problems, 'displayName', props.displayName, DISPLAY_NAME_MAX);
    checkRemovalPolicy(problems, 'removalPolicy', props.removalPolicy);
    checkEndpointFor(problems, 'SNS', props.privateEndpoints);
    checkDeliveryStatusLogging(problems, 'deliveryStatusLogging', props.deliveryStatusLogging);
    problems.throwIfAny(this, 'SecureFifoTopic');

    const key = props.encryptionKey ?? new FifoKey(this, 'Key');
    this.masterKey = key;
    this.contentBasedDeduplication = props.contentBasedDeduplication ?? false;
    this.throughputScope = props.throughputScope ?? sns.FifoThroughputScope.TOPIC;
    this.privateEndpoints = props.privateEndpoints;

    // The L2 stays at its construct path ('Resource'), so the CfnTopic keeps its logical ID.
    this.inner = new sns.Topic(this, 'Resource', {
      fifo: true,
      topicName,
      displayName: props.displayName,
      masterKey: key,
      contentBasedDeduplication: this.contentBasedDeduplication,
      fifoThroughputScope: this.throughputScope,
      messageRetentionPeriodInDays: props.archiveRetention?.toDays(),
      enforceSSL: true,
      signatureVersion: props.signatureVersion ?? '2',
      tracingConfig: props.tracingConfig,
      loggingConfigs: props.deliveryStatusLogging ? [deliveryStatusLogging(this, topicName, props.deliveryStatusLogging)] : undefined,
    });
    this.node.defaultChild = this.inner.node.defaultChild;
    const removalPolicy = props.removalPolicy ?? (props.archiveRetention ? RemovalPolicy.RETAIN : undefined);
    if (removalPolicy) {
      this.inner.applyRemovalPolicy(removalPolicy);
    }
    this.topicArn = this.inner.topicArn;
    this.topicName = topicName;

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
      restrictTopicToEndpoint(this, topicPolicyArn(this), key, props.privateEndpoints);
    }
  }

  /**
   * Subscribe an SQS queue: raw delivery, a queue policy and key statement that admit this topic
   * only, and a FIFO dead-letter queue for messages SNS cannot deliver. The subscription is created
   * next to the queue, in the queue's stack.
   *
   * A `SecureFifoQueue` gets its own DLQ as the subscription DLQ; any other queue is checked (FIFO,
   * customer managed key) and wired as far as its policies can be changed here.
   *
   * @param id construct id of the subscription, unique next to the queue
   * @param queue the queue to deliver to
   * @param options subscription options
   */
  public subscribeQueue(id: string, queue: sqs.IQueue, options: SubscribeQueueOptions = {}): sns.Subscription {
    return subscribeFifoQueue(this, queue, id, queue, options, newFifoKey);
  }

  /**
   * Adds a statement to the topic's resource policy. A statement that allows only `sns:Subscribe` is
   * limited to the SQS protocol (`sns:Protocol` = `sqs`): a FIFO topic delivers to SQS queues only.
   */
  public addToResourcePolicy(statement: iam.PolicyStatement): iam.AddToResourcePolicyResult {
    limitSubscribeToSqs(statement);
    return this.inner.addToResourcePolicy(statement);
  }

  /**
   * Used by `grantPublish` and `grants.publish`: grants on the topic's key only what SNS calls to
   * encrypt a publish, `kms:GenerateDataKey` and `kms:Decrypt` (narrower than aws-cdk-lib's
   * `kms:GenerateDataKey*`, which also admits `GenerateDataKeyPair*`), and the same on a
   * `FifoFanout`'s `pendingKeys`.
   */
  public grantOnKey(grantee: iam.IGrantable, ...actions: string[]): iam.GrantOnKeyResult {
    // A `FifoFanout`'s pending keys get the same grant (`pendingKeys`).
    return withPendingKeys(super.grantOnKey(grantee, ...narrowKeyActions(actions)), grantee, pendingKeysOf(this), actions);
  }

  /**
   * Grant `sns:Publish` on this topic and `kms:GenerateDataKey` + `kms:Decrypt` on its key (the same
   * as `grants.publish`).
   *
   * @param grantee the publisher
   */
  public grantPublish(grantee: iam.IGrantable): iam.Grant {
    return super.grantPublish(grantee);
  }

  /**
   * Grant `sns:Subscribe` on this topic (the same as `grants.subscribe`). When the statement goes
   * into the topic policy (another account), it is limited to the SQS protocol; a principal of this
   * account gets an identity-policy statement without that condition. For another account, pass `new iam.AccountPrincipal('222222222222')`: the
   * statement goes into the topic policy and that account creates its subscriptions itself (no
   * confirmation step). For an organisation, add a statement with `aws:PrincipalOrgID` instead.
   *
   * @param grantee the subscriber
   */
  public grantSubscribe(grantee: iam.IGrantable): iam.Grant {
    return super.grantSubscribe(grantee);
  }
}

/** The key of a subscription DLQ made for a queue whose key is unknown. */
function newFifoKey(scope: Construct, id: string): kms.IKey {
  return new FifoKey(scope, id);
}

/** `sns:Subscribe` statements on a FIFO topic only ever need the SQS protocol. */
function limitSubscribeToSqs(statement: iam.PolicyStatement): void {
  // Only statements that allow nothing but sns:Subscribe: the condition key exists for Subscribe only.
  const subscribes = statement.actions.length > 0 && statement.actions.every((a) => a === 'sns:Subscribe');
  const limited = Object.values(statement.conditions ?? {}).some((c) => c !== null && typeof c === 'object' && 'sns:Protocol' in c);
  if (statement.effect === iam.Effect.ALLOW && subscribes && !limited) {
    statement.addCondition('StringEquals', { 'sns:Protocol': 'sqs' });
  }
}

/** A FIFO topic defined elsewhere. */
class ImportedSecureFifoTopic extends sns.TopicBase implements ISecureFifoTopic {
  public readonly topicArn: string;
  public readonly topicName: string;
  public readonly masterKey?: kms.IKey;
  public readonly fifo = true;
  public readonly contentBasedDeduplication: boolean;
  protected readonly autoCreatePolicy = false;

  constructor(scope: Construct, id: string, attrs: SecureFifoTopicAttributes, topicName: string) {
    super(scope, id, { environmentFromArn: attrs.topicArn });
    this.topicArn = attrs.topicArn;
    this.topicName = topicName;
    this.masterKey = attrs.masterKey;
    this.contentBasedDeduplication = attrs.contentBasedDeduplication ?? false;
  }

  public subscribeQueue(id: string, queue: sqs.IQueue, options: SubscribeQueueOptions = {}): sns.Subscription {
    return subscribeFifoQueue(this, queue, id, queue, options, newFifoKey);
  }

  public grantOnKey(grantee: iam.IGrantable, ...actions: string[]): iam.GrantOnKeyResult {
    return super.grantOnKey(grantee, ...narrowKeyActions(actions));
  }
}
