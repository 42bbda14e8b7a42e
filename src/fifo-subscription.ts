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
   * Keys the queue and its DLQs will switch to in a later deploy (step 1 of the README runbook
   * "Change the key of a running fan-out"). They never encrypt: every grant on the queue's key
   * (consumers, producers, `addLambdaConsumer`, `grantRedrive`) is made on them too, with the same
   * KMS actions, and SNS is admitted to them for the topic, so that the deploy that switches to one
   * (`encryptionKey`) finds every caller already granted.
   *
   * @default - no pending keys
   */
  readonly pendingKeys?: kms.IKey[];

  /**
   * With `encryptionKey`: keep the key this construct creates without one (a `FifoKey` at
   * `<queue>/Key`, `<subscriber>/Key` for a `StandardSubscriber`) in the stack, at its logical ID, as
   * a retired key (as if listed in `retiredKeys`), so that what it encrypted stays readable.
   * Refused without `encryptionKey`, and on a subscriber that shares its topic's key (it has no key
   * of its own).
   *
   * @default false - with `encryptionKey`, no key of its own is created
   */
  readonly retireOwnKey?: boolean;

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
