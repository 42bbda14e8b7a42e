import { createHash } from 'crypto';
import { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import {
  Actor, allowAll, BYSTANDER, CFN, cloudFormationExecutionRole, CONSUMER_ACCOUNT, CONSUMER_CFN, iamActor, KEY_ADMIN,
  OTHER_WORKLOAD, OUTSIDER, QUEUE_ADMIN, ROOT, SNS, SNS_DELIVERING, THIRD_ACCOUNT, THIRD_CFN, TOPIC_ADMIN, ACCOUNT,
} from './policy-callers';
import { CfnTemplate, GetAttValues, pseudoParameters, RefValues, resolveIntrinsics } from '../local/intrinsics';

export * from './policy-callers';
export * from './policy-evaluation';

/*
 * The world model of the policy proofs: a synthesized stack resolved to concrete ARNs and IDs, and
 * the principals that call it (policy-callers.ts); policy-evaluation.ts evaluates the rows in it.
 */

type Json = any;

/**
 * A synthesized template resolved to concrete values through the shared intrinsics module, with the
 * physical IDs the simulation needs (key IDs, endpoint IDs, queue URLs) made up per resource type
 * here. A reference to anything else throws, so an unresolved intrinsic can never slip into a policy.
 */
export class ResolvedTemplate {
  private readonly resources: Record<string, Json>;
  private readonly refs: RefValues;
  private readonly getAtts: GetAttValues;

  constructor(private readonly template: CfnTemplate, account: string, region: string, stackName: string) {
    this.resources = template.Resources ?? {};
    this.refs = { ...pseudoParameters(account, region, stackName) };
    this.getAtts = {};
    for (const [name, resource] of Object.entries(this.resources)) {
      const id = physicalId(name, resource, account, region);
      if (id !== undefined) {
        this.refs[name] = id;
      }
      const arn = arnOf(name, resource, account, region, id);
      if (arn !== undefined) {
        this.getAtts[name] = { Arn: arn };
      }
    }
  }

  /** Deep-resolves a template value. */
  public resolve(value: Json): Json {
    return resolveIntrinsics(this.template, value, this.refs, this.getAtts, ({ logicalId, attribute }) => {
      const type = this.resources[logicalId]?.Type;
      throw new Error(attribute === undefined ? `unsupported Ref to ${logicalId} (${type})` : `unsupported Fn::GetAtt ${logicalId}.${attribute} (${type})`);
    });
  }

  /** The logical IDs of all resources of a type. */
  public ofType(type: string): string[] {
    return Object.keys(this.resources).filter((id) => this.resources[id].Type === type);
  }

  /** A resolved resource property. */
  public property(logicalId: string, name: string): Json {
    return this.resolve(this.resources[logicalId].Properties[name]);
  }
}

/** What `Ref` returns for a resource in the simulated account, for the types the policies refer to. */
function physicalId(name: string, resource: Json, account: string, region: string): string | undefined {
  switch (resource.Type) {
    case 'AWS::KMS::Key': return fakeUuid(`${account}/${name}`);
    case 'AWS::SNS::Topic': return `arn:aws:sns:${region}:${account}:${resource.Properties.TopicName}`;
    case 'AWS::SQS::Queue': return `https://sqs.${region}.amazonaws.com/${account}/${resource.Properties.QueueName}`;
    case 'AWS::EC2::VPCEndpoint': return `vpce-${fakeUuid(name).replace(/-/g, '').slice(0, 17)}`;
    case 'AWS::IAM::Role': return name;
    case 'AWS::IAM::ManagedPolicy': return `arn:aws:iam::${account}:policy/${name}`;
    default: return undefined;
  }
}

/** What `Fn::GetAtt <name>.Arn` returns, for the types the policies refer to. */
function arnOf(name: string, resource: Json, account: string, region: string, id: string | undefined): string | undefined {
  switch (resource.Type) {
    case 'AWS::KMS::Key': return `arn:aws:kms:${region}:${account}:key/${id}`;
    case 'AWS::SQS::Queue': return `arn:aws:sqs:${region}:${account}:${resource.Properties.QueueName}`;
    case 'AWS::IAM::Role': return `arn:aws:iam::${account}:role/${name}`;
    default: return undefined;
  }
}

export function fakeUuid(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

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
    this.template = new ResolvedTemplate(Template.fromStack(stack).toJSON(), stack.account, stack.region, stack.stackName);
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
