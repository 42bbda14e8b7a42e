import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { IMessagingEndpoints } from './interfaces';

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
