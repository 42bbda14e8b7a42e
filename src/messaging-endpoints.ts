import { Annotations, Lazy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { ValidationErrorCode } from './errors';
import { IMessagingEndpoints } from './interfaces';
import { renderForPeople } from './private/render';
import { ENDPOINT_POLICY_MAX_CHARS, Problems } from './private/validation';
import { WARNING } from './private/warnings';

/**
 * An AWS service that `MessagingEndpoints` can create an interface endpoint for.
 */
export enum MessagingService {
  /** Amazon SNS (`com.amazonaws.<region>.sns`). */
  SNS = 'SNS',
  /** Amazon SQS (`com.amazonaws.<region>.sqs`). */
  SQS = 'SQS',
  /**
   * AWS KMS (`com.amazonaws.<region>.kms`). Not on the messaging path: SNS and SQS call KMS for
   * server-side encryption from the AWS network, not through your endpoint. Add it only for
   * workloads in the VPC that call KMS themselves.
   */
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
   * The services to create endpoints for. KMS is not on the messaging path (SNS and SQS call KMS
   * from the AWS network), so it is left out unless you ask for it.
   *
   * @default [MessagingService.SNS, MessagingService.SQS]
   */
  readonly services?: MessagingService[];

  /**
   * Whether the endpoints answer the services' public DNS names inside the VPC. A VPC can have one
   * endpoint with private DNS per service: if the VPC already has SNS or SQS endpoints, reuse them
   * with `MessagingEndpoints.fromEndpointIds` instead (a second one fails with "conflicting DNS
   * domain"), or set this to false and point your SDK clients at the endpoint's DNS name.
   *
   * @default true
   */
  readonly privateDnsEnabled?: boolean;

  /**
   * Let the endpoints reach only the topics, queues (and keys) registered with them through
   * `privateEndpoints`. With private DNS this applies to every workload in the VPC: their calls to
   * other topics and queues, and `sqs:CreateQueue`/`sqs:ListQueues`, are denied. So it warns
   * (`cdk-secure-fifo:endpointRestrictedToRegisteredResources`), and the synthesized policy must
   * stay within the 20,480 characters AWS allows for an endpoint policy.
   *
   * @default false - principals of this account may call anything through the endpoints
   */
  readonly restrictToRegisteredResources?: boolean;
}

/**
 * Existing interface endpoints to restrict topics and queues to.
 */
export interface MessagingEndpointsAttributes {
  /**
   * The ID (`vpce-...`) of an SNS interface endpoint.
   *
   * @default - none: topics cannot be restricted to these endpoints
   */
  readonly snsEndpointId?: string;

  /**
   * The ID (`vpce-...`) of an SQS interface endpoint.
   *
   * @default - none: queues cannot be restricted to these endpoints
   */
  readonly sqsEndpointId?: string;
}

/**
 * Interface VPC endpoints (PrivateLink) for SNS and SQS (and optionally KMS), so publishers and
 * consumers in the VPC never leave the AWS network. Private DNS is on by default; HTTPS is admitted
 * from `clientSecurityGroup` (and whatever `allowFrom` adds) only. The endpoint policies follow
 * AWS's data-perimeter pattern: principals of this account may call the service through them, so
 * other workloads of the VPC keep working; `restrictToRegisteredResources` narrows them further.
 */
export class MessagingEndpoints extends Construct implements IMessagingEndpoints {
  /**
   * Restrict topics and queues to endpoints that already exist (a platform VPC's shared SNS and
   * SQS endpoints). Creates nothing; their policies stay as they are.
   *
   * @param scope the scope
   * @param id the construct id
   * @param attrs the endpoint IDs
   */
  public static fromEndpointIds(scope: Construct, id: string, attrs: MessagingEndpointsAttributes): IMessagingEndpoints {
    const problems = new Problems();
    if (attrs.snsEndpointId === undefined && attrs.sqsEndpointId === undefined) {
      problems.add(ValidationErrorCode.ENDPOINT_MISSING, 'snsEndpointId, sqsEndpointId', 'both unset', 'allowed: at least one endpoint ID');
    }
    problems.throwIfAny([scope.node.path, id].filter((p) => p !== '').join('/'), 'MessagingEndpoints.fromEndpointIds');
    return new ExistingMessagingEndpoints(scope, id, attrs);
  }

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
    const services = props.services ?? [MessagingService.SNS, MessagingService.SQS];
    const problems = new Problems();
    if (services.length === 0) {
      problems.add(ValidationErrorCode.ENDPOINT_PLACEMENT, 'services', services, 'allowed: one or more of SNS, SQS, KMS');
    }
    if (!props.subnets && props.vpc.privateSubnets.length === 0 && props.vpc.isolatedSubnets.length === 0) {
      problems.add(ValidationErrorCode.ENDPOINT_PLACEMENT, 'vpc', props.vpc.node.path, 'allowed: a VPC with PRIVATE_WITH_EGRESS or PRIVATE_ISOLATED subnets, or an explicit subnets selection');
    }
    problems.throwIfAny(this, 'MessagingEndpoints');
    const subnets = props.subnets ?? {
      subnetType: props.vpc.privateSubnets.length > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED,
      onePerAz: true,
    };
    const restrict = props.restrictToRegisteredResources ?? false;

    this.clientSecurityGroup = new ec2.SecurityGroup(this, 'ClientSecurityGroup', {
      vpc: props.vpc,
      description: 'Members may call the messaging interface endpoints',
      allowAllOutbound: false,
    });
    const securityGroups = props.securityGroups ?? [
      new ec2.SecurityGroup(this, 'SecurityGroup', {
        vpc: props.vpc,
        description: 'Messaging interface endpoints: HTTPS from members of the client group',
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
    const created: Partial<Record<MessagingService, ec2.InterfaceVpcEndpoint>> = {};
    for (const service of new Set(services)) {
      const endpoint = new ec2.InterfaceVpcEndpoint(this, service, {
        vpc: props.vpc,
        service: awsService[service],
        subnets,
        securityGroups,
        open: false,
        privateDnsEnabled: props.privateDnsEnabled ?? true,
      });
      // Trusted identities: principals of this account (aws:PrincipalAccount, a global condition
      // key present in every signed request). See the README's table of condition keys.
      endpoint.addToPolicy(new iam.PolicyStatement({
        sid: 'PrincipalsOfThisAccount',
        principals: [new iam.AnyPrincipal()],
        actions: ['*'],
        resources: restrict ? Lazy.list({ produce: () => this.resourcesFor(service) }) : ['*'],
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

    if (restrict) {
      Annotations.of(this).addWarningV2(
        WARNING.endpointRestrictedToRegisteredResources,
        `restrictToRegisteredResources is true: ${(props.privateDnsEnabled ?? true) ? 'with private DNS, every workload in this VPC' : 'every client of these endpoints'} can reach only the registered topics, queues and keys through them; other applications' calls (their own queues, sqs:CreateQueue, sqs:ListQueues) are denied.`,
      );
      this.node.addValidation({ validate: () => this.checkPolicySizes(Object.values(created)) });
    }
  }

  /**
   * Admit HTTPS to the endpoints from a peer (e.g. a Lambda function or an instance).
   *
   * @param peer the caller
   */
  public allowFrom(peer: ec2.IConnectable): void {
    this.connections.allowDefaultPortFrom(peer, 'HTTPS to the messaging interface endpoints');
  }

  /** Register a topic with the SNS endpoint (used with `restrictToRegisteredResources`). */
  public allowTopic(topicArn: string): void {
    this.arns.SNS.push(topicArn);
  }

  /** Register a queue with the SQS endpoint (used with `restrictToRegisteredResources`). */
  public allowQueue(queueArn: string): void {
    this.arns.SQS.push(queueArn);
  }

  /** Register a key with the KMS endpoint, if there is one (used with `restrictToRegisteredResources`). */
  public allowKey(key: kms.IKey): void {
    if (Stack.of(key) !== Stack.of(this)) {
      // Naming a key of another stack would make this stack depend on that one.
      this.anyKey = true;
    } else if (!this.keys.includes(key)) {
      this.keys.push(key);
      this.arns.KMS.push(key.keyArn);
    }
  }

  private resourcesFor(service: MessagingService): string[] {
    const arns = this.arns[service];
    const open = arns.length === 0 || (service === MessagingService.KMS && this.anyKey);
    return open ? ['*'] : arns;
  }

  /**
   * An endpoint policy holds at most 20,480 characters
   * (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html). Measured on the
   * policy as CloudFormation will submit it: pseudo parameters written out, no whitespace.
   */
  private checkPolicySizes(endpoints: ec2.InterfaceVpcEndpoint[]): string[] {
    const errors: string[] = [];
    for (const endpoint of endpoints) {
      const cfn = endpoint.node.defaultChild as ec2.CfnVPCEndpoint;
      const rendered = renderForPeople(this, cfn.policyDocument);
      const size = JSON.stringify(rendered ?? Stack.of(this).resolve(cfn.policyDocument)).length;
      if (size > ENDPOINT_POLICY_MAX_CHARS) {
        errors.push(
          `restrictToRegisteredResources: the policy of endpoint ${endpoint.node.id} measures ${size} characters; allowed: at most ${ENDPOINT_POLICY_MAX_CHARS}. ` +
            'Register fewer topics and queues with these endpoints (split them across endpoints), or leave restrictToRegisteredResources unset.',
        );
      }
    }
    return errors;
  }
}

/** Endpoints that exist already: topics and queues are restricted to them, nothing is created. */
class ExistingMessagingEndpoints extends Construct implements IMessagingEndpoints {
  public readonly snsEndpointId?: string;
  public readonly sqsEndpointId?: string;

  constructor(scope: Construct, id: string, attrs: MessagingEndpointsAttributes) {
    super(scope, id);
    this.snsEndpointId = attrs.snsEndpointId;
    this.sqsEndpointId = attrs.sqsEndpointId;
  }

  public allowTopic(_topicArn: string): void {}
  public allowQueue(_queueArn: string): void {}
  public allowKey(_key: kms.IKey): void {}
}
