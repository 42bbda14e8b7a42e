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
  [/^AWS::SNS::TopicPolicy$/, 'iam-simulate policy proofs (TLS-only and endpoint-only Deny statements) and cdk-nag compliance (SNS3)'],
  [/^AWS::SQS::QueuePolicy$/, 'iam-simulate policy proofs (only this topic, in this account, may sqs:SendMessage; TLS-only Deny) and cdk-nag compliance (SQS4)'],
  [/^AWS::IAM::/, IAM],
  [/^AWS::EC2::/, NETWORK],
  [/^AWS::CDK::Metadata$/, 'nothing to verify: CDK version reporting, no runtime behaviour'],
];

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
  KmsMasterKeyId: notEmulated(KMS),
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
  KmsMasterKeyId: notEmulated(KMS),
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
