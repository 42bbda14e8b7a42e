import { createHash } from 'crypto';
import { runSimulation, Simulation } from '@cloud-copilot/iam-simulate';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ENV } from './util';
import { PLACEHOLDER_VPC, PriceUpdatesStack } from '../examples/price-updates/stack';

/*
 * Policy proofs: the example app is synthesized with a fixed account and region, its key, topic,
 * queue, VPC endpoint and role policies are resolved to concrete ARNs and IDs, and a table of
 * requests is evaluated by @cloud-copilot/iam-simulate (AGPL, a devDependency only) the way AWS
 * does: resource policy, identity policies of the caller, and the endpoint policy when the request
 * comes through one of our endpoints. Each row is one sentence of the security specification.
 */

const ACCOUNT = ENV.account;
const REGION = ENV.region;
const OTHER_ACCOUNT = '222222222222';

type Json = any;

/**
 * Resolves a synthesized template to concrete values. Hand-written rather than cfn-resolver-lib
 * because the templates use four intrinsics only (Ref, Fn::GetAtt Arn, Fn::Join and the partition
 * pseudo parameter, the env being fixed) and the physical IDs the simulation needs (key IDs,
 * endpoint IDs, queue URLs) must be made up per resource type anyway. Anything else throws, so an
 * unresolved intrinsic can never slip into a policy.
 */
class ResolvedTemplate {
  private readonly resources: Record<string, Json>;

  constructor(template: Json) {
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
    const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::AccountId': ACCOUNT, 'AWS::Region': REGION, 'AWS::URLSuffix': 'amazonaws.com' };
    if (pseudo[name]) {
      return pseudo[name];
    }
    const resource = this.resources[name];
    switch (resource?.Type) {
      case 'AWS::KMS::Key': return fakeUuid(name);
      case 'AWS::SNS::Topic': return `arn:aws:sns:${REGION}:${ACCOUNT}:${resource.Properties.TopicName}`;
      case 'AWS::SQS::Queue': return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${resource.Properties.QueueName}`;
      case 'AWS::EC2::VPCEndpoint': return `vpce-${fakeUuid(name).replace(/-/g, '').slice(0, 17)}`;
      case 'AWS::IAM::Role': return name;
      case 'AWS::IAM::ManagedPolicy': return `arn:aws:iam::${ACCOUNT}:policy/${name}`;
      default: throw new Error(`unsupported Ref to ${name} (${resource?.Type})`);
    }
  }

  private getAtt(name: string, attribute: string): string {
    const resource = this.resources[name];
    if (attribute === 'Arn') {
      switch (resource?.Type) {
        case 'AWS::KMS::Key': return `arn:aws:kms:${REGION}:${ACCOUNT}:key/${this.ref(name)}`;
        case 'AWS::SQS::Queue': return `arn:aws:sqs:${REGION}:${ACCOUNT}:${resource.Properties.QueueName}`;
        case 'AWS::IAM::Role': return `arn:aws:iam::${ACCOUNT}:role/${name}`;
      }
    }
    throw new Error(`unsupported Fn::GetAtt ${name}.${attribute} (${resource?.Type})`);
  }
}

function fakeUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Who makes a request: an ARN (or service principal), its account, and its identity policies. */
interface Actor {
  readonly principal: string;
  readonly account?: string;
  readonly identityPolicies: Json[];
}

const allowAll = (action: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

/** The synthesized example app, resolved, with named actors and resources for the table. */
class World {
  public readonly template: ResolvedTemplate;
  public readonly actors: Record<string, Actor>;
  public readonly resources: Record<string, string>;
  public readonly endpoints: Record<string, string>;

  constructor(stack: PriceUpdatesStack) {
    this.template = new ResolvedTemplate(Template.fromStack(stack).toJSON());
    const role = (construct: { node: { defaultChild?: unknown } }): Actor => {
      const logicalId = stack.getLogicalId(construct.node.defaultChild as any);
      return { principal: `arn:aws:iam::${ACCOUNT}:role/${logicalId}`, account: ACCOUNT, identityPolicies: this.identityPolicies(logicalId) };
    };
    this.actors = {
      'sns.amazonaws.com': { principal: 'sns.amazonaws.com', identityPolicies: [] },
      'the publisher (grantPublish)': role(stack.publisherRole),
      'the wholesale consumer (grantConsumeMessages)': role(stack.node.findChild('WholesaleConsumer')),
      'a role of our account without grants': { principal: `arn:aws:iam::${ACCOUNT}:role/Bystander`, account: ACCOUNT, identityPolicies: [] },
      'a queue administrator (IAM: sqs:*)': { principal: `arn:aws:iam::${ACCOUNT}:role/QueueAdmin`, account: ACCOUNT, identityPolicies: [allowAll('sqs:*')] },
      'a topic administrator (IAM: sns:*)': { principal: `arn:aws:iam::${ACCOUNT}:role/TopicAdmin`, account: ACCOUNT, identityPolicies: [allowAll('sns:*')] },
      'a key administrator (IAM: kms:*)': { principal: `arn:aws:iam::${ACCOUNT}:role/KeyAdmin`, account: ACCOUNT, identityPolicies: [allowAll('kms:*')] },
      // The root user may do anything in its account; the simulator models that as an identity policy.
      'the account root user': { principal: `arn:aws:iam::${ACCOUNT}:root`, account: ACCOUNT, identityPolicies: [allowAll('*')] },
      // The worst case: another account that grants its own principal everything.
      'a role of another account (IAM: *)': { principal: `arn:aws:iam::${OTHER_ACCOUNT}:role/Outsider`, account: OTHER_ACCOUNT, identityPolicies: [allowAll('*')] },
    };
    const resolve = (token: string) => this.template.resolve(stack.resolve(token));
    this.resources = {
      'the topic': resolve(stack.prices.topic.topicArn),
      'the key': resolve(stack.prices.encryptionKey.keyArn),
      'the wholesale queue': resolve(stack.wholesale.queue.queueArn),
      'the wholesale DLQ': resolve(stack.wholesale.deadLetterQueue.queueArn),
      'the retail queue': resolve(stack.retail.queue.queueArn),
      'the retail DLQ': resolve(stack.retail.deadLetterQueue.queueArn),
      'another topic of our account': `arn:aws:sns:${REGION}:${ACCOUNT}:other-app.fifo`,
      'another queue of our account': `arn:aws:sqs:${REGION}:${ACCOUNT}:other-app.fifo`,
      'another key of our account': `arn:aws:kms:${REGION}:${ACCOUNT}:key/${fakeUuid('another key')}`,
      'a queue of the other account': `arn:aws:sqs:${REGION}:${OTHER_ACCOUNT}:exfiltration.fifo`,
    };
    this.endpoints = stack.endpoints ? {
      'the SNS endpoint': resolve(stack.endpoints.snsEndpointId!),
      'the SQS endpoint': resolve(stack.endpoints.sqsEndpointId!),
      'the KMS endpoint': resolve(stack.endpoints.kmsEndpointId!),
    } : {};
  }

  /** The resource policy of a topic, queue or key of the template, or undefined for foreign ARNs. */
  public resourcePolicy(arn: string): Json | undefined {
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

  /**
   * The endpoint policy of one of our endpoints, by ID. `"Principal": {"AWS": "*"}` (what
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

type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';
/** Allowed by an Allow statement, and no Deny applies. */
const ALLOWED: Decision = 'Allowed';
/** Denied by a Deny statement (TLS-only, endpoint-only). */
const DENIED: Decision = 'ExplicitlyDenied';
/** Denied because nothing grants it (no Allow matches, or an endpoint policy does not admit it). */
const NOT_GRANTED: Decision = 'ImplicitlyDenied';

interface Row {
  /** Who asks. */
  readonly who: string;
  /** The IAM action. */
  readonly does: string;
  /** The resource, by name (see World.resources). */
  readonly on: string;
  /** For a service principal: the resource it acts for (aws:SourceArn) and its account. */
  readonly forSource?: { arn: string; account: string };
  /** The endpoint the request comes through (aws:SourceVpce), by name or as an ID. */
  readonly via?: string;
  /** aws:SecureTransport; true unless said otherwise. */
  readonly tls?: boolean;
  /** aws:ViaAWSService: an AWS service (e.g. CloudFormation) makes the call on the principal's behalf. */
  readonly onBehalfByService?: boolean;
  readonly expect: Decision;
}

const OUR_TOPIC = { arn: `arn:aws:sns:${REGION}:${ACCOUNT}:price-updates.fifo`, account: ACCOUNT };
const OTHER_TOPIC = { arn: `arn:aws:sns:${REGION}:${ACCOUNT}:other-app.fifo`, account: ACCOUNT };
const SAME_NAME_OTHER_ACCOUNT = { arn: `arn:aws:sns:${REGION}:${OTHER_ACCOUNT}:price-updates.fifo`, account: OTHER_ACCOUNT };
const OUR_TOPIC_NAMED_BY_OTHER_ACCOUNT = { arn: OUR_TOPIC.arn, account: OTHER_ACCOUNT };
const FOREIGN_ENDPOINT = 'vpce-0f0f0f0f0f0f0f0f0';

async function evaluate(world: World, row: Row): Promise<Decision> {
  const actor = world.actors[row.who];
  const resource = world.resources[row.on];
  if (!actor || !resource) {
    throw new Error(`unknown actor or resource in row ${JSON.stringify(row)}`);
  }
  const vpceId = row.via ? world.endpoints[row.via] ?? row.via : undefined;
  if (row.via && !vpceId?.startsWith('vpce-')) {
    throw new Error(`unknown endpoint ${row.via}`);
  }
  const isService = !actor.account;
  const endpointPolicy = vpceId ? world.endpointPolicy(vpceId) : undefined;
  const simulation: Simulation = {
    request: {
      principal: actor.principal,
      action: row.does,
      resource: { resource, accountId: resource.split(':')[4] },
      contextVariables: {
        'aws:SecureTransport': String(row.tls ?? true),
        'aws:PrincipalIsAWSService': String(isService),
        'aws:ViaAWSService': String(row.onBehalfByService ?? false),
        ...(actor.account ? { 'aws:PrincipalAccount': actor.account } : {}),
        ...(row.forSource ? { 'aws:SourceArn': row.forSource.arn, 'aws:SourceAccount': row.forSource.account } : {}),
        ...(vpceId ? { 'aws:SourceVpce': vpceId } : {}),
      },
    },
    identityPolicies: actor.identityPolicies.map((policy, i) => ({ name: `identity-${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: world.resourcePolicy(resource),
    // An endpoint policy applies to requests through that endpoint; a foreign endpoint's is unknown (open).
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

function title(row: Row): string {
  const parts = [`${row.who} ${row.does} on ${row.on}`];
  if (row.forSource) {
    parts.push(`for ${row.forSource.arn === OUR_TOPIC.arn ? 'our topic' : row.forSource.arn} of account ${row.forSource.account}`);
  }
  parts.push(row.via ? `via ${row.via}` : '');
  parts.push(row.tls === false ? 'without TLS' : '');
  parts.push(row.onBehalfByService ? 'through CloudFormation (aws:ViaAWSService)' : '');
  return `${parts.filter(Boolean).join(' ')} → ${row.expect}`;
}

function exampleWorld(privateNetwork: boolean): World {
  const app = new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
  return new World(new PriceUpdatesStack(app, privateNetwork ? 'PrivatePriceUpdates' : 'PriceUpdates', { env: ENV, privateNetwork: privateNetwork ? PLACEHOLDER_VPC : undefined }));
}

const SNS = 'sns.amazonaws.com';
const PUBLISHER = 'the publisher (grantPublish)';
const CONSUMER = 'the wholesale consumer (grantConsumeMessages)';
const BYSTANDER = 'a role of our account without grants';
const QUEUE_ADMIN = 'a queue administrator (IAM: sqs:*)';
const TOPIC_ADMIN = 'a topic administrator (IAM: sns:*)';
const KEY_ADMIN = 'a key administrator (IAM: kms:*)';
const ROOT = 'the account root user';
const OUTSIDER = 'a role of another account (IAM: *)';

/** The example app without private networking (issue 5). */
const PUBLIC_ROWS: Row[] = [
  // SNS delivers for our topic only: the key statement and the queue policies pin aws:SourceArn and aws:SourceAccount.
  { who: SNS, does: 'kms:GenerateDataKey', on: 'the key', forSource: OUR_TOPIC, expect: ALLOWED },
  { who: SNS, does: 'kms:Decrypt', on: 'the key', forSource: OUR_TOPIC, expect: ALLOWED },
  { who: SNS, does: 'sqs:SendMessage', on: 'the wholesale queue', forSource: OUR_TOPIC, expect: ALLOWED },
  { who: SNS, does: 'sqs:SendMessage', on: 'the wholesale DLQ', forSource: OUR_TOPIC, expect: ALLOWED },
  { who: SNS, does: 'sqs:SendMessage', on: 'the retail queue', forSource: OUR_TOPIC, expect: ALLOWED },
  { who: SNS, does: 'sqs:SendMessage', on: 'the retail DLQ', forSource: OUR_TOPIC, expect: ALLOWED },
  { who: SNS, does: 'kms:GenerateDataKey', on: 'the key', forSource: OTHER_TOPIC, expect: NOT_GRANTED },
  { who: SNS, does: 'kms:Decrypt', on: 'the key', forSource: OTHER_TOPIC, expect: NOT_GRANTED },
  { who: SNS, does: 'sqs:SendMessage', on: 'the wholesale queue', forSource: OTHER_TOPIC, expect: NOT_GRANTED },
  { who: SNS, does: 'sqs:SendMessage', on: 'the retail DLQ', forSource: OTHER_TOPIC, expect: NOT_GRANTED },
  { who: SNS, does: 'kms:GenerateDataKey', on: 'the key', forSource: SAME_NAME_OTHER_ACCOUNT, expect: NOT_GRANTED },
  { who: SNS, does: 'sqs:SendMessage', on: 'the wholesale queue', forSource: SAME_NAME_OTHER_ACCOUNT, expect: NOT_GRANTED },
  { who: SNS, does: 'sqs:SendMessage', on: 'the wholesale DLQ', forSource: OUR_TOPIC_NAMED_BY_OTHER_ACCOUNT, expect: NOT_GRANTED },
  { who: SNS, does: 'sqs:ReceiveMessage', on: 'the wholesale queue', forSource: OUR_TOPIC, expect: NOT_GRANTED },
  // grantPublish: publish plus the key actions SNS needs to encrypt, nothing more.
  { who: PUBLISHER, does: 'sns:Publish', on: 'the topic', expect: ALLOWED },
  { who: PUBLISHER, does: 'kms:GenerateDataKey', on: 'the key', expect: ALLOWED },
  { who: PUBLISHER, does: 'kms:Decrypt', on: 'the key', expect: ALLOWED },
  { who: PUBLISHER, does: 'kms:GenerateDataKeyPair', on: 'the key', expect: NOT_GRANTED },
  { who: PUBLISHER, does: 'sqs:ReceiveMessage', on: 'the wholesale queue', expect: NOT_GRANTED },
  { who: BYSTANDER, does: 'sns:Publish', on: 'the topic', expect: NOT_GRANTED },
  { who: BYSTANDER, does: 'kms:GenerateDataKey', on: 'the key', expect: NOT_GRANTED },
  { who: OUTSIDER, does: 'sns:Publish', on: 'the topic', expect: NOT_GRANTED },
  { who: OUTSIDER, does: 'kms:GenerateDataKey', on: 'the key', expect: NOT_GRANTED },
  { who: OUTSIDER, does: 'sqs:SendMessage', on: 'the wholesale queue', expect: NOT_GRANTED },
  { who: OUTSIDER, does: 'sqs:ReceiveMessage', on: 'the retail DLQ', expect: NOT_GRANTED },
  // TLS only, on the topic and every queue and DLQ, whatever the caller's own permissions.
  { who: PUBLISHER, does: 'sns:Publish', on: 'the topic', tls: false, expect: DENIED },
  { who: TOPIC_ADMIN, does: 'sns:Publish', on: 'the topic', tls: false, expect: DENIED },
  { who: CONSUMER, does: 'sqs:ReceiveMessage', on: 'the wholesale queue', tls: false, expect: DENIED },
  { who: QUEUE_ADMIN, does: 'sqs:SendMessage', on: 'the retail queue', tls: false, expect: DENIED },
  { who: QUEUE_ADMIN, does: 'sqs:ReceiveMessage', on: 'the wholesale DLQ', tls: false, expect: DENIED },
  { who: QUEUE_ADMIN, does: 'sqs:PurgeQueue', on: 'the retail DLQ', tls: false, expect: DENIED },
  // grantConsumeMessages: receive, delete, change visibility and decrypt on its own queue; nothing else.
  { who: CONSUMER, does: 'sqs:ReceiveMessage', on: 'the wholesale queue', expect: ALLOWED },
  { who: CONSUMER, does: 'sqs:DeleteMessage', on: 'the wholesale queue', expect: ALLOWED },
  { who: CONSUMER, does: 'sqs:ChangeMessageVisibility', on: 'the wholesale queue', expect: ALLOWED },
  { who: CONSUMER, does: 'kms:Decrypt', on: 'the key', expect: ALLOWED },
  { who: CONSUMER, does: 'sns:Publish', on: 'the topic', expect: NOT_GRANTED },
  { who: CONSUMER, does: 'sqs:SendMessage', on: 'the wholesale queue', expect: NOT_GRANTED },
  { who: CONSUMER, does: 'sqs:ReceiveMessage', on: 'the retail queue', expect: NOT_GRANTED },
  { who: CONSUMER, does: 'kms:GenerateDataKey', on: 'the key', expect: NOT_GRANTED },
  // No lock-out: the account keeps key administration; other accounts do not get it.
  { who: ROOT, does: 'kms:PutKeyPolicy', on: 'the key', expect: ALLOWED },
  { who: ROOT, does: 'kms:ScheduleKeyDeletion', on: 'the key', expect: ALLOWED },
  { who: KEY_ADMIN, does: 'kms:PutKeyPolicy', on: 'the key', expect: ALLOWED },
  { who: KEY_ADMIN, does: 'kms:DisableKeyRotation', on: 'the key', expect: ALLOWED },
  { who: OUTSIDER, does: 'kms:PutKeyPolicy', on: 'the key', expect: NOT_GRANTED },
];

const SNS_ENDPOINT = 'the SNS endpoint';
const SQS_ENDPOINT = 'the SQS endpoint';
const KMS_ENDPOINT = 'the KMS endpoint';

/** The example app with privateNetwork: true (issue 3): topic and queues reachable only through our endpoints. */
const PRIVATE_ROWS: Row[] = [
  // Publishing only through the SNS endpoint.
  { who: PUBLISHER, does: 'sns:Publish', on: 'the topic', via: SNS_ENDPOINT, expect: ALLOWED },
  { who: PUBLISHER, does: 'sns:Publish', on: 'the topic', expect: DENIED },
  { who: PUBLISHER, does: 'sns:Publish', on: 'the topic', via: FOREIGN_ENDPOINT, expect: DENIED },
  { who: PUBLISHER, does: 'sns:Publish', on: 'the topic', via: SNS_ENDPOINT, tls: false, expect: DENIED },
  { who: TOPIC_ADMIN, does: 'sns:Subscribe', on: 'the topic', expect: DENIED },
  // CloudFormation subscribing a queue for the deployer does not come through the endpoint either.
  { who: TOPIC_ADMIN, does: 'sns:Subscribe', on: 'the topic', onBehalfByService: true, expect: ALLOWED },
  { who: PUBLISHER, does: 'sns:Publish', on: 'the topic', onBehalfByService: true, expect: ALLOWED },
  { who: TOPIC_ADMIN, does: 'sns:GetTopicAttributes', on: 'the topic', expect: ALLOWED },
  // SNS delivering, and calling KMS, never comes through our endpoint and keeps working.
  { who: SNS, does: 'sqs:SendMessage', on: 'the wholesale queue', forSource: OUR_TOPIC, expect: ALLOWED },
  { who: SNS, does: 'sqs:SendMessage', on: 'the wholesale DLQ', forSource: OUR_TOPIC, expect: ALLOWED },
  { who: SNS, does: 'sqs:SendMessage', on: 'the retail queue', forSource: OUR_TOPIC, expect: ALLOWED },
  { who: SNS, does: 'sqs:SendMessage', on: 'the retail DLQ', forSource: OUR_TOPIC, expect: ALLOWED },
  { who: SNS, does: 'kms:GenerateDataKey', on: 'the key', forSource: OUR_TOPIC, expect: ALLOWED },
  { who: SNS, does: 'sqs:SendMessage', on: 'the wholesale queue', forSource: OTHER_TOPIC, expect: NOT_GRANTED },
  { who: SNS, does: 'sqs:SendMessage', on: 'the retail DLQ', forSource: SAME_NAME_OTHER_ACCOUNT, expect: NOT_GRANTED },
  // Consuming only through the SQS endpoint; administrators are not locked out.
  { who: CONSUMER, does: 'sqs:ReceiveMessage', on: 'the wholesale queue', via: SQS_ENDPOINT, expect: ALLOWED },
  { who: CONSUMER, does: 'sqs:DeleteMessage', on: 'the wholesale queue', via: SQS_ENDPOINT, expect: ALLOWED },
  { who: CONSUMER, does: 'sqs:ReceiveMessage', on: 'the wholesale queue', expect: DENIED },
  { who: CONSUMER, does: 'sqs:ReceiveMessage', on: 'the wholesale queue', via: FOREIGN_ENDPOINT, expect: DENIED },
  { who: CONSUMER, does: 'sqs:DeleteMessage', on: 'the wholesale queue', expect: DENIED },
  { who: QUEUE_ADMIN, does: 'sqs:ReceiveMessage', on: 'the retail DLQ', expect: DENIED },
  { who: QUEUE_ADMIN, does: 'sqs:GetQueueAttributes', on: 'the wholesale queue', expect: ALLOWED },
  { who: QUEUE_ADMIN, does: 'sqs:SetQueueAttributes', on: 'the wholesale DLQ', expect: ALLOWED },
  { who: QUEUE_ADMIN, does: 'sqs:StartMessageMoveTask', on: 'the retail DLQ', expect: ALLOWED },
  // Endpoint policies: our account's principals only, and only the registered topic, queues and key.
  { who: CONSUMER, does: 'kms:Decrypt', on: 'the key', via: KMS_ENDPOINT, expect: ALLOWED },
  { who: PUBLISHER, does: 'kms:GenerateDataKey', on: 'the key', via: KMS_ENDPOINT, expect: ALLOWED },
  { who: OUTSIDER, does: 'sqs:SendMessage', on: 'a queue of the other account', via: SQS_ENDPOINT, expect: NOT_GRANTED },
  { who: OUTSIDER, does: 'sqs:SendMessage', on: 'a queue of the other account', expect: ALLOWED },
  { who: OUTSIDER, does: 'sqs:SendMessage', on: 'the wholesale queue', via: SQS_ENDPOINT, expect: NOT_GRANTED },
  { who: QUEUE_ADMIN, does: 'sqs:SendMessage', on: 'another queue of our account', via: SQS_ENDPOINT, expect: NOT_GRANTED },
  { who: QUEUE_ADMIN, does: 'sqs:SendMessage', on: 'another queue of our account', expect: ALLOWED },
  { who: TOPIC_ADMIN, does: 'sns:Publish', on: 'another topic of our account', via: SNS_ENDPOINT, expect: NOT_GRANTED },
  { who: KEY_ADMIN, does: 'kms:Decrypt', on: 'another key of our account', via: KMS_ENDPOINT, expect: NOT_GRANTED },
  { who: QUEUE_ADMIN, does: 'sqs:PurgeQueue', on: 'the wholesale queue', via: SQS_ENDPOINT, expect: NOT_GRANTED },
];

describe('the example app, resolved and simulated', () => {
  const publicWorld = exampleWorld(false);

  test.each(PUBLIC_ROWS.map((row) => [title(row), row] as const))('%s', async (_title, row) => {
    expect(await evaluate(publicWorld, row)).toBe(row.expect);
  });
});

describe('the example app with privateNetwork: true, resolved and simulated', () => {
  const privateWorld = exampleWorld(true);

  test.each(PRIVATE_ROWS.map((row) => [title(row), row] as const))('%s', async (_title, row) => {
    expect(await evaluate(privateWorld, row)).toBe(row.expect);
  });
});

describe('the simulation can fail', () => {
  test('every policy is resolved to concrete values (no Ref, Fn:: or token left)', () => {
    const w = exampleWorld(true);
    const policies = [
      ...Object.values(w.resources).map((arn) => w.resourcePolicy(arn)).filter(Boolean),
      ...Object.values(w.endpoints).map((id) => w.endpointPolicy(id)),
      ...Object.values(w.actors).flatMap((a) => a.identityPolicies),
    ];

    expect(policies.length).toBeGreaterThanOrEqual(16);
    expect(JSON.stringify(policies)).not.toMatch(/"Ref"|Fn::|\$\{Token/);
  });

  test('without the TLS-only statement, a publish without TLS would be allowed', async () => {
    const w = exampleWorld(false);
    const topicPolicy = w.resourcePolicy(w.resources['the topic']);
    const row: Row = { who: PUBLISHER, does: 'sns:Publish', on: 'the topic', tls: false, expect: ALLOWED };
    topicPolicy.Statement = topicPolicy.Statement.filter((s: Json) => !JSON.stringify(s).includes('aws:SecureTransport'));
    w.resourcePolicy = () => topicPolicy;

    expect(await evaluate(w, row)).toBe(ALLOWED);
  });

  test('without the endpoint-only statement, a publish off the endpoint would be allowed', async () => {
    const w = exampleWorld(true);
    const topicPolicy = w.resourcePolicy(w.resources['the topic']);
    const row: Row = { who: PUBLISHER, does: 'sns:Publish', on: 'the topic', expect: ALLOWED };
    topicPolicy.Statement = topicPolicy.Statement.filter((s: Json) => !JSON.stringify(s).includes('aws:SourceVpce'));
    w.resourcePolicy = () => topicPolicy;

    expect(await evaluate(w, row)).toBe(ALLOWED);
  });

  test('without the aws:PrincipalIsAWSService carve-out, SNS could not deliver into a private queue', async () => {
    const w = exampleWorld(true);
    const queuePolicy = w.resourcePolicy(w.resources['the wholesale queue']);
    const row: Row = { who: SNS, does: 'sqs:SendMessage', on: 'the wholesale queue', forSource: OUR_TOPIC, expect: DENIED };
    for (const statement of queuePolicy.Statement) {
      delete statement.Condition?.BoolIfExists;
    }
    w.resourcePolicy = () => queuePolicy;

    expect(await evaluate(w, row)).toBe(DENIED);
  });
});
