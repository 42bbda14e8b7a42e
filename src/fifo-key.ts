import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { topicPolicyArn } from './private/names';
import { allowServiceOnKey } from './private/policies';
import { checkDaysRange, checkKeyAlias, checkRemovalPolicy, checkTokenInDays, PENDING_WINDOW_DAYS, Problems, ROTATION_PERIOD_DAYS } from './private/validation';

/**
 * Properties for a `FifoKey`.
 */
export interface FifoKeyProps {
  /**
   * An alias for the key (`alias/` is prepended when missing).
   *
   * @default - no alias
   */
  readonly alias?: string;

  /**
   * A description of the key.
   *
   * @default 'Encrypts SNS FIFO topics and SQS FIFO queues (cdk-secure-fifo)'
   */
  readonly description?: string;

  /**
   * What happens to the key when it leaves the stack. Deleting a key makes every message and
   * backlog it encrypted unreadable, so the key is retained unless you say otherwise.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Days KMS waits before deleting the key once deletion is scheduled (7-30). A token (e.g. a
   * CfnParameter, in `Duration.days()`) is passed to CloudFormation untouched.
   *
   * @default Duration.days(30)
   */
  readonly pendingWindow?: Duration;

  /**
   * How often KMS rotates the key material automatically, a whole number of days from 90 to 2560
   * (https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html). Rotation keeps every
   * earlier key material, so messages encrypted before a rotation stay readable. A token (in
   * `Duration.days()`) is passed to CloudFormation untouched.
   *
   * @default - automatic rotation every 365 days (KMS's default)
   */
  readonly rotationPeriod?: Duration;

  /**
   * Principals that may administer the key, in addition to the account root.
   *
   * @default - only the account root (and IAM policies of the account)
   */
  readonly admins?: iam.IPrincipal[];
}

/**
 * A symmetric KMS customer managed key for SNS FIFO topics and SQS FIFO queues: rotation on,
 * retained on removal, grants only for AWS services acting for you, and methods that admit AWS
 * services for one source resource only.
 */
export class FifoKey extends kms.Key {
  constructor(scope: Construct, id: string, props: FifoKeyProps = {}) {
    // Checked before kms.Key sees the props, so that the error names this construct and its prop.
    const problems = new Problems();
    checkKeyAlias(problems, 'alias', props.alias);
    checkDaysRange(problems, 'pendingWindow', props.pendingWindow, PENDING_WINDOW_DAYS);
    checkRemovalPolicy(problems, 'removalPolicy', props.removalPolicy);
    checkTokenInDays(problems, 'pendingWindow', props.pendingWindow);
    checkDaysRange(problems, 'rotationPeriod', props.rotationPeriod, ROTATION_PERIOD_DAYS);
    checkTokenInDays(problems, 'rotationPeriod', props.rotationPeriod);
    problems.throwIfAny([scope.node.path, id].filter((p) => p !== '').join('/'), 'FifoKey');
    // kms.Key judges a token (a CfnParameter, a Lazy) as a number and refuses it: a token is passed
    // to the CfnKey untouched instead, to be checked by KMS at deploy time.
    const tokenWindow = props.pendingWindow?.isUnresolved() ? props.pendingWindow : undefined;
    const tokenRotation = props.rotationPeriod?.isUnresolved() ? props.rotationPeriod : undefined;

    super(scope, id, {
      description: props.description ?? 'Encrypts SNS FIFO topics and SQS FIFO queues (cdk-secure-fifo)',
      alias: props.alias,
      enableKeyRotation: true,
      keySpec: kms.KeySpec.SYMMETRIC_DEFAULT,
      keyUsage: kms.KeyUsage.ENCRYPT_DECRYPT,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      pendingWindow: tokenWindow ? undefined : props.pendingWindow,
      rotationPeriod: tokenRotation ? undefined : props.rotationPeriod,
      admins: props.admins,
    });
    if (tokenWindow) {
      (this.node.defaultChild as kms.CfnKey).pendingWindowInDays = tokenWindow.toDays();
    }
    if (tokenRotation) {
      (this.node.defaultChild as kms.CfnKey).rotationPeriodInDays = tokenRotation.toDays();
    }
    // Grants only for AWS services acting for you (AWS Control Tower proactive control CT.KMS.PR.3,
    // https://docs.aws.amazon.com/controltower/latest/controlreference/kms-rules.html). SNS and SQS
    // encryption use key-policy permissions, not grants; a service that does create a grant on your
    // behalf passes kms:GrantIsForAWSResource (https://docs.aws.amazon.com/kms/latest/developerguide/grant-authorization.html).
    this.addToResourcePolicy(new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    }));
  }

  /**
   * Lets SNS use this key (`kms:GenerateDataKey*`, `kms:Decrypt`) when delivering from one topic,
   * pinned by `aws:SourceArn` = the topic's ARN, written from the topic's name so that the key
   * policy never references the topic (no Topic<->Key cycle). Subscribing a queue does this for you.
   *
   * @param topic the topic, of this app or imported; a topic of this app needs a physical name
   * (every `SecureFifoTopic` has one), or the statement references the topic
   */
  public allowSnsTopic(topic: sns.ITopic): void {
    this.allowServicePrincipal('sns.amazonaws.com', topicPolicyArn(topic));
  }

  /**
   * Lets an AWS service principal use this key (`kms:GenerateDataKey*`, `kms:Decrypt`) on behalf of
   * one source resource, pinned by `aws:SourceArn`, e.g. `events.amazonaws.com` for an EventBridge
   * rule that publishes to an encrypted topic.
   *
   * @param servicePrincipal the service principal, e.g. `events.amazonaws.com`
   * @param sourceArn the ARN of the resource the service acts for (the `aws:SourceArn` condition);
   * never a `Ref` to a resource that uses this key
   */
  public allowServicePrincipal(servicePrincipal: string, sourceArn: string): void {
    allowServiceOnKey(this, this, servicePrincipal, sourceArn);
  }
}
