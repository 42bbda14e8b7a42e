import { Annotations, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DeliveryStatusLoggingOptions, FifoFanout, FifoSubscriber, IMessagingEndpoints, MessagingEndpoints, MessagingEndpointsAttributes, StandardSubscriber } from '../../src';

/**
 * A stand-in for the platform's VPC, so the private variant synthesizes without an account
 * (`app.ts` takes the real one from context).
 */
export const PLACEHOLDER_VPC: ec2.VpcAttributes = {
  vpcId: 'vpc-0123456789abcdef0',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
};

/**
 * Properties of the auto-parts price-management example.
 */
export interface PriceUpdatesStackProps extends StackProps {
  /**
   * The platform's existing VPC: when given, the stack adds SNS and SQS interface endpoints to it
   * and restricts the topic and queues to them.
   * @default - no VPC; the topic and queues are reachable through any network path (TLS only)
   */
  readonly privateNetwork?: ec2.VpcAttributes;

  /**
   * Interface endpoints the platform VPC already has: the topic and queues are restricted to them
   * and no endpoint is created (takes precedence over `privateNetwork`).
   * @default - none
   */
  readonly existingEndpoints?: MessagingEndpointsAttributes;

  /**
   * The topic's name, and the prefix of the queues' names.
   * @default 'price-updates'
   */
  readonly topicName?: string;

  /**
   * Let SNS deduplicate on a hash of the body. The business type is in the body, so the wholesale
   * and retail copies of one price differ and both are delivered, while an identical retry is
   * dropped: publishers need no deduplication IDs.
   * @default false - publishers send a deduplication ID with every update
   */
  readonly contentBasedDeduplication?: boolean;

  /**
   * Log the topic's delivery status to its queues in CloudWatch Logs (Security Hub control SNS.2).
   * @default - no delivery-status logging
   */
  readonly deliveryStatusLogging?: DeliveryStatusLoggingOptions;
}

/**
 * AWS's auto-parts price-management use case (SNS developer guide, FIFO message filtering): the
 * price system publishes every price update to one SNS FIFO topic; the wholesale and retail
 * applications each get, in order and once, only the prices for their business, from FIFO queues
 * filtered on the `business` key of the message body; an analytics application keeps every update
 * in a standard queue (at least once, best-effort order).
 */
export class PriceUpdatesStack extends Stack {
  /** The fan-out. */
  public readonly prices: FifoFanout;
  /** The wholesale subscriber: FIFO, `business` = `wholesale` in the body. */
  public readonly wholesale: FifoSubscriber;
  /** The retail subscriber: FIFO, `business` = `retail` in the body. */
  public readonly retail: FifoSubscriber;
  /** The analytics subscriber: a standard queue that receives every update. */
  public readonly analytics: StandardSubscriber;
  /** The role that publishes price updates. */
  public readonly publisherRole: iam.Role;
  /** The roles that consume wholesale and retail price updates. */
  public readonly consumerRoles: Record<'Wholesale' | 'Retail' | 'Analytics', iam.Role>;
  /** The interface endpoints, when `privateNetwork` or `existingEndpoints` is set. */
  public readonly endpoints?: IMessagingEndpoints;

  constructor(scope: Construct, id: string, props: PriceUpdatesStackProps = {}) {
    super(scope, id, props);

    if (props.existingEndpoints) {
      this.endpoints = MessagingEndpoints.fromEndpointIds(this, 'Endpoints', props.existingEndpoints);
    } else if (props.privateNetwork) {
      // The VPC is the platform's (it has its own flow logs and closed default security group).
      const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', props.privateNetwork);
      this.endpoints = new MessagingEndpoints(this, 'Endpoints', { vpc });
    }

    const topicName = props.topicName ?? 'price-updates';
    this.prices = new FifoFanout(this, 'PriceUpdates', {
      topicName,
      keyAlias: topicName,
      contentBasedDeduplication: props.contentBasedDeduplication,
      privateEndpoints: this.endpoints,
      deliveryStatusLogging: props.deliveryStatusLogging,
    });
    const forBusiness = (business: string) => ({
      business: sns.FilterOrPolicy.filter(sns.SubscriptionFilter.stringFilter({ allowlist: [business] })),
    });
    this.wholesale = this.prices.addSubscriber('Wholesale', {
      queueName: `${topicName}-wholesale`,
      maxReceiveCount: 5,
      filterPolicyWithMessageBody: forBusiness('wholesale'),
    });
    this.retail = this.prices.addSubscriber('Retail', {
      queueName: `${topicName}-retail`,
      maxReceiveCount: 5,
      filterPolicyWithMessageBody: forBusiness('retail'),
    });
    this.analytics = this.prices.addStandardSubscriber('Analytics', { queueName: `${topicName}-analytics`, maxReceiveCount: 5 });
    // The use case filters on purpose and keeps a standard queue on purpose: say so where it is decided.
    for (const subscriber of [this.wholesale, this.retail]) {
      Annotations.of(subscriber).acknowledgeWarning('cdk-secure-fifo:filterPolicyAtMostOnce',
        'Each business receives only its own prices; a price for the other business is not a loss.');
    }
    Annotations.of(this.analytics).acknowledgeWarning('cdk-secure-fifo:standardQueueAtLeastOnce',
      'Analytics keeps every update for business intelligence and tolerates duplicates and reordering.');

    // Grants go to customer managed policies (iam.ManagedPolicy is IGrantable), not inline ones.
    this.publisherRole = this.roleWithPolicy('PricePublisher', 'Publishes price updates', (policy) => this.prices.topic.grantPublish(policy));
    this.consumerRoles = {
      Wholesale: this.roleWithPolicy('WholesaleConsumer', 'Consumes wholesale price updates', (policy) => this.wholesale.grantConsumeMessages(policy)),
      Retail: this.roleWithPolicy('RetailConsumer', 'Consumes retail price updates', (policy) => this.retail.grantConsumeMessages(policy)),
      Analytics: this.roleWithPolicy('AnalyticsConsumer', 'Consumes every price update for analytics', (policy) => this.analytics.grantConsumeMessages(policy)),
    };
  }

  private roleWithPolicy(id: string, description: string, grant: (policy: iam.ManagedPolicy) => void): iam.Role {
    const policy = new iam.ManagedPolicy(this, `${id}Policy`, { description });
    grant(policy);
    return new iam.Role(this, id, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description,
      managedPolicies: [policy],
    });
  }
}
