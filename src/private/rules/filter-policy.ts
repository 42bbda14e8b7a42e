import type { DeliveryRule, Reporter, SubscriptionView } from './rule';
import { say } from './text';
import { WARNING } from '../warnings';

const SOURCE = 'https://docs.aws.amazon.com/sns/latest/dg/fifo-message-delivery.html';

/** A filter policy on a FIFO subscription: delivery is at-most-once. */
export const filterPolicyRule: DeliveryRule = {
  id: WARNING.filterPolicyAtMostOnce,
  severity: 'warning',
  source: SOURCE,
  what: 'A filter policy on a subscription of a FIFO topic',
  checkSubscription(view: SubscriptionView, report: Reporter) {
    if (view.topicFifo === true && view.sub.has('FilterPolicy')) {
      report.warning(view.sub.cfn, say(
        `${view.sub.label} has a filter policy`,
        'With a filter policy, SNS delivers to this subscription at most once: exactly-once holds only for subscriptions without one',
        SOURCE,
        'remove FilterPolicy for exactly-once delivery, or acknowledge this warning if at-most-once is intended',
      ));
    }
  },
};
