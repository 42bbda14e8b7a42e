import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';

/**
 * How SNS delivers to one subscribed queue.
 */
export interface SubscriptionDeliveryOptions {
  /**
   * Deliver the published body as is (attributes become SQS message attributes) instead of an SNS
   * JSON envelope. With raw delivery SNS sends at most 10 message attributes to SQS: a message
   * published with more is discarded as a client error, so it reaches the subscription's
   * dead-letter queue instead of the queue
   * (https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html). Publishers must send
   * at most 10 attributes, or set this to false (the envelope carries them all).
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
/**
 * How a Lambda function consumes a subscriber's queue.
 */
export interface LambdaConsumerOptions {
  /**
   * Messages per invocation: 1-10 for a FIFO queue, 1-10,000 for a standard queue (above 10 needs
   * `maxBatchingWindow`).
   *
   * @default 10
   */
  readonly batchSize?: number;

  /**
   * The most concurrent invocations the event source starts (2-1000). For a FIFO queue, Lambda
   * processes each message group in order, so concurrency never exceeds the number of active groups.
   *
   * @default - no limit beyond the function's concurrency
   */
  readonly maxConcurrency?: number;

  /**
   * Provisioned mode: dedicated event pollers for this event source, `minimumPollers` 2-200 and
   * `maximumPollers` 2-2,000 (at least the minimum). Lambda takes either this or `maxConcurrency`,
   * not both.
   *
   * @see https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html
   * @default - standard mode: Lambda scales the pollers itself
   */
  readonly provisionedPollerConfig?: lambda.ProvisionedPollerConfig;

  /**
   * How long Lambda gathers messages before invoking (standard queues only; FIFO event sources take
   * no batching window).
   *
   * @default - no batching window
   */
  readonly maxBatchingWindow?: Duration;
}

/**
 * Delivery-status logging of a FIFO topic's deliveries to its SQS subscribers, in CloudWatch Logs
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-topic-attributes.html). Every failed delivery is
 * logged; successful ones are sampled. Satisfies Security Hub control SNS.2.
 */
export interface DeliveryStatusLoggingOptions {
  /**
   * The percentage of successful deliveries to log, a whole number from 0 to 100. Failed
   * deliveries are always logged.
   *
   * @default 0 - only failed deliveries are logged
   */
  readonly successSampleRate?: number;
}
