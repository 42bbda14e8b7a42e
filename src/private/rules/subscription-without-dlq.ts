import type { DeliveryRule, Reporter, SubscriptionView } from './rule';
import { say, SNS_DLQ_SOURCE } from './text';
import { WARNING } from '../warnings';

/** A FIFO subscription without a subscription DLQ: what SNS cannot deliver is dropped. */
export const subscriptionWithoutDlqRule: DeliveryRule = {
  id: WARNING.subscriptionWithoutDeadLetterQueue,
  severity: 'warning',
  source: SNS_DLQ_SOURCE,
  what: 'A subscription of a FIFO topic without a subscription DLQ (RedrivePolicy)',
  checkSubscription(view: SubscriptionView, report: Reporter) {
    if (view.topicFifo === true && view.dlq === undefined) {
      report.warning(view.sub.cfn, say(
        `${view.sub.label} has no dead-letter queue`,
        'A message SNS cannot deliver (a client error such as a denied key, or retries exhausted) is dropped instead of kept',
        SNS_DLQ_SOURCE,
        'set RedrivePolicy {"deadLetterTargetArn": <a FIFO queue ARN in the subscription\'s account and region>} on the subscription (aws-cdk-lib: SqsSubscription\'s deadLetterQueue)',
      ));
    }
  },
};
