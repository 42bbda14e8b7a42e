import type { DeliveryRule, Reporter, SubscriptionView } from './rule';
import { say } from './text';
import { WARNING } from '../warnings';

/** The SNS page on message attributes: the 10-attribute limit of raw delivery to SQS. */
export const RAW_DELIVERY_SOURCE = 'https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html';

/** The most message attributes SNS sends to an SQS subscription with raw message delivery. */
export const RAW_DELIVERY_MAX_ATTRIBUTES = 10;

/**
 * Raw message delivery to SQS: a message with more than 10 attributes is discarded. A note (info),
 * not a warning: the limit is on what publishers send, so no change to a correct template clears it.
 */
export const rawDeliveryAttributesRule: DeliveryRule = {
  id: WARNING.rawDeliveryAttributeLimit,
  severity: 'info',
  source: RAW_DELIVERY_SOURCE,
  what: 'Raw message delivery to an SQS queue',
  checkSubscription(view: SubscriptionView, report: Reporter) {
    if (view.sub.bool('RawMessageDelivery') === true) {
      report.note(view.sub.cfn, say(
        `${view.sub.label} has raw message delivery on`,
        `SNS sends at most ${RAW_DELIVERY_MAX_ATTRIBUTES} message attributes to an SQS subscription with raw delivery; a message with more is discarded as a client error (kept only in a subscription DLQ)`,
        RAW_DELIVERY_SOURCE,
        `make sure publishers send at most ${RAW_DELIVERY_MAX_ATTRIBUTES} message attributes, or turn raw delivery off`,
      ));
    }
  },
};
