import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { IFifoTopicSubscriber } from './interfaces';
import { LambdaConsumerOptions } from './options';
import { addLambdaConsumer } from './private/lambda-consumer';
import { grantRedrive, grantReplay } from './private/operations';

/**
 * What FIFO and standard subscribers of a FIFO topic share: consumers, Lambda consumers, replay and
 * redrive. Extended by `FifoSubscriber` and `StandardSubscriber`, as aws-cdk-lib's `QueueBase`
 * serves `Queue`.
 */
export abstract class TopicSubscriberBase extends Construct implements IFifoTopicSubscriber {
  /** The subscriber's queue. */
  public abstract readonly queue: sqs.IQueue;
  /** Where SQS moves messages consumers failed `maxReceiveCount` times. */
  public abstract readonly deadLetterQueue: sqs.IQueue;
  /** Where SNS moves messages it could not deliver. */
  public abstract readonly deliveryDeadLetterQueue: sqs.IQueue;
  /** The SNS subscription. */
  public abstract readonly subscription: sns.Subscription;
  /** Whether the queue is FIFO. */
  public abstract readonly fifo: boolean;
  /** Receives before a message moves to `deadLetterQueue`. */
  public abstract readonly maxReceiveCount: number;
  /** How long a received message stays hidden: consumers must delete it within this. */
  public abstract readonly visibilityTimeout: Duration;
  /** How long SQS keeps a message in the queue. */
  public abstract readonly retentionPeriod: Duration;

  /**
   * Let a role receive, delete and change visibility outside the private endpoints (e.g. the role
   * of a Lambda function: its event source mapping polls from outside your VPC).
   *
   * @param role the role to exempt
   */
  public abstract allowOutsideEndpoints(role: iam.IRole): void;

  /**
   * Grant `sqs:ReceiveMessage`, `sqs:ChangeMessageVisibility`, `sqs:GetQueueUrl`,
   * `sqs:DeleteMessage`, `sqs:GetQueueAttributes` on the queue and `kms:Decrypt` on its key (the
   * same as `queue.grants.consumeMessages`).
   *
   * @param grantee the consumer
   */
  public grantConsumeMessages(grantee: iam.IGrantable): iam.Grant {
    return this.queue.grantConsumeMessages(grantee);
  }

  /**
   * Consume the queue with a Lambda function: an SQS event source with partial batch responses
   * (`reportBatchItemFailures`), batches of at most 10 and no batching window for a FIFO queue, the
   * function's role exempted from private endpoints (the event source mapping polls from outside
   * your VPC). The queue's `visibilityTimeout` must be at least six times the function's timeout
   * (AWS's recommendation), or synth fails.
   *
   * @param fn the consumer function
   * @param options batch size and concurrency
   */
  public addLambdaConsumer(fn: lambda.IFunction, options: LambdaConsumerOptions = {}): sources.SqsEventSource {
    return addLambdaConsumer(this, this.queue, this.visibilityTimeout, fn, options, (role) => this.allowOutsideEndpoints(role));
  }

  /**
   * Grant `sns:SetSubscriptionAttributes` and `sns:GetSubscriptionAttributes` on this subscription,
   * to start a replay from the topic's archive (`ReplayPolicy`; see the README's runbook).
   *
   * @param grantee the operator
   */
  public grantReplay(grantee: iam.IGrantable): iam.Grant {
    return grantReplay(grantee, this.subscription);
  }

  /**
   * Grant what a DLQ redrive (`StartMessageMoveTask`) back to the queue needs: move-task, receive
   * and delete on the DLQs, send on the queue, `kms:Decrypt` and `kms:GenerateDataKey` on the key.
   *
   * @param grantee the operator
   */
  public grantRedrive(grantee: iam.IGrantable): iam.Grant {
    return grantRedrive(grantee, this.queue, [this.deadLetterQueue, this.deliveryDeadLetterQueue]);
  }
}
