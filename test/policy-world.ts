import { createHash } from 'crypto';
import { runSimulation, Simulation } from '@cloud-copilot/iam-simulate';
import { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';

/*
 * The world model of the policy proofs: a synthesized stack resolved to concrete ARNs and IDs, the
 * principals that call it with the request context AWS gives their calls, and one function that
 * evaluates "who does what on which resource" with @cloud-copilot/iam-simulate (AGPL, a
 * devDependency only) the way AWS does: resource policy, the caller's identity policies, and the
 * endpoint policy when the request comes through one of the stack's endpoints.
 *
 * Request context keys: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
 */

type Json = any;

/** The platform account that owns the topic, and the region of every stack. */
export const ACCOUNT = '111111111111';
export const REGION = 'eu-west-1';
/** The account of a consumer team that subscribes its own queue to the platform topic. */
export const CONSUMER_ACCOUNT = '222222222222';
/** An account that has been granted nothing. */
export const THIRD_ACCOUNT = '333333333333';

/**
 * Resolves a synthesized template to concrete values. Hand-written rather than cfn-resolver-lib
 * because the policies use four intrinsics only (Ref, Fn::GetAtt Arn, Fn::Join and the pseudo
 * parameters, the env being fixed) and the physical IDs the simulation needs (key IDs, endpoint
 * IDs, queue URLs) must be made up per resource type anyway. Anything else throws, so an
 * unresolved intrinsic can never slip into a policy.
 */
export class ResolvedTemplate {
  private readonly resources: Record<string, Json>;

  constructor(template: Json, private readonly account: string, private readonly region: string) {
    this.resources = template.Resources;
  }

  /** Deep-resolves a template value. */
  public resolve(value: Json): Json {
    if (Array.isArray(value)) {
      return value.map((v) => this.resolve(v));
    }
    if (value === null || typeof value !== 'object') {
      return value;
    }
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'Ref') {
      return this.ref(value.Ref);
    }
    if (keys.length === 1 && keys[0] === 'Fn::GetAtt') {
      return this.getAtt(value['Fn::GetAtt'][0], value['Fn::GetAtt'][1]);
    }
    if (keys.length === 1 && keys[0] === 'Fn::Join') {
      const [separator, parts] = value['Fn::Join'];
      return (this.resolve(parts) as string[]).join(separator);
    }
    if (keys.some((k) => k.startsWith('Fn::'))) {
      throw new Error(`unsupported intrinsic ${JSON.stringify(value)}`);
    }
    return Object.fromEntries(keys.map((k) => [k, this.resolve(value[k])]));
  }

  /** The logical IDs of all resources of a type. */
  public ofType(type: string): string[] {
    return Object.keys(this.resources).filter((id) => this.resources[id].Type === type);
  }

  /** A resolved resource property. */
  public property(logicalId: string, name: string): Json {
    return this.resolve(this.resources[logicalId].Properties[name]);
  }

  private ref(name: string): string {
    const { account, region } = this;
    const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::AccountId': account, 'AWS::Region': region, 'AWS::URLSuffix': 'amazonaws.com' };
    if (pseudo[name]) {
      return pseudo[name];
    }
    const resource = this.resources[name];
    switch (resource?.Type) {
      case 'AWS::KMS::Key': return fakeUuid(`${account}/${name}`);
      case 'AWS::SNS::Topic': return `arn:aws:sns:${region}:${account}:${resource.Properties.TopicName}`;
      case 'AWS::SQS::Queue': return `https://sqs.${region}.amazonaws.com/${account}/${resource.Properties.QueueName}`;
      case 'AWS::EC2::VPCEndpoint': return `vpce-${fakeUuid(name).replace(/-/g, '').slice(0, 17)}`;
      case 'AWS::IAM::Role': return name;
      case 'AWS::IAM::ManagedPolicy': return `arn:aws:iam::${account}:policy/${name}`;
      default: throw new Error(`unsupported Ref to ${name} (${resource?.Type})`);
    }
  }

  private getAtt(name: string, attribute: string): string {
    const { account, region } = this;
    const resource = this.resources[name];
    if (attribute === 'Arn') {
      switch (resource?.Type) {
        case 'AWS::KMS::Key': return `arn:aws:kms:${region}:${account}:key/${this.ref(name)}`;
        case 'AWS::SQS::Queue': return `arn:aws:sqs:${region}:${account}:${resource.Properties.QueueName}`;
        case 'AWS::IAM::Role': return `arn:aws:iam::${account}:role/${name}`;
      }
    }
    throw new Error(`unsupported Fn::GetAtt ${name}.${attribute} (${resource?.Type})`);
  }
}

export function fakeUuid(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Who makes a request: an ARN (or service principal), its identity policies, and the request context its calls carry. */
export interface Actor {
  readonly principal: string;
  readonly identityPolicies: Json[];
  readonly context: Record<string, string>;
  /** A service principal: its requests carry aws:SourceArn, the resource they are made for. */
  readonly isService: boolean;
}

export const allowAll = (action: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

/**
 * An IAM role (or the root user) calling with its own credentials: a workload's SDK calls, or
 * CloudFormation calling with the deployment's execution role. aws:PrincipalArn and
 * aws:PrincipalAccount are in every signed request; aws:PrincipalIsAWSService is false for IAM
 * principals; aws:ViaAWSService is false, including when a service calls with a service role
 * (CloudFormation with its execution role). aws:SourceVpce is added per request, and only when the
 * request comes through a VPC endpoint.
 */
export function iamActor(arn: string, identityPolicies: Json[]): Actor {
  const context = {
    'aws:PrincipalArn': arn,
    'aws:PrincipalAccount': arn.split(':')[4],
    'aws:PrincipalIsAWSService': 'false',
    'aws:ViaAWSService': 'false',
  };
  return { principal: arn, identityPolicies, context, isService: false };
}

/**
 * The CDK bootstrap's CloudFormation execution role of an account, which creates the stacks'
 * resources (subscriptions included); the default bootstrap gives it AdministratorAccess
 * (https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html).
 */
export function cloudFormationExecutionRole(account: string): Actor {
  return iamActor(`arn:aws:iam::${account}:role/cdk-hnb659fds-cfn-exec-role-${account}-${REGION}`, [allowAll('*')]);
}

/**
 * SNS delivering: it calls SQS (SendMessage) and KMS (GenerateDataKey, Decrypt) as the service
 * principal, with aws:SourceArn = the topic it delivers for (added per row), from the AWS network:
 * never through a VPC endpoint of ours, so no aws:SourceVpce.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
 */
export const SNS_DELIVERING: Actor = {
  principal: 'sns.amazonaws.com',
  identityPolicies: [],
  context: { 'aws:PrincipalIsAWSService': 'true', 'aws:PrincipalServiceName': 'sns.amazonaws.com' },
  isService: true,
};

/** The actors every world knows, named as they appear in the rows. */
export const SNS = 'sns.amazonaws.com';
export const CFN = `CloudFormation (execution role of ${ACCOUNT}, IAM: *)`;
export const CONSUMER_CFN = `CloudFormation (execution role of ${CONSUMER_ACCOUNT}, IAM: *)`;
export const THIRD_CFN = `CloudFormation (execution role of ${THIRD_ACCOUNT}, IAM: *)`;
export const BYSTANDER = 'a role of our account without grants';
export const OTHER_WORKLOAD = 'another workload of our account (IAM: sqs:*)';
export const QUEUE_ADMIN = 'a queue administrator (IAM: sqs:*)';
export const TOPIC_ADMIN = 'a topic administrator (IAM: sns:*)';
export const KEY_ADMIN = 'a key administrator (IAM: kms:*)';
export const ROOT = 'the account root user';
export const OUTSIDER = 'a role of another account (IAM: *)';

export interface WorldNames {
  /** Roles of the stack, by row name: their identity policies come from the template. */
  readonly roles?: Record<string, IConstruct>;
  /** Resources of the stack, by row name, as tokens (e.g. `queue.queueArn`) or literal ARNs. */
  readonly resources: Record<string, string>;
  /** The stack's endpoints, by row name, as tokens or literal IDs. */
  readonly endpoints?: Record<string, string | undefined>;
}

/** A synthesized stack, resolved, with named actors, resources and endpoints for the tables. */
export class World {
  public readonly template: ResolvedTemplate;
  public readonly account: string;
  public readonly actors: Record<string, Actor>;
  public readonly resources: Record<string, string>;
  public readonly endpoints: Record<string, string>;
  private readonly overrides = new Map<string, Json>();

  constructor(stack: Stack, names: WorldNames) {
    this.account = stack.account;
    this.template = new ResolvedTemplate(Template.fromStack(stack).toJSON(), stack.account, stack.region);
    const role = (arn: string, policies: Json[] = []) => iamActor(arn.replace('ACCOUNT', this.account), policies);
    this.actors = {
      [SNS]: SNS_DELIVERING,
      [CFN]: cloudFormationExecutionRole(ACCOUNT),
      [CONSUMER_CFN]: cloudFormationExecutionRole(CONSUMER_ACCOUNT),
      [THIRD_CFN]: cloudFormationExecutionRole(THIRD_ACCOUNT),
      [BYSTANDER]: role('arn:aws:iam::ACCOUNT:role/Bystander'),
      [OTHER_WORKLOAD]: role('arn:aws:iam::ACCOUNT:role/OtherApp', [allowAll('sqs:*')]),
      [QUEUE_ADMIN]: role('arn:aws:iam::ACCOUNT:role/QueueAdmin', [allowAll('sqs:*')]),
      [TOPIC_ADMIN]: role('arn:aws:iam::ACCOUNT:role/TopicAdmin', [allowAll('sns:*')]),
      [KEY_ADMIN]: role('arn:aws:iam::ACCOUNT:role/KeyAdmin', [allowAll('kms:*')]),
      // The root user may do anything in its account; the simulator models that as an identity policy.
      [ROOT]: role('arn:aws:iam::ACCOUNT:root', [allowAll('*')]),
      // The worst case: another account that grants its own principal everything.
      [OUTSIDER]: iamActor(`arn:aws:iam::${THIRD_ACCOUNT}:role/Outsider`, [allowAll('*')]),
    };
    for (const [name, construct] of Object.entries(names.roles ?? {})) {
      const logicalId = stack.getLogicalId(construct.node.defaultChild as CfnElement);
      this.actors[name] = role(`arn:aws:iam::ACCOUNT:role/${logicalId}`, this.identityPolicies(logicalId));
    }
    const resolve = (token: string) => this.template.resolve(stack.resolve(token));
    const [a, r] = [this.account, stack.region];
    this.resources = {
      'another topic of our account': `arn:aws:sns:${r}:${a}:other-app.fifo`,
      "the other workload's queue": `arn:aws:sqs:${r}:${a}:other-app-queue`,
      'another key of our account': `arn:aws:kms:${r}:${a}:key/${fakeUuid('another key')}`,
      'a topic of another account': `arn:aws:sns:${r}:${THIRD_ACCOUNT}:exfiltration`,
      'a queue of another account': `arn:aws:sqs:${r}:${THIRD_ACCOUNT}:exfiltration.fifo`,
      ...Object.fromEntries(Object.entries(names.resources).map(([name, token]) => [name, resolve(token)])),
    };
    this.endpoints = Object.fromEntries(Object.entries(names.endpoints ?? {}).map(([name, token]) => {
      if (token === undefined) {
        throw new Error(`the stack has no ${name}`);
      }
      return [name, resolve(token)];
    }));
  }

  /** The resource policy of a topic, queue or key of the template, or undefined for foreign ARNs. */
  public resourcePolicy(arn: string): Json | undefined {
    if (this.overrides.has(arn)) {
      return this.overrides.get(arn);
    }
    const t = this.template;
    const found = [
      ...t.ofType('AWS::SNS::TopicPolicy').filter((id) => t.property(id, 'Topics').includes(arn)).map((id) => t.property(id, 'PolicyDocument')),
      ...t.ofType('AWS::SQS::QueuePolicy').filter((id) => t.property(id, 'Queues').includes(queueUrl(arn))).map((id) => t.property(id, 'PolicyDocument')),
      ...t.ofType('AWS::KMS::Key').filter((id) => t.resolve({ 'Fn::GetAtt': [id, 'Arn'] }) === arn).map((id) => t.property(id, 'KeyPolicy')),
    ];
    if (found.length > 1) {
      throw new Error(`${arn} has ${found.length} resource policies; CloudFormation would keep only one`);
    }
    return found[0];
  }

  /** Drops the statements `remove` picks from one resource's policy (for controls: the decision must flip); returns how many. */
  public removeStatements(resourceName: string, remove: (statement: Json) => boolean): number {
    const arn = this.resources[resourceName];
    const policy = this.resourcePolicy(arn);
    const kept = policy.Statement.filter((s: Json) => !remove(s));
    this.overrides.set(arn, { ...policy, Statement: kept });
    return policy.Statement.length - kept.length;
  }

  /**
   * The endpoint policy of one of the stack's endpoints, by ID, or undefined for an endpoint this
   * stack does not create (its policy is unknown here). `"Principal": {"AWS": "*"}` (what
   * iam.AnyPrincipal renders) is written as its IAM equivalent `"*"`, the only form the simulator's
   * endpoint-policy validator accepts.
   */
  public endpointPolicy(vpceId: string): Json | undefined {
    const t = this.template;
    const id = t.ofType('AWS::EC2::VPCEndpoint').find((e) => t.resolve({ Ref: e }) === vpceId);
    if (!id) {
      return undefined;
    }
    const policy = t.property(id, 'PolicyDocument');
    for (const statement of policy.Statement) {
      if (JSON.stringify(statement.Principal) === '{"AWS":"*"}') {
        statement.Principal = '*';
      }
    }
    return policy;
  }

  /** The role's inline policies and the customer managed policies attached to it. */
  private identityPolicies(roleLogicalId: string): Json[] {
    const t = this.template;
    const managedArns: string[] = t.property(roleLogicalId, 'ManagedPolicyArns') ?? [];
    return [
      ...t.ofType('AWS::IAM::Policy').filter((id) => t.property(id, 'Roles').includes(roleLogicalId)),
      ...t.ofType('AWS::IAM::ManagedPolicy').filter((id) => managedArns.includes(t.resolve({ Ref: id }))),
    ].map((id) => t.property(id, 'PolicyDocument'));
  }
}

function queueUrl(arn: string): string {
  const [, , , region, account, name] = arn.split(':');
  return `https://sqs.${region}.amazonaws.com/${account}/${name}`;
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';
/** Allowed by an Allow statement, and no Deny applies. */
export const ALLOWED: Decision = 'Allowed';
/** Denied by a Deny statement (TLS-only, endpoint-only). */
export const DENIED: Decision = 'ExplicitlyDenied';
/** Denied because nothing grants it (no Allow matches, or an endpoint policy does not admit it). */
export const NOT_GRANTED: Decision = 'ImplicitlyDenied';

export interface Row {
  /** Who asks (see World.actors). */
  readonly who: string;
  /** The IAM action. */
  readonly does: string;
  /** The resource, by name (see World.resources). */
  readonly on: string;
  /** For SNS delivering: the topic it delivers for (aws:SourceArn). */
  readonly forTopic?: string;
  /** For sns:Subscribe: the subscription's protocol (sns:Protocol), which every Subscribe request carries. */
  readonly protocol?: string;
  /** The endpoint the request comes through (aws:SourceVpce), by name or as an ID; none when unset. */
  readonly via?: string;
  /** aws:SecureTransport; true unless said otherwise. */
  readonly tls?: boolean;
  readonly expect: Decision;
}

export async function evaluate(world: World, row: Row): Promise<Decision> {
  const actor = world.actors[row.who];
  const resource = world.resources[row.on];
  if (!actor || !resource) {
    throw new Error(`unknown actor or resource in row ${JSON.stringify(row)}`);
  }
  if (actor.isService !== (row.forTopic !== undefined) || (row.does === 'sns:Subscribe') !== (row.protocol !== undefined)) {
    throw new Error(`a service's requests carry aws:SourceArn, a Subscribe carries sns:Protocol, nothing else does: ${JSON.stringify(row)}`);
  }
  const vpceId = row.via ? world.endpoints[row.via] ?? row.via : undefined;
  if (row.via && !vpceId?.startsWith('vpce-')) {
    throw new Error(`unknown endpoint ${row.via}`);
  }
  const endpointPolicy = vpceId ? world.endpointPolicy(vpceId) : undefined;
  const simulation: Simulation = {
    request: {
      principal: actor.principal,
      action: row.does,
      resource: { resource, accountId: resource.split(':')[4] },
      contextVariables: {
        ...actor.context,
        'aws:SecureTransport': String(row.tls ?? true),
        ...(row.forTopic ? { 'aws:SourceArn': row.forTopic } : {}),
        ...(row.protocol ? { 'sns:Protocol': row.protocol } : {}),
        ...(vpceId ? { 'aws:SourceVpce': vpceId } : {}),
      },
    },
    identityPolicies: actor.identityPolicies.map((policy, i) => ({ name: `identity-${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: world.resourcePolicy(resource),
    // An endpoint policy applies to requests through that endpoint; one this stack does not create is unknown (open).
    vpcEndpointPolicies: endpointPolicy ? [{ name: row.via!, policy: endpointPolicy }] : undefined,
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType !== 'single') {
    throw new Error(`simulation did not run: ${JSON.stringify(result)}`);
  }
  if (result.result.ignoredContextKeys?.length) {
    throw new Error(`the simulator ignored context keys ${result.result.ignoredContextKeys.join(', ')} for ${title(row)}`);
  }
  return result.overallResult as Decision;
}

export function title(row: Row): string {
  return [
    `${row.who} ${row.does}`,
    row.protocol ? `(sns:Protocol ${row.protocol})` : '',
    `on ${row.on}`,
    row.forTopic ? `for ${row.forTopic}` : '',
    row.via ? `via ${row.via}` : '',
    row.tls === false ? 'without TLS' : '',
    `→ ${row.expect}`,
  ].filter(Boolean).join(' ');
}
