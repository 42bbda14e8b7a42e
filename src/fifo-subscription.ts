import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IMessagingEndpoints } from './interfaces';

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
   * How long Lambda gathers messages before invoking (standard queues only; FIFO event sources take
   * no batching window).
   *
   * @default - no batching window
   */
  readonly maxBatchingWindow?: Duration;
}

/**
 * What every queue the library builds takes: its key, its dead-letter settings, its timings, its
 * removal policy and its endpoints.
 */
export interface QueueOptions {
  /**
   * The customer managed key that encrypts the queue and its DLQs. AWS managed keys are refused.
   *
   * @default - a subscriber in its topic's stack shares the topic's key; otherwise (and for a
   * `SecureFifoQueue` alone) a new `FifoKey`
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Keys that encrypted the queue and its DLQs before a key change. They never encrypt again, but
   * messages written under them before the change stay encrypted with them: every consumer grant
   * (`grantConsumeMessages`, `addLambdaConsumer`, `grantRedrive`) also gets `kms:Decrypt` on them,
   * the SNS statements for the topic stay in their key policies, and warning
   * `cdk-secure-fifo:retiredKey` says how long each must stay (see the README runbook "Change the key
   * of a running fan-out"). Keep constructing a key you created in CDK, so it stays in the stack.
   *
   * @default - no retired keys
   */
  readonly retiredKeys?: kms.IKey[];

  /**
   * Receives of one message before SQS moves it to the (consumer) DLQ (1-1000).
   *
   * @default 5
   */
  readonly maxReceiveCount?: number;

  /**
   * How long a received message stays hidden from other consumers (0 s-12 h). For exactly-once
   * processing the consumer must delete a message before this elapses.
   *
   * @default Duration.seconds(30)
   */
  readonly visibilityTimeout?: Duration;

  /**
   * How long SQS keeps a message in the queue (60 s-14 days).
   *
   * @default Duration.days(4)
   */
  readonly retentionPeriod?: Duration;

  /**
   * How long SQS reuses a data key before calling KMS again (60 s-24 h). Longer means fewer KMS
   * requests.
   *
   * @default Duration.minutes(5)
   */
  readonly dataKeyReuse?: Duration;

  /**
   * What happens to the queue and its DLQs (and their messages) when they leave the stack. `SNAPSHOT`
   * is refused: SQS queues cannot be snapshotted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Interface VPC endpoints through which, and only through which, principals may send, receive,
   * delete and change the visibility of messages. SNS delivering and administrators are not affected.
   *
   * @default - reachable through any network path (still TLS only)
   */
  readonly privateEndpoints?: IMessagingEndpoints;
}
