import type { DeliveryRule, End, Reporter, SubscriptionView } from './rule';
import { keyPolicyAdmitsSns, queueKey } from './rule';
import { say } from './text';
import { ValidationErrorCode } from '../../errors';

const SOURCE = 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html';
const FIX = 'add a key policy statement that allows Principal {"Service": "sns.amazonaws.com"} the actions kms:GenerateDataKey* and kms:Decrypt on "*", with the condition ArnEquals aws:SourceArn = the topic ARN';

/**
 * Checks the key of a queue SNS delivers into: its policy must let SNS use it for the topic.
 * Shared by the subscribed-queue rule and the DLQ rule.
 */
export function checkSnsKey(view: SubscriptionView, target: End, role: string, report: Reporter, source: string): void {
  if (!target.res) {
    return;
  }
  const key = queueKey(view.model, target.res);
  if (key.kind === 'key') {
    const verdict = keyPolicyAdmitsSns(view, key.key);
    if (verdict.allowed === 'no') {
      report.error(key.key.cfn, say(
        `${key.key.label} encrypts ${target.res.label}, the ${role} of ${view.sub.label}, but its key policy does not let sns.amazonaws.com use kms:GenerateDataKey* and kms:Decrypt for ${view.topic.arn ?? 'the topic'}`,
        'SNS must encrypt every message it delivers into the queue with this key; denied, SNS does not retry (a client error) and the message is lost',
        source, FIX,
      ));
    } else if (verdict.allowed === 'unknown') {
      report.unknown(key.key.cfn, `${key.key.label} encrypts ${target.res.label}, the ${role} of ${view.sub.label}: whether its policy lets SNS use it cannot be decided before deployment (${verdict.why}). ${source}`);
    }
  } else if (key.kind === 'external') {
    report.unknown(target.res.cfn, `${target.res.label}, the ${role} of ${view.sub.label}, is encrypted with ${key.name}, a key outside this app: its policy must let sns.amazonaws.com use kms:GenerateDataKey* and kms:Decrypt for the topic; this check cannot read it (${source})`);
  }
}

/** A subscribed queue whose customer managed key does not admit SNS for the topic. */
export const snsKeyPolicyRule: DeliveryRule = {
  id: `cdk-secure-fifo:${ValidationErrorCode.SNS_KEY_POLICY}`,
  severity: 'error',
  source: SOURCE,
  what: 'A subscribed queue whose customer managed key policy does not admit sns.amazonaws.com for the topic',
  checkSubscription(view: SubscriptionView, report: Reporter) {
    checkSnsKey(view, view.queue, 'subscribed queue', report, SOURCE);
  },
};
