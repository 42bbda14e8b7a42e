import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { grantDecryptOnRetiredKeys, retiredKeysOf } from './retired-keys';

/**
 * Replay is an operation on the subscription, not a template property: the subscriber sets the
 * subscription's `ReplayPolicy` with `SetSubscriptionAttributes`
 * (https://docs.aws.amazon.com/sns/latest/dg/message-archiving-and-replay-subscriber.html).
 */
export function grantReplay(grantee: iam.IGrantable, subscription: sns.Subscription): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['sns:SetSubscriptionAttributes', 'sns:GetSubscriptionAttributes'],
    // Ref of an AWS::SNS::Subscription is its ARN.
    resourceArns: [(subscription.node.defaultChild as sns.CfnSubscription).ref],
  });
}

/**
 * What a dead-letter-queue redrive (`StartMessageMoveTask`) needs: on each DLQ the move-task
 * actions and receive/delete, on the destination `sqs:SendMessage`, and the key's decrypt and
 * data-key actions (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue-redrive.html),
 * and `kms:Decrypt` on the queues' retired keys.
 */
export function grantRedrive(grantee: iam.IGrantable, queue: sqs.IQueue, deadLetterQueues: sqs.IQueue[]): iam.Grant {
  const grant = iam.Grant.addToPrincipal({
    grantee,
    actions: ['sqs:StartMessageMoveTask', 'sqs:ListMessageMoveTasks', 'sqs:CancelMessageMoveTask', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
    resourceArns: [...new Set(deadLetterQueues)].map((q) => q.queueArn),
  }).combine(iam.Grant.addToPrincipal({ grantee, actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes'], resourceArns: [queue.queueArn] }));
  const key = queue.encryptionMasterKey;
  const withKey = key ? grant.combine(key.grant(grantee, 'kms:Decrypt', 'kms:GenerateDataKey')) : grant;
  // Messages that reached a DLQ before a key change are under a retired key: the move task reads them
  // with the caller's kms:Decrypt and writes them under the queue's current key.
  const retired = grantDecryptOnRetiredKeys(grantee, [...new Set([queue, ...deadLetterQueues].flatMap(retiredKeysOf))]);
  return retired ? withKey.combine(retired) : withKey;
}
