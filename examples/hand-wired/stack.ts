import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Properties of the hand-wired order events example. */
export interface HandWiredStackProps extends StackProps {
  /**
   * The topic's name, and the prefix of the queues' names.
   * @default 'hand-wired-orders'
   */
  readonly topicName?: string;
}

/**
 * An SNS FIFO topic with two FIFO subscriber queues, written as people write it with the
 * aws-cdk-lib L2s and no help from this library: the topic has no key, the billing queue is
 * unencrypted, the shipping queue uses SSE-SQS; billing's subscription has a DLQ, shipping's has
 * none; a role consumes shipping with `grantConsumeMessages`, another publishes with `grantPublish`.
 *
 * This is the "day 1" stack that `SecureExistingFifo` secures in place (app.ts, `-c secure=true`).
 * Its construct IDs, and so its logical IDs, are relied on by tests: do not rename them.
 */
export class HandWiredStack extends Stack {
  public readonly topic: sns.Topic;
  public readonly billing: sqs.Queue;
  public readonly billingDlq: sqs.Queue;
  public readonly billingSubscriptionDlq: sqs.Queue;
  public readonly shipping: sqs.Queue;
  public readonly shippingConsumer: iam.Role;
  public readonly publisher: iam.Role;

  constructor(scope: Construct, id: string, props: HandWiredStackProps = {}) {
    super(scope, id, props);
    const name = props.topicName ?? 'hand-wired-orders';

    this.topic = new sns.Topic(this, 'Orders', {
      topicName: `${name}.fifo`,
      fifo: true,
    });

    this.billingDlq = new sqs.Queue(this, 'BillingDlq', {
      queueName: `${name}-billing-dlq.fifo`,
      fifo: true,
      encryption: sqs.QueueEncryption.UNENCRYPTED,
    });
    this.billing = new sqs.Queue(this, 'Billing', {
      queueName: `${name}-billing.fifo`,
      fifo: true,
      encryption: sqs.QueueEncryption.UNENCRYPTED,
      visibilityTimeout: Duration.seconds(30),
      deadLetterQueue: { queue: this.billingDlq, maxReceiveCount: 3 },
    });
    this.billingSubscriptionDlq = new sqs.Queue(this, 'BillingSubscriptionDlq', {
      queueName: `${name}-billing-subscription-dlq.fifo`,
      fifo: true,
      encryption: sqs.QueueEncryption.UNENCRYPTED,
    });
    this.topic.addSubscription(new subscriptions.SqsSubscription(this.billing, {
      rawMessageDelivery: true,
      deadLetterQueue: this.billingSubscriptionDlq,
    }));

    this.shipping = new sqs.Queue(this, 'Shipping', {
      queueName: `${name}-shipping.fifo`,
      fifo: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
    });
    this.topic.addSubscription(new subscriptions.SqsSubscription(this.shipping, { rawMessageDelivery: true }));

    this.shippingConsumer = new iam.Role(this, 'ShippingConsumer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    this.shipping.grantConsumeMessages(this.shippingConsumer);

    this.publisher = new iam.Role(this, 'OrderPublisher', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    this.topic.grantPublish(this.publisher);
  }
}
