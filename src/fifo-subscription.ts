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
   * Deliver only messages whose attributes match (at most 5 keys and 150 combinations of values).
   * With a filter policy, delivery to this subscriber is at-most-once (filtered messages are never
   * delivered to it), so warning `cdk-secure-fifo:filterPolicyAtMostOnce` is emitted. Not together
   * with `filterPolicyWithMessageBody`.
   *
   * @default - every message is delivered (exactly-once to a FIFO queue)
   */
  readonly filterPolicy?: { [attribute: string]: sns.SubscriptionFilter };

  /**
   * Deliver only messages whose JSON body matches (`FilterPolicyScope: MessageBody`; at most 5 leaf
   * keys and 150 combinations of values), e.g. `{ business: sns.FilterOrPolicy.filter(...) }`. Same
   * at-most-once warning as `filterPolicy`; not together with it.
   *
   * @default - every message is delivered (exactly-once to a FIFO queue)
   */
  readonly filterPolicyWithMessageBody?: { [attribute: string]: sns.FilterOrPolicy };
}

/**
 * Options for subscribing an SQS queue to a `SecureFifoTopic`.
 */
export interface SubscribeQueueOptions extends SubscriptionDeliveryOptions {
  /**
   * Where SNS puts messages it cannot deliver to the queue: a FIFO queue (SNS requires one for
   * every subscription of a FIFO topic, also a standard queue's) in the subscription's account and
   * region, encrypted with a customer managed key.
   *
   * @default - the queue's own DLQ when it is a FIFO `SecureFifoQueue` or an `sqs.Queue` with a FIFO
   * DLQ; otherwise a new FIFO DLQ next to the queue, on the queue's key
   */
  readonly deadLetterQueue?: sqs.IQueue;
}
