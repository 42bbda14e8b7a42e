import type { DeliveryRule, End, Reporter, SubscriptionView } from './rule';
import { queueKey } from './rule';
import { say } from './text';
import { ValidationErrorCode } from '../../errors';

const SOURCE = 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html';

/**
 * Whether a key ID, ARN or alias names an AWS managed key (`alias/aws/...`): its policy cannot be
 * changed, so it can never admit SNS (SQS key management page; aws-cdk#19796). Shared by the
 * constructs' validation (`checkCustomerKey`) and the delivery checks.
 */
export function isAwsManagedKeyName(name: string): boolean {
  return /(^|[:/])alias\/aws\//.test(name);
}

/** A queue SNS delivers into (the subscribed queue or the subscription DLQ) on an AWS managed key. */
export const awsManagedKeyRule: DeliveryRule = {
  id: `cdk-secure-fifo:${ValidationErrorCode.AWS_MANAGED_KEY}`,
  severity: 'error',
  source: SOURCE,
  what: 'A subscribed queue or subscription DLQ encrypted with the AWS managed key (alias/aws/sqs)',
  checkSubscription(view: SubscriptionView, report: Reporter) {
    const targets: Array<[string, End | undefined]> = [['subscribed queue', view.queue], ['subscription dead-letter queue', view.dlq]];
    for (const [role, target] of targets) {
      if (!target?.res) {
        continue;
      }
      const key = queueKey(view.model, target.res);
      if (key.kind === 'awsManaged') {
        report.error(target.res.cfn, say(
          `${target.res.label}, the ${role} of ${view.sub.label}, is encrypted with the AWS managed key ${key.name}`,
          'The policy of an AWS managed key cannot be changed to let SNS use it, so SNS cannot deliver and the messages are lost',
          SOURCE,
          'encrypt the queue with a customer managed key whose policy lets sns.amazonaws.com use kms:GenerateDataKey* and kms:Decrypt with aws:SourceArn = the topic ARN',
        ));
      } else if (key.kind === 'unknown') {
        report.unknown(target.res.cfn, `${target.res.label}, the ${role} of ${view.sub.label}: its KmsMasterKeyId is ${key.why}, so whether it is an AWS managed key (which SNS cannot use) cannot be decided before deployment (${SOURCE})`);
      }
    }
  },
};
