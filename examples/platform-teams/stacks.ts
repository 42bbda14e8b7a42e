import { App, Arn, ArnFormat, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { FifoFanout, FifoSubscriber, ISecureFifoTopic, SecureFifoTopic } from '../../src';

/** Grants go to customer managed policies (iam.ManagedPolicy is IGrantable), not inline ones. */
function roleWithPolicy(scope: Construct, id: string, description: string, grant: (policy: iam.ManagedPolicy) => void): iam.Role {
  const policy = new iam.ManagedPolicy(scope, `${id}Policy`, { description });
  grant(policy);
  return new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description,
    managedPolicies: [policy],
  });
}

/**
 * Properties of the platform stack.
 */
export interface PlatformStackProps extends StackProps {
  /** Accounts whose teams may subscribe their own queues to the topic. */
  readonly consumerAccounts: string[];
}

/**
 * The platform team's stack: the price-updates topic and its key, a publisher role, and permission
 * for consumer accounts to subscribe (over SQS only).
 */
export class PlatformStack extends Stack {
  /** The fan-out that owns the topic and its key. */
  public readonly prices: FifoFanout;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);
    this.prices = new FifoFanout(this, 'Prices', { topicName: 'price-updates' });
    for (const account of props.consumerAccounts) {
      this.prices.topic.grantSubscribe(new iam.AccountPrincipal(account));
    }
    roleWithPolicy(this, 'PricePublisher', 'Publishes price updates', (policy) => this.prices.topic.grantPublish(policy));
  }
}

/**
 * Properties of a team stack.
 */
export interface TeamStackProps extends StackProps {
  /**
   * The platform's topic, when the team is in the platform's account and app.
   * @default - imported from `topicArn`
   */
  readonly topic?: ISecureFifoTopic;
  /**
   * The platform topic's ARN, for a team in another account (or another app).
   * @default - `topic` is used
   */
  readonly topicArn?: string;
  /** The subscriber's construct id; its queue is named `price-updates-<team>`. */
  readonly team: string;
}

/**
 * A consuming team's stack: its subscriber (queue, DLQ, key, subscription) and a consumer role.
 * In the platform's account the dependency runs from this stack to the platform's, never the
 * reverse; in another account the topic is imported by ARN and nothing refers back.
 */
export class TeamStack extends Stack {
  /** The team's subscriber. */
  public readonly subscriber: FifoSubscriber;

  constructor(scope: Construct, id: string, props: TeamStackProps) {
    super(scope, id, props);
    const topic = props.topic ?? SecureFifoTopic.fromTopicArn(this, 'Prices', props.topicArn!);
    this.subscriber = new FifoSubscriber(this, props.team, { topic, queueName: `price-updates-${props.team.toLowerCase()}` });
    roleWithPolicy(this, `${props.team}Consumer`, `Consumes price updates for ${props.team}`, (policy) => this.subscriber.grantConsumeMessages(policy));
  }
}

/**
 * Where the platform and its consumers live.
 */
export interface PlatformTeamsProps {
  /** The platform's account (topic, key, the retail team). */
  readonly platformAccount: string;
  /** The billing team's account. */
  readonly consumerAccount: string;
  /** The region of every stack (SNS subscriptions are created in the topic's region). */
  readonly region: string;
}

/** The three stacks: the platform, a team in the platform's account, a team in another account. */
export function platformTeams(app: App, props: PlatformTeamsProps): { platform: PlatformStack; retail: TeamStack; billing: TeamStack } {
  const platformEnv = { account: props.platformAccount, region: props.region };
  const platform = new PlatformStack(app, 'Platform', { env: platformEnv, consumerAccounts: [props.consumerAccount] });
  const retail = new TeamStack(app, 'RetailTeam', { env: platformEnv, topic: platform.prices.topic, team: 'Retail' });
  const billing = new TeamStack(app, 'BillingTeam', {
    env: { account: props.consumerAccount, region: props.region },
    topicArn: Arn.format({ partition: 'aws', service: 'sns', account: props.platformAccount, region: props.region, resource: 'price-updates.fifo', arnFormat: ArnFormat.NO_RESOURCE_NAME }),
    team: 'Billing',
  });
  return { platform, retail, billing };
}
