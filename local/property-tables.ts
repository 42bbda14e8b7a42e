/**
 * Which CloudFormation resource types and properties the local deployer creates, passes on as API
 * attributes, or leaves out (with the test layer that verifies them instead).
 */

const KMS = 'cdk-nag compliance (SNS3/SQS2 encryption, KMS5 rotation) and iam-simulate policy proofs (the key policy admits sns.amazonaws.com for this topic and account only)';
const IAM = 'iam-simulate policy proofs (publisher and consumer grants) and template assertions';
const NETWORK = 'template assertions (MessagingEndpoints tests) and iam-simulate proofs of the aws:SourceVpce conditions';

/** Resource types left out on purpose, with the test layer that covers each. */
export const NOT_EMULATED_TYPES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^AWS::KMS::/, KMS],
  [/^AWS::IAM::/, IAM],
  [/^AWS::EC2::/, NETWORK],
  [/^AWS::CloudWatch::/, 'test/fifo-alarms.test.ts and test/operations.test.ts (thresholds, missing data, metric math): fauxqs emits no CloudWatch metrics, so no alarm is evaluated here'],
  [/^AWS::CDK::Metadata$/, 'nothing to verify: CDK version reporting, no runtime behaviour'],
];

/** How the policies the deployer stores (as the Policy attribute) are verified instead: no emulator evaluates them. */
export const POLICY_VERIFIED_BY: { readonly [type: string]: string } = {
  'AWS::SNS::TopicPolicy': 'iam-simulate policy proofs (TLS-only and endpoint-only Deny statements) and cdk-nag compliance (SNS3)',
  'AWS::SQS::QueuePolicy': 'iam-simulate policy proofs (only this topic, in this account, may sqs:SendMessage; TLS-only Deny) and cdk-nag compliance (SQS4)',
};

/** KMS keys are not created: a key gets a stand-in ID and ARN, so `KmsMasterKeyId` can be applied and read back. */
export const KMS_STAND_IN = {
  detail: 'a stand-in key ID: the key is not created, and the target stores KmsMasterKeyId without encrypting anything or calling KMS',
  verifiedBy: KMS,
};

/**
 * The create-only properties of each type, from the CloudFormation resource schemas (cfn-lint ships
 * them; summarised in DOMAIN.md): changing one replaces the resource. Every other property is
 * updated in place.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html
 */
export const CREATE_ONLY: { readonly [type: string]: readonly string[] } = {
  'AWS::SQS::Queue': ['QueueName', 'FifoQueue'],
  'AWS::SNS::Topic': ['TopicName', 'FifoTopic'],
  'AWS::SNS::Subscription': ['Endpoint', 'Protocol', 'TopicArn'],
};

export type PropertySpec =
  | { readonly kind: 'name' | 'attribute' | 'json' | 'tags' | 'call' }
  | { readonly kind: 'not-emulated'; readonly verifiedBy: string };

const NAME = { kind: 'name' } as const;
const ATTRIBUTE = { kind: 'attribute' } as const;
const JSON_ATTRIBUTE = { kind: 'json' } as const;
const TAGS = { kind: 'tags' } as const;
const CALL = { kind: 'call' } as const;
const notEmulated = (verifiedBy: string): PropertySpec => ({ kind: 'not-emulated', verifiedBy });

export const TOPIC_PROPERTIES: { readonly [property: string]: PropertySpec } = {
  TopicName: NAME,
  FifoTopic: ATTRIBUTE,
  ContentBasedDeduplication: ATTRIBUTE,
  FifoThroughputScope: ATTRIBUTE,
  DisplayName: ATTRIBUTE,
  SignatureVersion: ATTRIBUTE,
  TracingConfig: ATTRIBUTE,
  ArchivePolicy: JSON_ATTRIBUTE,
  Tags: TAGS,
  KmsMasterKeyId: ATTRIBUTE,
  DataProtectionPolicy: notEmulated('template assertions'),
  DeliveryStatusLogging: notEmulated('template assertions'),
};

export const QUEUE_PROPERTIES: { readonly [property: string]: PropertySpec } = {
  QueueName: NAME,
  FifoQueue: ATTRIBUTE,
  ContentBasedDeduplication: ATTRIBUTE,
  DeduplicationScope: ATTRIBUTE,
  FifoThroughputLimit: ATTRIBUTE,
  DelaySeconds: ATTRIBUTE,
  MaximumMessageSize: ATTRIBUTE,
  MessageRetentionPeriod: ATTRIBUTE,
  ReceiveMessageWaitTimeSeconds: ATTRIBUTE,
  VisibilityTimeout: ATTRIBUTE,
  RedrivePolicy: JSON_ATTRIBUTE,
  RedriveAllowPolicy: JSON_ATTRIBUTE,
  Tags: TAGS,
  KmsMasterKeyId: ATTRIBUTE,
  KmsDataKeyReusePeriodSeconds: notEmulated(KMS),
  SqsManagedSseEnabled: notEmulated(KMS),
};

export const SUBSCRIPTION_PROPERTIES: { readonly [property: string]: PropertySpec } = {
  TopicArn: CALL,
  Protocol: CALL,
  Endpoint: CALL,
  Region: CALL,
  RawMessageDelivery: ATTRIBUTE,
  FilterPolicyScope: ATTRIBUTE,
  SubscriptionRoleArn: ATTRIBUTE,
  FilterPolicy: JSON_ATTRIBUTE,
  RedrivePolicy: JSON_ATTRIBUTE,
  DeliveryPolicy: JSON_ATTRIBUTE,
  ReplayPolicy: JSON_ATTRIBUTE,
};

export const QUEUE_POLICY_PROPERTIES: { readonly [property: string]: PropertySpec } = {
  PolicyDocument: JSON_ATTRIBUTE,
  Queues: CALL,
};

export const TOPIC_POLICY_PROPERTIES: { readonly [property: string]: PropertySpec } = {
  PolicyDocument: JSON_ATTRIBUTE,
  Topics: CALL,
};
