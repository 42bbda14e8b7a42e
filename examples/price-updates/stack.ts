import { Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { FifoFanout, FifoSubscriber, IMessagingEndpoints, MessagingEndpoints, MessagingEndpointsAttributes } from '../../src';

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
  /** The roles that consume wholesale and retail price updates. */
  public readonly consumerRoles: Record<'Wholesale' | 'Retail', iam.Role>;
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

    this.prices = new FifoFanout(this, 'PriceUpdates', {
      topicName: 'price-updates',
      keyAlias: 'price-updates',
      privateEndpoints: this.endpoints,
    });
    this.wholesale = this.prices.addSubscriber('Wholesale', { queueName: 'price-updates-wholesale', maxReceiveCount: 5 });
    this.retail = this.prices.addSubscriber('Retail', { queueName: 'price-updates-retail', maxReceiveCount: 5 });

    // Grants go to customer managed policies (iam.ManagedPolicy is IGrantable), not inline ones.
    this.publisherRole = this.roleWithPolicy('PricePublisher', 'Publishes price updates', (policy) => this.prices.topic.grantPublish(policy));
    this.consumerRoles = {
      Wholesale: this.roleWithPolicy('WholesaleConsumer', 'Consumes wholesale price updates', (policy) => this.wholesale.grantConsumeMessages(policy)),
      Retail: this.roleWithPolicy('RetailConsumer', 'Consumes retail price updates', (policy) => this.retail.grantConsumeMessages(policy)),
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
