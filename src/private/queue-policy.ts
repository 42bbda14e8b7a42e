import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { checkQueuePolicyQuotas } from './policies';
import { restrictQueuesToEndpoint } from './private-endpoints';
import { addUnmergeable, SharedPolicyQueue } from './shared-policy-queue';
import type { IMessagingEndpoints } from '../interfaces';

/**
 * One `AWS::SQS::QueuePolicy` for a queue and its DLQs (see SharedPolicyQueue): TLS only for every
 * SQS action, one resource per statement (AWS documents no SQS policy statement that names several
 * queues; `addUnmergeable` keeps it so under `@aws-cdk/aws-iam:minimizePolicies`), SQS's policy
 * quotas checked at synth on the policy as it is emitted, and, with endpoints, consumer actions only through
 * them. `arnsFromNames` are the queues' ARNs built from their names, registered with the endpoints.
 */
export function shareQueuePolicy(
  scope: Construct,
  queues: SharedPolicyQueue[],
  arnsFromNames: string[],
  endpoints: IMessagingEndpoints | undefined,
  exemptRoles: () => iam.IRole[],
): sqs.QueuePolicy {
  const policy = new sqs.QueuePolicy(scope, 'Policy', { queues });
  for (const queue of queues) {
    queue.shareResourcePolicy(policy);
    addUnmergeable(policy, new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['sqs:*'],
      resources: [queue.queueArn],
      conditions: { Bool: { 'aws:SecureTransport': 'false' } },
    }));
  }
  scope.node.addValidation({ validate: () => checkQueuePolicyQuotas(scope, policy.document) });
  if (endpoints) {
    restrictQueuesToEndpoint(policy, queues.map((q) => q.queueArn), arnsFromNames, endpoints, exemptRoles);
  }
  return policy;
}
