import { Aspects, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SecureExistingFifo } from '../../src';

/** How far the existing fan-out has been brought under this stack. */
export enum Phase {
  /** Only what CloudFormation can import (topic and queues), for `cdk import`. */
  IMPORT = 'import',
  /** The whole hand-wired fan-out, as its team wrote it: subscriptions, grants. */
  HAND_WIRED = 'hand-wired',
  /** The same, secured in place by `SecureExistingFifo`. */
  SECURED = 'secured',
}

/** Props of `ExistingFifoStack`. */
export interface ExistingFifoStackProps extends StackProps {
  /** @default Phase.SECURED */
  readonly phase?: Phase;
  /** The names the resources already have in the account. @default 'orders' */
  readonly topicName?: string;
}

/**
 * An order fan-out that already runs, created outside CloudFormation (console, CLI, another tool):
 * an SNS FIFO topic `orders.fifo` and two FIFO queues `billing.fifo` and `shipping.fifo` with the
 * same names here, so that `cdk import` maps each to its resource. Every imported resource is
 * retained (`DeletionPolicy: Retain`), which CloudFormation resource import requires
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/import-resources-automatically.html).
 */
export class ExistingFifoStack extends Stack {
  /** The topic. */
  public readonly topic: sns.Topic;
  /** The queues, by name. */
  public readonly queues: Record<'billing' | 'shipping', sqs.Queue>;

  constructor(scope: Construct, id: string, props: ExistingFifoStackProps = {}) {
    super(scope, id, props);
    const phase = props.phase ?? Phase.SECURED;
    const name = props.topicName ?? 'orders';
    this.topic = new sns.Topic(this, 'Orders', { fifo: true, topicName: name });
    this.topic.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const queue = (id2: string, queueName: string) => new sqs.Queue(this, id2, {
      fifo: true,
      queueName: `${queueName}.fifo`,
      visibilityTimeout: Duration.minutes(5),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.queues = { billing: queue('Billing', `${name}-billing`), shipping: queue('Shipping', `${name}-shipping`) };
    if (phase === Phase.IMPORT) {
      return;
    }
    // Subscriptions cannot be imported: declared with the attributes the existing ones have, SNS
    // Subscribe returns the existing subscription (see README, "Secure what you already run").
    this.topic.addSubscription(new subs.SqsSubscription(this.queues.billing, { rawMessageDelivery: true }));
    this.topic.addSubscription(new subs.SqsSubscription(this.queues.shipping, { rawMessageDelivery: true }));
    this.topic.grantPublish(new iam.Role(this, 'Publisher', { assumedBy: new iam.AccountRootPrincipal() }));
    this.queues.billing.grantConsumeMessages(new iam.Role(this, 'BillingConsumer', { assumedBy: new iam.AccountRootPrincipal() }));
    this.queues.shipping.grantConsumeMessages(new iam.Role(this, 'ShippingConsumer', { assumedBy: new iam.AccountRootPrincipal() }));
    if (phase === Phase.SECURED) {
      Aspects.of(this).add(new SecureExistingFifo());
    }
  }
}
