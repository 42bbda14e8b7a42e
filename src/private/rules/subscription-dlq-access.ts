import type { DeliveryRule, Reporter, SubscriptionView } from './rule';
import { checkSnsKey } from './sns-key-policy';
import { checkSnsQueuePolicy } from './sns-queue-policy';
import { SNS_DLQ_SOURCE } from './text';
import { ValidationErrorCode } from '../../errors';

/** A subscription DLQ SNS may not send to: its queue policy or its key policy does not admit the topic. */
export const subscriptionDlqAccessRule: DeliveryRule = {
  id: `cdk-secure-fifo:${ValidationErrorCode.SNS_DLQ_ACCESS}`,
  severity: 'error',
  source: SNS_DLQ_SOURCE,
  what: 'A subscription DLQ whose queue policy or key policy does not admit sns.amazonaws.com for the topic',
  checkSubscription(view: SubscriptionView, report: Reporter) {
    if (!view.dlq) {
      return;
    }
    if (!view.dlq.arn) {
      report.unknown(view.sub.cfn, `${view.sub.label}: its dead-letter queue is ${view.dlq.why}, so whether SNS may send to it cannot be decided before deployment (${SNS_DLQ_SOURCE})`);
      return;
    }
    checkSnsQueuePolicy(view, view.dlq, 'subscription dead-letter queue', report, SNS_DLQ_SOURCE);
    checkSnsKey(view, view.dlq, 'subscription dead-letter queue', report, SNS_DLQ_SOURCE);
  },
};
