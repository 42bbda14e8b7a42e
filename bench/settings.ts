import * as cxapi from 'aws-cdk-lib/cx-api';

/** Settings shared by every synthesis, so that the three implementations differ only in their code. */

/**
 * The context of every bench App: what `cdk init` writes for aws-cdk-lib 2.276 (its
 * CURRENTLY_RECOMMENDED_FLAGS), which includes `@aws-cdk/core:validateAgainstDefaultRules: true`.
 * Template validation runs during every synth whether or not that flag is set (it only decides
 * whether findings fail the synth), so the flag costs no time; it makes a Topic<->Key cycle or a
 * schema error fail the bench instead of producing a template CloudFormation would refuse.
 * `@aws-cdk/aws-sns-subscriptions:restrictSqsDescryption` (also recommended) is what makes
 * `SqsSubscription` pin the queue key to the topic, and so what sets the cycle trap floor and peer avoid.
 */
export const BENCH_CONTEXT: Record<string, unknown> = {
  ...cxapi.CURRENTLY_RECOMMENDED_FLAGS,
  '@aws-cdk/core:validateAgainstDefaultRules': true,
  // The CDK refuses to synthesize a stack of more than 500 resources. 0 turns that check off (for all
  // three) so that an implementation over the limit is still measured; the bench reports the limit itself.
  '@aws-cdk/core:stackResourceLimit': 0,
};

/**
 * CloudFormation's own validation (F0007) refuses a template of more than 500 resources, too. It is
 * acknowledged in every bench stack, for the same reason as the context entry above.
 */
export const OVER_500_RESOURCES = {
  id: 'CloudFormation-Validate::F0007',
  reason: 'The bench measures implementations over the 500-resource limit too and reports the limit itself',
};

/** A concrete environment, as a deployable app has (same as the unit tests). */
export const BENCH_ENV = { account: '111111111111', region: 'eu-west-1' };
export const STACK_NAME = 'Bench';

/** Published list prices assumed for the fixed monthly cost (USD). */
export const PRICES = {
  /** KMS: $1/month per customer managed key (https://aws.amazon.com/kms/pricing/). */
  kmsKeyMonth: 1.0,
  /** PrivateLink: $0.01 per interface endpoint per AZ-hour, us-east-1 (https://aws.amazon.com/privatelink/pricing/). */
  interfaceEndpointAzHour: 0.01,
  /** Hours in a month, as AWS pricing examples use. */
  hoursPerMonth: 730,
  /** AZs assumed for an interface endpoint whose subnets cannot be counted from the template. */
  defaultEndpointAzs: 2,
};

/** CloudFormation quotas a template must fit. */
export const CFN_LIMITS = {
  resources: 500,
  /** "Template body size in an Amazon S3 object: 1 MB", read conservatively as 10^6 bytes. */
  templateBytes: 1_000_000,
};

// The Solutions Constructs print a console notice whenever a default is overridden (their documented
// switch turns it off); otherwise the peer's timing would include terminal output the others do not make.
process.env.overrideWarningsEnabled = 'false';
