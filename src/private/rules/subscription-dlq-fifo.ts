import { isIdentity } from './model';
import type { DeliveryRule, Reporter, SubscriptionView } from './rule';
import { say, SNS_DLQ_SOURCE } from './text';
import { ValidationErrorCode } from '../../errors';

/** What the constructs' validation and the delivery check say is allowed. */
export const FIFO_DLQ_ALLOWED = 'a FIFO queue (SNS moves what a FIFO topic could not deliver only to a FIFO dead-letter queue)';

/**
 * Whether a subscription DLQ breaks delivery because it is standard on a FIFO topic
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html). Shared by the constructs'
 * validation (`checkCmkQueue`, code NOT_FIFO) and the delivery checks.
 */
export function dlqMustBeFifo(topicFifo: boolean, dlqFifo: boolean): boolean {
  return topicFifo && !dlqFifo;
}

/** A standard subscription DLQ on a FIFO topic. */
export const subscriptionDlqFifoRule: DeliveryRule = {
  id: `cdk-secure-fifo:${ValidationErrorCode.NOT_FIFO}`,
  severity: 'error',
  source: SNS_DLQ_SOURCE,
  what: 'A subscription DLQ that is not FIFO on a FIFO topic',
  checkSubscription(view: SubscriptionView, report: Reporter) {
    if (view.topicFifo !== true || !view.dlq?.arn) {
      return;
    }
    let fifo: boolean | 'unknown';
    if (view.dlq.res) {
      const flag = view.dlq.res.bool('FifoQueue');
      fifo = flag === 'unknown' ? 'unknown' : flag === true;
    } else {
      fifo = isIdentity(view.dlq.arn) ? 'unknown' : view.dlq.arn.endsWith('.fifo');
    }
    const name = view.dlq.res?.label ?? view.dlq.arn;
    if (fifo === 'unknown') {
      report.unknown(view.sub.cfn, `${view.sub.label}: whether its dead-letter queue ${name} is FIFO cannot be decided before deployment; it must be ${FIFO_DLQ_ALLOWED} (${SNS_DLQ_SOURCE})`);
    } else if (dlqMustBeFifo(true, fifo)) {
      report.error(view.sub.cfn, say(
        `${view.sub.label} subscribes to a FIFO topic, and its dead-letter queue ${name} is a standard queue`,
        `The subscription DLQ of a FIFO topic must be ${FIFO_DLQ_ALLOWED}`,
        SNS_DLQ_SOURCE,
        'set RedrivePolicy.deadLetterTargetArn to a FIFO queue (name ending in .fifo) in the subscription\'s account and region',
      ));
    }
  },
};
