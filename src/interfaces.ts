import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { IConstruct } from 'constructs';
import type { LambdaConsumerOptions, SubscribeQueueOptions } from './options';

/**
 * An SNS FIFO topic that can subscribe SQS queues with their policies, key statements and
 * dead-letter queue: a `SecureFifoTopic`, or one imported with `SecureFifoTopic.fromTopicAttributes`.
 */
export interface ISecureFifoTopic extends sns.ITopic {
  /**
   * Subscribe an SQS FIFO queue. The subscription is created next to the queue (in the queue's
   * stack), as aws-cdk's `SqsSubscription` does, so a queue in a team's stack makes that stack
   * depend on the topic's, never the reverse.
   *
   * @param id construct id of the subscription, unique next to the queue
   * @param queue the queue to deliver to
   * @param options subscription options
   */
  subscribeQueue(id: string, queue: sqs.IQueue, options?: SubscribeQueueOptions): sns.Subscription;
}

/**
 * An SQS FIFO queue with its dead-letter queue, as `SecureFifoQueue` builds it.
 */
export interface ISecureFifoQueue extends sqs.IQueue {
  /** The dead-letter queue: consumer failures after `maxReceiveCount` receives, and SNS delivery failures. */
  readonly deadLetterQueue: sqs.IQueue;
  /** Receives of one message before SQS moves it to the dead-letter queue. */
  readonly maxReceiveCount: number;

  /**
   * Let a role receive, delete and change visibility outside the private endpoints (for example the
   * role of a Lambda function whose event source mapping polls from outside your VPC).
   *
   * @param role the role to exempt
   */
  allowOutsideEndpoints(role: iam.IRole): void;
}

/**
 * A subscriber of a FIFO topic, FIFO (`FifoSubscriber`) or standard (`StandardSubscriber`): what
 * operators and tools need to handle both kinds alike.
 */
export interface IFifoTopicSubscriber extends IConstruct {
  /** The subscriber's queue. */
  readonly queue: sqs.IQueue;
  /** Where SQS moves messages consumers failed `maxReceiveCount` times. */
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * Where SNS moves messages it could not deliver (a FIFO queue; for a FIFO subscriber the same
   * queue as `deadLetterQueue`).
   */
  readonly deliveryDeadLetterQueue: sqs.IQueue;
  /** The SNS subscription. */
  readonly subscription: sns.Subscription;
  /** Whether the subscriber's queue is FIFO (exactly-once, ordered) or standard (at-least-once, best-effort order). */
  readonly fifo: boolean;
  /** Receives of one message before SQS moves it to `deadLetterQueue`. */
  readonly maxReceiveCount: number;
  /** How long a received message stays hidden: consumers must delete it within this. */
  readonly visibilityTimeout: Duration;
  /** How long SQS keeps a message in the queue before deleting it. */
  readonly retentionPeriod: Duration;

  /**
   * Let a role receive, delete and change visibility outside the private endpoints (e.g. the role
   * of a Lambda function: its event source mapping polls from outside your VPC).
   *
   * @param role the role to exempt
   */
  allowOutsideEndpoints(role: iam.IRole): void;

  /**
   * Grant receive, delete and change-visibility on the subscriber's queue, and `kms:Decrypt` on its key.
   *
   * @param grantee the consumer
   */
  grantConsumeMessages(grantee: iam.IGrantable): iam.Grant;

  /**
   * Consume the queue with a Lambda function: an SQS event source with partial batch responses,
   * batches of at most 10 and no batching window for FIFO, the role exempted from private endpoints.
   * The queue's visibility timeout must be at least six times the function's timeout.
   *
   * @param fn the consumer function
   * @param options batch size and concurrency
   */
  addLambdaConsumer(fn: lambda.IFunction, options?: LambdaConsumerOptions): sources.SqsEventSource;

  /**
   * Grant `sns:SetSubscriptionAttributes` and `sns:GetSubscriptionAttributes` on the subscription,
   * to start a replay from the topic's archive (`ReplayPolicy`).
   *
   * @param grantee the operator
   */
  grantReplay(grantee: iam.IGrantable): iam.Grant;

  /**
   * Grant what a DLQ redrive (`StartMessageMoveTask`) back to the queue needs: move-task, receive
   * and delete on the DLQs, send on the queue, and the key's decrypt and data-key actions.
   *
   * @param grantee the operator
   */
  grantRedrive(grantee: iam.IGrantable): iam.Grant;
}

/**
 * Interface VPC endpoints that topics and queues can be restricted to: `MessagingEndpoints`, or
 * existing endpoints named with `MessagingEndpoints.fromEndpointIds`.
 */
export interface IMessagingEndpoints extends IConstruct {
  /** The SNS interface endpoint's ID (`vpce-...`), if there is one. */
  readonly snsEndpointId?: string;
  /** The SQS interface endpoint's ID (`vpce-...`), if there is one. */
  readonly sqsEndpointId?: string;

  /**
   * Register a topic with the SNS endpoint (it matters only with `restrictToRegisteredResources`).
   *
   * @param topicArn the topic's ARN
   */
  allowTopic(topicArn: string): void;

  /**
   * Register a queue with the SQS endpoint (it matters only with `restrictToRegisteredResources`).
   *
   * @param queueArn the queue's ARN
   */
  allowQueue(queueArn: string): void;

  /**
   * Register a key with the KMS endpoint, if there is one.
   *
   * @param key the key
   */
  allowKey(key: kms.IKey): void;
}
