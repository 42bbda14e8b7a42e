import { Annotations, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ValidationErrorCode } from './errors';
import { topicPolicyArn } from './private/names';
import { allowServiceOnKey, DOCUMENTED_SERVICES, serviceKeyScope, ServiceKeyScope } from './private/policies';
import { checkDaysRange, checkKeyAlias, checkRemovalPolicy, checkTokenInDays, PENDING_WINDOW_DAYS, Problems, ROTATION_PERIOD_DAYS } from './private/validation';
import { WARNING } from './private/warnings';

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
   * Lets an AWS service principal use this key (`kms:GenerateDataKey*`, `kms:Decrypt`) to publish to
   * a topic it encrypts, scoped the way AWS documents it for that service
   * (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services):
   * - `events.amazonaws.com` (EventBridge): no source condition. AWS documents that
   *   `aws:SourceAccount`, `aws:SourceArn` and `aws:SourceOrgID` are not supported in a KMS key policy
   *   for EventBridge-to-encrypted topics; pin the rule in the topic policy instead. A `sourceArn` or
   *   `sourceAccount` given warns that it is not applied.
   * - `sns.amazonaws.com`: `aws:SourceArn` = `sourceArn` (ArnEquals), as `allowSnsTopic`.
   * - services that need an IAM role in the key policy (EC2 Auto Scaling, Elastic Transcoder,
   *   CodePipeline, Config, Elastic Beanstalk, IoT) are refused: grant their role instead.
   * - every other service (`cloudwatch.amazonaws.com`, `s3.amazonaws.com`, ...): `aws:SourceArn`
   *   like `sourceArn` (wildcards allowed, e.g. `arn:aws:cloudwatch:eu-west-1:111111111111:alarm:*`)
   *   and `aws:SourceAccount` = `sourceAccount`. A service other than CloudWatch and S3 warns: check
   *   its own page for the condition keys it sends.
   *
   * @param servicePrincipal the service principal, e.g. `cloudwatch.amazonaws.com`
   * @param sourceArn the ARN (or ARN pattern) of the resource the service acts for (the
   * `aws:SourceArn` condition); never a `Ref` to a resource that uses this key. Required except for
   * EventBridge.
   * @param sourceAccount the account that owns the source resource (the `aws:SourceAccount`
   * condition); default: the account in `sourceArn`; none when the ARN holds no account (an S3
   * bucket's: then only `aws:SourceArn` is set; give the bucket owner's account to pin it)
   */
  public allowServicePrincipal(servicePrincipal: string, sourceArn?: string, sourceAccount?: string): void {
    const problems = new Problems();
    const scope = serviceKeyScope(servicePrincipal);
    if (scope === ServiceKeyScope.ROLE) {
      problems.add(ValidationErrorCode.SERVICE_PRINCIPAL, 'servicePrincipal', servicePrincipal,
        'allowed: a service that publishes as its service principal; this one publishes with an IAM role you give it, which the key policy must name ' +
        '(https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services): key.grant(role, \'kms:GenerateDataKey*\', \'kms:Decrypt\')');
    } else if (scope !== ServiceKeyScope.NONE && sourceArn === undefined) {
      problems.add(ValidationErrorCode.SERVICE_PRINCIPAL, 'sourceArn', sourceArn,
        `allowed: the ARN (or ARN pattern) of the resource ${servicePrincipal} acts for; AWS documents aws:SourceArn for it (only EventBridge's key statement takes none)`);
    }
    problems.throwIfAny(this, 'allowServicePrincipal');
    if (scope === ServiceKeyScope.NONE && (sourceArn !== undefined || sourceAccount !== undefined)) {
      Annotations.of(this).addWarningV2(WARNING.serviceKeyCondition,
        `allowServicePrincipal(${servicePrincipal}): the key statement has no source condition. AWS documents that aws:SourceAccount, aws:SourceArn and ` +
        'aws:SourceOrgID are not supported in a KMS key policy for EventBridge-to-encrypted topics ' +
        '(https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services); pin the rule in the topic policy (aws:SourceArn = the rule\'s ARN).');
    }
    if (scope === ServiceKeyScope.SOURCE_ARN_AND_ACCOUNT && !DOCUMENTED_SERVICES.includes(servicePrincipal)) {
      Annotations.of(this).addWarningV2(WARNING.serviceKeyCondition,
        `allowServicePrincipal(${servicePrincipal}): the key statement requires aws:SourceArn and aws:SourceAccount, the conditions the SNS key-management page ` +
        'documents for AWS services; check on this service\'s own page that it sends them to KMS, or its notifications are refused.');
    }
    // An ARN without an account (an S3 bucket's) gives no aws:SourceAccount unless `sourceAccount` is
    // given: guessing this key's account would refuse a bucket of another account that publishes today.
    allowServiceOnKey(this, this, servicePrincipal, scope === ServiceKeyScope.NONE ? undefined : sourceArn, sourceAccount);
  }
}
