import { Annotations, Lazy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, IConstruct } from 'constructs';
import { WARNING } from './private/policies';
import { Problems } from './private/validation';

/**
 * The interface endpoints that topics and queues can be restricted to.
 */
export interface IMessagingEndpoints extends IConstruct {
  /** The SNS interface endpoint's ID (`vpce-...`), if it has one. */
  readonly snsEndpointId?: string;
  /** The SQS interface endpoint's ID (`vpce-...`), if it has one. */
  readonly sqsEndpointId?: string;
  /** The KMS interface endpoint's ID (`vpce-...`), if it has one. */
  readonly kmsEndpointId?: string;

  /**
   * Admit this topic in the SNS endpoint policy.
   * @param topicArn the topic's ARN
   */
  allowTopic(topicArn: string): void;

  /**
   * Admit this queue in the SQS endpoint policy.
   * @param queueArn the queue's ARN
   */
  allowQueue(queueArn: string): void;

  /**
   * Admit this key in the KMS endpoint policy.
   * @param key the key
   */
  allowKey(key: kms.IKey): void;
}

/**
 * An AWS service that `MessagingEndpoints` can create an interface endpoint for.
 */
export enum MessagingService {
  /** Amazon SNS (`com.amazonaws.<region>.sns`). */
  SNS = 'SNS',
  /** Amazon SQS (`com.amazonaws.<region>.sqs`). */
  SQS = 'SQS',
  /** AWS KMS (`com.amazonaws.<region>.kms`). */
  KMS = 'KMS',
}

/**
 * Properties for `MessagingEndpoints`.
 */
export interface MessagingEndpointsProps {
  /** The VPC whose subnets get the endpoints. */
  readonly vpc: ec2.IVpc;

  /**
   * Where the endpoints' network interfaces go.
   *
   * @default - the VPC's private subnets with egress, else its isolated subnets, one per AZ
   */
  readonly subnets?: ec2.SubnetSelection;

  /**
   * Security groups for the endpoints, instead of the one this construct creates. Nothing is
   * admitted to groups you bring, not even `clientSecurityGroup`: call `allowFrom` or add rules yourself.
   *
   * @default - a new group that admits TCP 443 from `clientSecurityGroup` only
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * The services to create endpoints for.
   *
   * @default - SNS, SQS and KMS
   */
  readonly services?: MessagingService[];

  /**
   * Let the endpoints reach every topic, queue and key of the account, not only those registered
   * with them. Emits warning `cdk-secure-fifo:endpointAllowsAllResources`.
   *
   * @default false - once a resource is registered, only registered resources are reachable
   * (keys registered from another stack leave the KMS endpoint open to every key of the account,
   * since naming them would make this stack depend on theirs)
   */
  readonly allowAllResources?: boolean;
}

/**
 * Interface VPC endpoints (PrivateLink) for SNS, SQS and KMS, so publishers and consumers in the
 * VPC never leave the AWS network. Private DNS is on; HTTPS is admitted from `clientSecurityGroup`
 * (and whatever `allowFrom` adds) only; endpoint policies admit principals of this account, only the
 * actions publishers and consumers need, and only the resources registered with them.
 */
export class MessagingEndpoints extends Construct implements IMessagingEndpoints {
  /** The SNS endpoint, if created. */
  public readonly snsEndpoint?: ec2.InterfaceVpcEndpoint;
  /** The SQS endpoint, if created. */
  public readonly sqsEndpoint?: ec2.InterfaceVpcEndpoint;
  /** The KMS endpoint, if created. */
  public readonly kmsEndpoint?: ec2.InterfaceVpcEndpoint;
  /** The SNS endpoint's ID, if created. */
  public readonly snsEndpointId?: string;
  /** The SQS endpoint's ID, if created. */
  public readonly sqsEndpointId?: string;
  /** The KMS endpoint's ID, if created. */
  public readonly kmsEndpointId?: string;
  /**
   * Publishers and consumers that join this group may reach the endpoints on TCP 443 (when the
   * endpoints use the security group this construct creates; see `securityGroups`).
   */
  public readonly clientSecurityGroup: ec2.SecurityGroup;
  /** The endpoints' network access. */
  public readonly connections: ec2.Connections;

  private readonly arns: Record<MessagingService, string[]> = { SNS: [], SQS: [], KMS: [] };
  private readonly keys: kms.IKey[] = [];
  private anyKey = false;

  constructor(scope: Construct, id: string, props: MessagingEndpointsProps) {
    super(scope, id);
    const services = props.services ?? [MessagingService.SNS, MessagingService.SQS, MessagingService.KMS];
    const problems = new Problems();
    if (services.length === 0) {
      problems.add('services', services, 'allowed: one or more of SNS, SQS, KMS');
    }
    if (!props.subnets && props.vpc.privateSubnets.length === 0 && props.vpc.isolatedSubnets.length === 0) {
      problems.add('vpc', props.vpc.node.path, 'allowed: a VPC with PRIVATE_WITH_EGRESS or PRIVATE_ISOLATED subnets, or an explicit subnets selection');
    }
    problems.throwIfAny(this, 'MessagingEndpoints');
    const subnets = props.subnets ?? {
      subnetType: props.vpc.privateSubnets.length > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED,
      onePerAz: true,
    };

    this.clientSecurityGroup = new ec2.SecurityGroup(this, 'ClientSecurityGroup', {
      vpc: props.vpc,
      description: 'Members may call the SNS, SQS and KMS interface endpoints',
      allowAllOutbound: false,
    });
    const securityGroups = props.securityGroups ?? [
      new ec2.SecurityGroup(this, 'SecurityGroup', {
        vpc: props.vpc,
        description: 'SNS, SQS and KMS interface endpoints: HTTPS from members of the client group',
        allowAllOutbound: false,
      }),
    ];
    this.connections = new ec2.Connections({ securityGroups, defaultPort: ec2.Port.tcp(443) });
    if (!props.securityGroups) {
      this.allowFrom(this.clientSecurityGroup);
    }

    const awsService: Record<MessagingService, ec2.InterfaceVpcEndpointAwsService> = {
      SNS: ec2.InterfaceVpcEndpointAwsService.SNS,
      SQS: ec2.InterfaceVpcEndpointAwsService.SQS,
      KMS: ec2.InterfaceVpcEndpointAwsService.KMS,
    };
    const actions: Record<MessagingService, string[]> = {
      SNS: ['sns:Publish'],
      SQS: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
      KMS: ['kms:GenerateDataKey*', 'kms:Decrypt'],
    };
    const created: Partial<Record<MessagingService, ec2.InterfaceVpcEndpoint>> = {};
    for (const service of new Set(services)) {
      const endpoint = new ec2.InterfaceVpcEndpoint(this, service, {
        vpc: props.vpc,
        service: awsService[service],
        subnets,
        securityGroups,
        open: false,
        privateDnsEnabled: true,
      });
      endpoint.addToPolicy(new iam.PolicyStatement({
        principals: [new iam.AnyPrincipal()],
        actions: actions[service],
        resources: Lazy.list({ produce: () => this.resourcesFor(service, props.allowAllResources ?? false) }),
        conditions: { StringEquals: { 'aws:PrincipalAccount': Stack.of(this).account } },
      }));
      created[service] = endpoint;
    }
    this.snsEndpoint = created.SNS;
    this.sqsEndpoint = created.SQS;
    this.kmsEndpoint = created.KMS;
    this.snsEndpointId = created.SNS?.vpcEndpointId;
    this.sqsEndpointId = created.SQS?.vpcEndpointId;
    this.kmsEndpointId = created.KMS?.vpcEndpointId;

    if (props.allowAllResources) {
      Annotations.of(this).addWarningV2(
        WARNING.allowAllResources,
        'allowAllResources is true: principals of this account can reach any topic, queue and key through these endpoints, including ones outside this application.',
      );
    }
  }

  /**
   * Admit HTTPS to the endpoints from a peer (e.g. a Lambda function or an instance).
   *
   * @param peer the caller
   */
  public allowFrom(peer: ec2.IConnectable): void {
    this.connections.allowDefaultPortFrom(peer, 'HTTPS to the SNS, SQS and KMS endpoints');
  }

  /** Admit this topic in the SNS endpoint policy. */
  public allowTopic(topicArn: string): void {
    this.arns.SNS.push(topicArn);
  }

  /** Admit this queue in the SQS endpoint policy. */
  public allowQueue(queueArn: string): void {
    this.arns.SQS.push(queueArn);
  }

  /** Admit this key in the KMS endpoint policy. */
  public allowKey(key: kms.IKey): void {
    if (Stack.of(key) !== Stack.of(this)) {
      this.anyKey = true;
    } else if (!this.keys.includes(key)) {
      this.keys.push(key);
      this.arns.KMS.push(key.keyArn);
    }
  }

  private resourcesFor(service: MessagingService, allowAll: boolean): string[] {
    const arns = this.arns[service];
    const open = allowAll || arns.length === 0 || (service === MessagingService.KMS && this.anyKey);
    return open ? ['*'] : arns;
  }
}
