import type { DeliveryRule, End, Reporter, SubscriptionView } from './rule';
import { queuePolicyAdmitsSns } from './rule';
import { say } from './text';
import { ValidationErrorCode } from '../../errors';

const SOURCE = 'https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html';
const FIX = 'add a queue policy statement that allows Principal {"Service": "sns.amazonaws.com"} the action sqs:SendMessage on the queue ARN, with the condition ArnEquals aws:SourceArn = the topic ARN (aws-cdk-lib: queue.addToResourcePolicy, or topic.addSubscription(new SqsSubscription(queue)))';

/** Checks that a queue SNS delivers into lets SNS send from the topic. Shared by the queue and DLQ rules. */
export function checkSnsQueuePolicy(view: SubscriptionView, target: End, role: string, report: Reporter, source: string): void {
  if (!target.res) {
    const what = target.arn ?? target.why ?? 'unknown';
    report.unknown(view.sub.cfn, `${view.sub.label}: its ${role} ${what} is not a queue of this app, so whether its policy lets SNS send (and its key lets SNS encrypt) cannot be decided here (${source})`);
    return;
  }
  const verdict = queuePolicyAdmitsSns(view, target.res);
  if (verdict.allowed === 'no') {
    report.error(target.res.cfn, say(
      `${target.res.label}, the ${role} of ${view.sub.label}, has no queue policy that lets sns.amazonaws.com sqs:SendMessage from ${view.topic.arn ?? 'the topic'}`,
      'SNS is denied every delivery into it; a denial is a client error SNS does not retry, so the messages are lost',
      source, FIX,
    ));
  } else if (verdict.allowed === 'unknown') {
    report.unknown(target.res.cfn, `${target.res.label}, the ${role} of ${view.sub.label}: whether its queue policy lets SNS send cannot be decided before deployment (${verdict.why}). ${source}`);
  }
}

/** A subscribed queue whose policy does not let SNS send from the topic. */
export const snsQueuePolicyRule: DeliveryRule = {
  id: `cdk-secure-fifo:${ValidationErrorCode.SNS_QUEUE_POLICY}`,
  severity: 'error',
  source: SOURCE,
  what: 'A subscribed queue whose policy does not let sns.amazonaws.com sqs:SendMessage from the topic',
  checkSubscription(view: SubscriptionView, report: Reporter) {
    checkSnsQueuePolicy(view, view.queue, 'subscribed queue', report, SOURCE);
  },
};
