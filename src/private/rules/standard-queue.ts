import { isIdentity } from './model';
import type { DeliveryRule, Reporter, SubscriptionView } from './rule';
import { say } from './text';
import { WARNING } from '../warnings';

const SOURCE = 'https://docs.aws.amazon.com/sns/latest/dg/fifo-message-delivery.html';

/** A standard queue subscribed to a FIFO topic: at-least-once, best-effort order. */
export const standardQueueRule: DeliveryRule = {
  id: WARNING.standardQueueAtLeastOnce,
  severity: 'warning',
  source: SOURCE,
  what: 'A standard queue subscribed to a FIFO topic',
  checkSubscription(view: SubscriptionView, report: Reporter) {
    if (view.topicFifo !== true || !view.queue.arn) {
      return;
    }
    const fifo = view.queue.res ? view.queue.res.bool('FifoQueue') === true : isIdentity(view.queue.arn) || view.queue.arn.endsWith('.fifo');
    if (!fifo && view.queue.res?.bool('FifoQueue') !== 'unknown') {
      report.warning(view.sub.cfn, say(
        `${view.sub.label} delivers a FIFO topic into the standard queue ${view.queue.res?.label ?? view.queue.arn}`,
        'SNS delivers to a standard queue at least once, in best-effort order, without the message group ID',
        SOURCE,
        'subscribe a FIFO queue for exactly-once, ordered delivery, or acknowledge this warning when consumers tolerate duplicates and reordering',
      ));
    }
  },
};
