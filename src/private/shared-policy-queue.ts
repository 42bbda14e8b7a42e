import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
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
   * `kms:Decrypt` on the queue's retired keys.
   */
  public grantOnKey(grantee: iam.IGrantable, ...actions: string[]): iam.GrantOnKeyResult {
    const result = super.grantOnKey(grantee, ...narrowKeyActions(actions));
    const retired = isConsumerKeyGrant(actions) ? grantDecryptOnRetiredKeys(grantee, retiredKeysOf(this)) : undefined;
    return retired ? { grant: result.grant ? result.grant.combine(retired) : retired } : result;
  }

  public addToResourcePolicy(statement: iam.PolicyStatement): iam.AddToResourcePolicyResult {
    if (!this.sharedPolicy) {
      return super.addToResourcePolicy(statement);
    }
    this.sharedPolicy.document.addStatements(statement);
    return { statementAdded: true, policyDependable: this.sharedPolicy };
  }
}
