import { Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { FifoFanout, FifoSubscriber, MessagingEndpoints } from '../../src';

/**
 * Properties of the auto-parts price-management example.
 */
export interface PriceUpdatesStackProps extends StackProps {
  /**
   * Put publishers and consumers in a VPC and restrict the topic and queues to interface endpoints.
   * @default false
   */
  readonly privateNetwork?: boolean;
}

/**
 * The seed's use case: an auto-parts company publishes price updates to one SNS FIFO topic;
 * its wholesale and retail applications each consume them, in order and once, from their own
 * SQS FIFO queue. Publishers send a unique deduplication ID per update, because the wholesale and
 * retail bodies can be identical while only their attributes differ.
 */
export class PriceUpdatesStack extends Stack {
  /** The fan-out. */
  public readonly prices: FifoFanout;
  /** The wholesale subscriber. */
  public readonly wholesale: FifoSubscriber;
  /** The retail subscriber. */
  public readonly retail: FifoSubscriber;
  /** The role that publishes price updates. */
  public readonly publisherRole: iam.Role;
  /** The interface endpoints, when `privateNetwork` is set. */
  public readonly endpoints?: MessagingEndpoints;

  constructor(scope: Construct, id: string, props: PriceUpdatesStackProps = {}) {
    super(scope, id, props);

    if (props.privateNetwork) {
      const vpc = new ec2.Vpc(this, 'Vpc', {
        maxAzs: 2,
        natGateways: 0,
        subnetConfiguration: [{ name: 'messaging', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
      });
      this.endpoints = new MessagingEndpoints(this, 'Endpoints', { vpc });
    }

    this.prices = new FifoFanout(this, 'PriceUpdates', {
      topicName: 'price-updates',
      keyAlias: 'price-updates',
      privateEndpoints: this.endpoints,
    });
    this.wholesale = this.prices.addSubscriber('Wholesale', { queueName: 'price-updates-wholesale', maxReceiveCount: 5 });
    this.retail = this.prices.addSubscriber('Retail', { queueName: 'price-updates-retail', maxReceiveCount: 5 });

    this.publisherRole = new iam.Role(this, 'PricePublisher', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Publishes price updates',
    });
    this.prices.topic.grantPublish(this.publisherRole);

    for (const [name, subscriber] of [['Wholesale', this.wholesale], ['Retail', this.retail]] as const) {
      const consumer = new iam.Role(this, `${name}Consumer`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Consumes ${name.toLowerCase()} price updates`,
      });
      subscriber.grantConsumeMessages(consumer);
    }
  }
}
