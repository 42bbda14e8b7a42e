import { Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The partner account that receives from the team's queue. */
export const PARTNER_ACCOUNT = '222222222222';

/**
 * The platform's stack: an SNS FIFO topic, hand-wired with the aws-cdk-lib L2s (no key: day 1).
 * Its construct IDs, and so its logical IDs, are relied on by tests: do not rename them.
 */
export class ShipmentsPlatformStack extends Stack {
  public readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    this.topic = new sns.Topic(this, 'Shipments', { topicName: 'two-stack-shipments.fifo', fifo: true });
  }
}

/** Props of the team's stack. */
export interface ShipmentsTeamStackProps extends StackProps {
  /** The platform's topic (a reference across stacks: the team stack deploys after the platform stack). */
  readonly topic: sns.ITopic;
}

/**
 * A team's stack: a FIFO queue on SSE-SQS subscribed to the platform's topic, a role that publishes
 * to the topic, a Lambda function consuming the queue, and a partner account the queue's policy
 * lets receive. Hand-wired with the aws-cdk-lib L2s: day 1.
 * Its construct IDs, and so its logical IDs, are relied on by tests: do not rename them.
 */
export class ShipmentsTeamStack extends Stack {
  public readonly queue: sqs.Queue;
  public readonly publisher: iam.Role;
  public readonly consumer: lambda.Function;

  constructor(scope: Construct, id: string, props: ShipmentsTeamStackProps) {
    super(scope, id, props);
    this.queue = new sqs.Queue(this, 'TeamShipments', {
      queueName: 'two-stack-team-shipments.fifo',
      fifo: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
    });
    // The subscription and the queue policy admitting SNS are created in this (the queue's) stack.
    props.topic.addSubscription(new subscriptions.SqsSubscription(this.queue, { rawMessageDelivery: true }));

    this.publisher = new iam.Role(this, 'ShipmentPublisher', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    props.topic.grantPublish(this.publisher);

    this.consumer = new lambda.Function(this, 'ShipmentConsumer', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
    });
    this.consumer.addEventSource(new SqsEventSource(this.queue, { reportBatchItemFailures: true }));

    this.queue.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.AccountPrincipal(PARTNER_ACCOUNT)],
      actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
      resources: [this.queue.queueArn],
    }));
  }
}

/** The two stacks of the example, in one account and region. */
export function shipmentsApp(scope: Construct, env = { account: '111111111111', region: 'eu-west-1' }) {
  const platform = new ShipmentsPlatformStack(scope, 'ShipmentsPlatform', { env });
  const team = new ShipmentsTeamStack(scope, 'ShipmentsTeam', { env, topic: platform.topic });
  return { platform, team };
}
