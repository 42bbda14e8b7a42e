import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';

/**
 * How SNS delivers to one subscribed queue.
 */
export interface SubscriptionDeliveryOptions {
  /**
   * Deliver the published body as is (attributes become SQS message attributes) instead of an SNS
   * JSON envelope.
   *
   * @default true
   */
  readonly rawMessageDelivery?: boolean;

  /**
   * Deliver only messages whose attributes match. With a filter policy a FIFO subscription is
   * at-most-once (filtered messages are never delivered), so warning
   * `cdk-secure-fifo:filterPolicyAtMostOnce` is emitted.
   *
   * @default - every message is delivered (exactly-once)
   */
  readonly filterPolicy?: { [attribute: string]: sns.SubscriptionFilter };
}

/**
 * Options for subscribing an SQS FIFO queue to a `SecureFifoTopic`.
 */
export interface SubscribeQueueOptions extends SubscriptionDeliveryOptions {
  /**
   * Where SNS puts messages it cannot deliver to the queue (FIFO, customer managed key).
   *
   * @default - the queue's own DLQ when it is a `SecureFifoQueue` or an `sqs.Queue` with one;
   * otherwise a new FIFO DLQ encrypted with the topic's key
   */
  readonly deadLetterQueue?: sqs.IQueue;
}

