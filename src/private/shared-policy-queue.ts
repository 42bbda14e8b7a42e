import { FeatureFlags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { pendingKeysOf, withPendingKeys } from './pending-keys';
import { narrowKeyActions } from './policies';
import { grantDecryptOnRetiredKeys, isConsumerKeyGrant, retiredKeysOf } from './retired-keys';

/**
 * An `sqs.Queue` whose resource-policy statements go into a policy it shares with other queues.
 *
 * SQS applies one `AWS::SQS::QueuePolicy` to several queues, so a queue and its DLQ need one policy
 * resource, not two: that keeps a subscriber at 4 resources and 100 subscribers (the SNS FIFO quota)
 * under CloudFormation's 500. Every grant and statement, also those made through the escape hatch,
 * lands in the shared policy, so a second policy can never overwrite the first. aws-cdk-lib has no
 * such option (its auto-created policy is private), hence this subclass.
 */
export class SharedPolicyQueue extends sqs.Queue {
  private sharedPolicy?: sqs.QueuePolicy;

  /** Route this queue's statements into `policy` from now on. */
  public shareResourcePolicy(policy: sqs.QueuePolicy): void {
    this.sharedPolicy = policy;
  }

  /**
   * Grants on the key only what SQS calls for SSE-KMS (see narrowKeyActions); a consumer also gets
   * `kms:Decrypt` on the queue's retired keys; every grant is made on its pending keys too.
   */
  public grantOnKey(grantee: iam.IGrantable, ...actions: string[]): iam.GrantOnKeyResult {
    const result = withPendingKeys(super.grantOnKey(grantee, ...narrowKeyActions(actions)), grantee, pendingKeysOf(this), actions);
    const retired = isConsumerKeyGrant(actions) ? grantDecryptOnRetiredKeys(grantee, retiredKeysOf(this)) : undefined;
    return retired ? { grant: result.grant ? result.grant.combine(retired) : retired } : result;
  }

  public addToResourcePolicy(statement: iam.PolicyStatement): iam.AddToResourcePolicyResult {
    if (!this.sharedPolicy) {
      return super.addToResourcePolicy(statement);
    }
    addUnmergeable(this.sharedPolicy, statement);
    return { statementAdded: true, policyDependable: this.sharedPolicy };
  }
}

const sidCounts = new WeakMap<sqs.QueuePolicy, number>();

/** The feature flag `cdk init` writes into cdk.json; aws-cdk-lib then merges policy statements. */
const MINIMIZE_POLICIES = '@aws-cdk/aws-iam:minimizePolicies';

/**
 * Adds a statement to a queue policy so that it keeps its one queue under the feature flag
 * `@aws-cdk/aws-iam:minimizePolicies` (which `cdk init` writes): the flag merges statements that
 * differ only in their resources into one statement naming several queues, and AWS documents no
 * SQS queue-policy statement that lists several queues (its examples name one queue, or one ARN
 * pattern, per statement:
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-basic-examples-of-sqs-policies.html,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-creating-custom-policies-access-policy-examples.html).
 * aws-cdk-lib's minimizer never merges a statement that has a `Sid`, so with the flag on each
 * statement without one gets a short one, unique in its policy (`S1`, `S2`, ...). With the flag
 * off nothing is merged and the statement is added as it is (templates unchanged).
 */
export function addUnmergeable(policy: sqs.QueuePolicy, statement: iam.PolicyStatement): void {
  if (statement.sid !== undefined || !FeatureFlags.of(policy).isEnabled(MINIMIZE_POLICIES)) {
    policy.document.addStatements(statement);
    return;
  }
  const count = (sidCounts.get(policy) ?? 0) + 1;
  sidCounts.set(policy, count);
  policy.document.addStatements(statement.copy({ sid: `S${count}` }));
}
