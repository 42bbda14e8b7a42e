/*
 * The callers of the policy proofs: the accounts, the principals that call a stack's resources, and
 * the request context AWS gives their calls.
 *
 * Request context keys: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
 */

type Json = any;

/** The platform account that owns the topic, and the region of every stack. */
export const ACCOUNT = '111111111111';
export const REGION = 'eu-west-1';
/** The account of a consumer team that subscribes its own queue to the platform topic. */
export const CONSUMER_ACCOUNT = '222222222222';
/** An account that has been granted nothing. */
export const THIRD_ACCOUNT = '333333333333';

/** Who makes a request: an ARN (or service principal), its identity policies, and the request context its calls carry. */
export interface Actor {
  readonly principal: string;
  readonly identityPolicies: Json[];
  readonly context: Record<string, string>;
  /** A service principal: its requests carry aws:SourceArn, the resource they are made for. */
  readonly isService: boolean;
}

export const allowAll = (action: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

/**
 * An IAM role (or the root user) calling with its own credentials: a workload's SDK calls, or
 * CloudFormation calling with the deployment's execution role. aws:PrincipalArn and
 * aws:PrincipalAccount are in every signed request; aws:PrincipalIsAWSService is false for IAM
 * principals; aws:ViaAWSService is false, including when a service calls with a service role
 * (CloudFormation with its execution role). aws:SourceVpce is added per request, and only when the
 * request comes through a VPC endpoint.
 */
export function iamActor(arn: string, identityPolicies: Json[]): Actor {
  const context = {
    'aws:PrincipalArn': arn,
    'aws:PrincipalAccount': arn.split(':')[4],
    'aws:PrincipalIsAWSService': 'false',
    'aws:ViaAWSService': 'false',
  };
  return { principal: arn, identityPolicies, context, isService: false };
}

/**
 * The CDK bootstrap's CloudFormation execution role of an account, which creates the stacks'
 * resources (subscriptions included); the default bootstrap gives it AdministratorAccess
 * (https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html).
 */
export function cloudFormationExecutionRole(account: string): Actor {
  return iamActor(`arn:aws:iam::${account}:role/cdk-hnb659fds-cfn-exec-role-${account}-${REGION}`, [allowAll('*')]);
}

/**
 * SNS delivering: it calls SQS (SendMessage) and KMS (GenerateDataKey, Decrypt) as the service
 * principal, with aws:SourceArn = the topic it delivers for (added per row), from the AWS network:
 * never through a VPC endpoint of ours, so no aws:SourceVpce.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
 */
export const SNS_DELIVERING: Actor = {
  principal: 'sns.amazonaws.com',
  identityPolicies: [],
  context: { 'aws:PrincipalIsAWSService': 'true', 'aws:PrincipalServiceName': 'sns.amazonaws.com' },
  isService: true,
};

/** The actors every world knows, named as they appear in the rows. */
export const SNS = 'sns.amazonaws.com';
export const CFN = `CloudFormation (execution role of ${ACCOUNT}, IAM: *)`;
export const CONSUMER_CFN = `CloudFormation (execution role of ${CONSUMER_ACCOUNT}, IAM: *)`;
export const THIRD_CFN = `CloudFormation (execution role of ${THIRD_ACCOUNT}, IAM: *)`;
export const BYSTANDER = 'a role of our account without grants';
export const OTHER_WORKLOAD = 'another workload of our account (IAM: sqs:*)';
export const QUEUE_ADMIN = 'a queue administrator (IAM: sqs:*)';
export const TOPIC_ADMIN = 'a topic administrator (IAM: sns:*)';
export const KEY_ADMIN = 'a key administrator (IAM: kms:*)';
export const ROOT = 'the account root user';
export const OUTSIDER = 'a role of another account (IAM: *)';

/**
 * A principal's kms:Decrypt as SQS makes it while returning an SSE-KMS message to that principal:
 * SQS calls KMS with the principal's own credentials (forward access sessions: aws:ViaAWSService is
 * true, https://docs.aws.amazon.com/IAM/latest/UserGuide/access_forward_access_sessions.html), through
 * SQS (kms:ViaService sqs.<region>.amazonaws.com,
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service),
 * with the queue's ARN as encryption context (aws:sqs:arn,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).
 * The simulator cannot carry `kms:EncryptionContext:aws:sqs:arn` (it matches parameterized keys only
 * after a '/', and reports this one as ignored), so the request carries `kms:EncryptionContextKeys`;
 * no policy of the library conditions on the encryption context, so the decision cannot depend on it.
 */
export function decryptingThroughSqs(actor: Actor, region: string): Actor {
  return {
    ...actor,
    context: {
      ...actor.context,
      'aws:ViaAWSService': 'true',
      'kms:ViaService': `sqs.${region}.amazonaws.com`,
      'kms:CallerAccount': actor.principal.split(':')[4],
      'kms:EncryptionContextKeys': 'aws:sqs:arn',
    },
  };
}
