/// <reference path="./cfn-resolver-lib.d.ts" />
import { createHash } from 'node:crypto';
import { CreateTopicCommand, GetTopicAttributesCommand, ListTopicsCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import NodeEvaluator from 'cfn-resolver-lib';
import type { MessagingTarget } from './emulator';

/**
 * Deploys the SNS and SQS part of a synthesized CloudFormation template into an SNS/SQS endpoint
 * (the embedded emulator, or LocalStack) with the same API calls CloudFormation makes, and reports
 * everything it did not create and why.
 *
 * Intrinsic functions (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::If, Fn::Select, pseudo parameters)
 * are evaluated by cfn-resolver-lib with the values the SDK returned for resources already created.
 * Hand-written here, because the library does not do it: the creation order (a dependency walk over
 * Ref/GetAtt/Sub/DependsOn), the walk that hands the library one intrinsic function at a time (it
 * mangles plain objects, see resolveProperties), small normalisations of input it mis-handles
 * (string-form GetAtt, pseudo parameters inside the list form of Fn::Sub, AWS::NoValue), and the
 * mapping of CloudFormation properties to SNS/SQS API attributes.
 */

/** A synthesized template (`Template.fromStack(stack).toJSON()`, or a file in cdk.out). */
export interface CfnTemplate {
  readonly Resources?: { [logicalId: string]: CfnResource };
  readonly Parameters?: { [name: string]: { readonly Default?: unknown } };
  readonly Conditions?: { [name: string]: unknown };
  readonly Mappings?: { [name: string]: unknown };
  readonly [section: string]: unknown;
}

/** One resource of a template. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: { [property: string]: unknown };
  readonly DependsOn?: string | string[];
  readonly Condition?: string;
  readonly [key: string]: unknown;
}

/** A resource created in the target. */
export interface DeployedResource {
  readonly logicalId: string;
  readonly type: string;
  /** What `Ref` returns: the queue URL, topic ARN or subscription ARN. */
  readonly physicalId: string;
  readonly arn: string;
  /** Queue name or topic name. */
  readonly name?: string;
  /** Queues only. */
  readonly url?: string;
  /** The API attributes sent (after intrinsic resolution). */
  readonly attributes: { readonly [name: string]: string };
}

/** A resource the target cannot run, and the test layer that covers it instead. */
export interface NotEmulatedResource {
  readonly logicalId: string;
  readonly type: string;
  readonly verifiedBy: string;
}

/** A property of a created resource left out, because the target cannot emulate what it does. */
export interface NotEmulatedProperty {
  readonly logicalId: string;
  readonly type: string;
  readonly property: string;
  readonly verifiedBy: string;
}

/** A property applied and stored by the target, which however does not act on it. */
export interface NotEnforcedSetting {
  readonly logicalId: string;
  readonly type: string;
  readonly property: string;
  readonly value: string;
  readonly detail: string;
  readonly verifiedBy: string;
}

/** Something the deployer did not understand: an unknown type or property, an unresolvable reference. */
export interface DeployProblem {
  readonly logicalId: string;
  readonly type: string;
  readonly property?: string;
  readonly message: string;
}

/** What `deployTemplate` did. */
export interface DeployReport {
  /** Created resources by logical ID. */
  readonly resources: { readonly [logicalId: string]: DeployedResource };
  /** Logical ID -> queue URL / topic ARN / subscription ARN. */
  readonly ids: { readonly [logicalId: string]: string };
  readonly notEmulated: readonly NotEmulatedResource[];
  readonly notEmulatedProperties: readonly NotEmulatedProperty[];
  readonly notEnforced: readonly NotEnforcedSetting[];
  readonly problems: readonly DeployProblem[];
  /** Resources whose `Condition` evaluated to false. */
  readonly skippedByCondition: readonly string[];
}

/** Options of `deployTemplate`. */
export interface DeployOptions {
  /** `AWS::StackName`, and the prefix of generated physical names. @default 'LocalStack' */
  readonly stackName?: string;
}

const KMS = 'cdk-nag compliance (SNS3/SQS2 encryption, KMS5 rotation) and iam-simulate policy proofs (the key policy admits sns.amazonaws.com for this topic and account only)';
const IAM = 'iam-simulate policy proofs (publisher and consumer grants) and template assertions';
const NETWORK = 'template assertions (MessagingEndpoints tests) and iam-simulate proofs of the aws:SourceVpce conditions';

/** Resource types left out on purpose, with the test layer that covers each. */
const NOT_EMULATED_TYPES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^AWS::KMS::/, KMS],
  [/^AWS::SNS::TopicPolicy$/, 'iam-simulate policy proofs (TLS-only and endpoint-only Deny statements) and cdk-nag compliance (SNS3)'],
  [/^AWS::SQS::QueuePolicy$/, 'iam-simulate policy proofs (only this topic, in this account, may sqs:SendMessage; TLS-only Deny) and cdk-nag compliance (SQS4)'],
  [/^AWS::IAM::/, IAM],
  [/^AWS::EC2::/, NETWORK],
  [/^AWS::CDK::Metadata$/, 'nothing to verify: CDK version reporting, no runtime behaviour'],
];

type PropertySpec =
  | { readonly kind: 'name' | 'attribute' | 'json' | 'tags' | 'call' }
  | { readonly kind: 'not-emulated'; readonly verifiedBy: string };

const NAME = { kind: 'name' } as const;
const ATTRIBUTE = { kind: 'attribute' } as const;
const JSON_ATTRIBUTE = { kind: 'json' } as const;
const TAGS = { kind: 'tags' } as const;
const CALL = { kind: 'call' } as const;
const notEmulated = (verifiedBy: string): PropertySpec => ({ kind: 'not-emulated', verifiedBy });

const TOPIC_PROPERTIES: { readonly [property: string]: PropertySpec } = {
  TopicName: NAME,
  FifoTopic: ATTRIBUTE,
  ContentBasedDeduplication: ATTRIBUTE,
  FifoThroughputScope: ATTRIBUTE,
  DisplayName: ATTRIBUTE,
  SignatureVersion: ATTRIBUTE,
  TracingConfig: ATTRIBUTE,
  ArchivePolicy: JSON_ATTRIBUTE,
  Tags: TAGS,
  KmsMasterKeyId: notEmulated(KMS),
  DataProtectionPolicy: notEmulated('template assertions'),
  DeliveryStatusLogging: notEmulated('template assertions'),
};

const QUEUE_PROPERTIES: { readonly [property: string]: PropertySpec } = {
  QueueName: NAME,
  FifoQueue: ATTRIBUTE,
  ContentBasedDeduplication: ATTRIBUTE,
  DeduplicationScope: ATTRIBUTE,
  FifoThroughputLimit: ATTRIBUTE,
  DelaySeconds: ATTRIBUTE,
  MaximumMessageSize: ATTRIBUTE,
  MessageRetentionPeriod: ATTRIBUTE,
  ReceiveMessageWaitTimeSeconds: ATTRIBUTE,
  VisibilityTimeout: ATTRIBUTE,
  RedrivePolicy: JSON_ATTRIBUTE,
  RedriveAllowPolicy: JSON_ATTRIBUTE,
  Tags: TAGS,
  KmsMasterKeyId: notEmulated(KMS),
  KmsDataKeyReusePeriodSeconds: notEmulated(KMS),
  SqsManagedSseEnabled: notEmulated(KMS),
};

const SUBSCRIPTION_PROPERTIES: { readonly [property: string]: PropertySpec } = {
  TopicArn: CALL,
  Protocol: CALL,
  Endpoint: CALL,
  Region: CALL,
  RawMessageDelivery: ATTRIBUTE,
  FilterPolicyScope: ATTRIBUTE,
  SubscriptionRoleArn: ATTRIBUTE,
  FilterPolicy: JSON_ATTRIBUTE,
  RedrivePolicy: JSON_ATTRIBUTE,
  DeliveryPolicy: JSON_ATTRIBUTE,
  ReplayPolicy: JSON_ATTRIBUTE,
};

interface Created {
  readonly physicalId: string;
  readonly arn: string;
  readonly name?: string;
  readonly url?: string;
  readonly getAtt: { readonly [attribute: string]: string };
}

interface Prepared {
  readonly name?: string;
  readonly attributes: { [name: string]: string };
  readonly tags: { [key: string]: string };
  readonly call: { [property: string]: unknown };
}

type Creator = (target: MessagingTarget, logicalId: string, prepared: Prepared, stackName: string) => Promise<Created>;

const HANDLERS: { readonly [type: string]: { readonly properties: { readonly [property: string]: PropertySpec }; readonly create: Creator } } = {
  'AWS::SQS::Queue': { properties: QUEUE_PROPERTIES, create: createQueue },
  'AWS::SNS::Topic': { properties: TOPIC_PROPERTIES, create: createTopic },
  'AWS::SNS::Subscription': { properties: SUBSCRIPTION_PROPERTIES, create: createSubscription },
};

const PLACEHOLDER = '{{not emulated: ';
const NO_VALUE = '{{AWS::NoValue}}';

/**
 * Create the template's SNS topics, SQS queues and SNS subscriptions in `target`, in dependency
 * order, and report what was created, left out and not understood.
 *
 * @throws when the target refuses a create call, or when the template has a dependency cycle
 */
export async function deployTemplate(template: CfnTemplate, target: MessagingTarget, options: DeployOptions = {}): Promise<DeployReport> {
  const stackName = options.stackName ?? 'LocalStack';
  const resources = template.Resources ?? {};
  const refs: { [name: string]: unknown } = {
    ...parameterDefaults(template),
    'AWS::Region': target.region,
    'AWS::AccountId': target.accountId,
    'AWS::Partition': partitionOf(target.region),
    'AWS::URLSuffix': target.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com',
    'AWS::StackName': stackName,
    'AWS::StackId': `arn:${partitionOf(target.region)}:cloudformation:${target.region}:${target.accountId}:stack/${stackName}/local`,
    'AWS::NotificationARNs': [],
    'AWS::NoValue': NO_VALUE,
  };
  const getAtts: { [logicalId: string]: { [attribute: string]: unknown } } = {};
  const report = {
    resources: {} as { [logicalId: string]: DeployedResource },
    ids: {} as { [logicalId: string]: string },
    notEmulated: [] as NotEmulatedResource[],
    notEmulatedProperties: [] as NotEmulatedProperty[],
    notEnforced: [] as NotEnforcedSetting[],
    problems: [] as DeployProblem[],
    skippedByCondition: [] as string[],
  };

  const conditions = evaluateConditions(template, refs, report.problems);

  for (const logicalId of creationOrder(resources)) {
    const resource = resources[logicalId];
    const type = resource.Type;
    if (resource.Condition !== undefined && conditions[resource.Condition] === false) {
      report.skippedByCondition.push(logicalId);
      continue;
    }
    const handler = HANDLERS[type];
    if (!handler) {
      const known = NOT_EMULATED_TYPES.find(([pattern]) => pattern.test(type));
      if (known) {
        report.notEmulated.push({ logicalId, type, verifiedBy: known[1] });
      } else {
        report.problems.push({ logicalId, type, message: `unknown resource type ${type}: not created, nothing verifies it locally` });
      }
      continue;
    }

    const kept: { [property: string]: unknown } = {};
    for (const [property, value] of Object.entries(resource.Properties ?? {})) {
      const spec = handler.properties[property];
      if (!spec) {
        report.problems.push({ logicalId, type, property, message: `unknown property ${property} of ${type}: not applied` });
      } else if (spec.kind === 'not-emulated') {
        report.notEmulatedProperties.push({ logicalId, type, property, verifiedBy: spec.verifiedBy });
      } else {
        kept[property] = value;
      }
    }

    let resolved: { [property: string]: unknown };
    try {
      resolved = resolveProperties(template, logicalId, type, kept, refs, getAtts);
    } catch (err) {
      report.problems.push({ logicalId, type, message: `cannot resolve its properties (${String(err)}): not created` });
      continue;
    }
    for (const [property, value] of Object.entries(resolved)) {
      if (containsPlaceholder(value)) {
        report.problems.push({ logicalId, type, property, message: `${property} refers to a resource that is not emulated (${describePlaceholder(value)}): not applied` });
        delete resolved[property];
      }
    }

    const prepared = prepare(handler.properties, resolved);
    if (type === 'AWS::SNS::Subscription' && prepared.call.Region !== undefined && prepared.call.Region !== target.region) {
      report.problems.push({ logicalId, type, property: 'Region', message: `cross-region subscription (${String(prepared.call.Region)}) is not emulated: subscribed in ${target.region}` });
    }
    let created: Created;
    try {
      created = await handler.create(target, logicalId, prepared, stackName);
    } catch (err) {
      throw new Error(`${logicalId} (${type}): the target refused it: ${String(err)}`);
    }

    const account = created.arn.split(':')[4];
    if (account && account !== target.accountId) {
      report.problems.push({
        logicalId,
        type,
        message: `the target created it in account ${account}, but AWS::AccountId was resolved as ${target.accountId}: ARNs built from names will not match`,
      });
    }
    refs[logicalId] = created.physicalId;
    getAtts[logicalId] = { ...created.getAtt };
    for (const [attribute, value] of Object.entries(created.getAtt)) {
      refs[`${logicalId}.${attribute}`] = value;
    }
    const callAttributes = Object.fromEntries(Object.entries(prepared.call).map(([k, v]) => [k, toAttribute(v)]));
    report.resources[logicalId] = {
      logicalId,
      type,
      physicalId: created.physicalId,
      arn: created.arn,
      name: created.name,
      url: created.url,
      attributes: { ...callAttributes, ...prepared.attributes },
    };
    report.ids[logicalId] = created.physicalId;

    for (const [property, value] of Object.entries(resolved)) {
      const text = toAttribute(value);
      for (const gap of target.gaps) {
        if (gap.type === type && gap.property === property && (gap.when?.(text) ?? true)) {
          report.notEnforced.push({ logicalId, type, property, value: text, detail: gap.detail, verifiedBy: gap.verifiedBy });
        }
      }
    }
  }
  return report;
}

/**
 * For a stack CloudFormation itself deployed (`cdklocal deploy`, `cdk deploy`): find the template's
 * named queues and topics in `target` and read back their attributes, in the shape `deployTemplate`
 * reports. Resources without a literal name, and every other type, are left out.
 */
export async function discoverDeployed(template: CfnTemplate, target: MessagingTarget): Promise<DeployReport> {
  const resources: { [logicalId: string]: DeployedResource } = {};
  const problems: DeployProblem[] = [];
  let topicArns: string[] | undefined;
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    const props = resource.Properties ?? {};
    try {
      if (resource.Type === 'AWS::SQS::Queue' && typeof props.QueueName === 'string') {
        const name = props.QueueName;
        const url = required((await target.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl, `no URL for ${name}`);
        const attributes = (await target.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes ?? {};
        const arn = required(attributes.QueueArn, `no ARN for ${name}`);
        resources[logicalId] = { logicalId, type: resource.Type, physicalId: url, arn, name, url, attributes };
      } else if (resource.Type === 'AWS::SNS::Topic' && typeof props.TopicName === 'string') {
        const name = props.TopicName;
        topicArns ??= await listTopics(target);
        const arn = required(topicArns.find((a) => a.endsWith(`:${name}`)), `no topic named ${name}`);
        const attributes = (await target.sns.send(new GetTopicAttributesCommand({ TopicArn: arn }))).Attributes ?? {};
        resources[logicalId] = { logicalId, type: resource.Type, physicalId: arn, arn, name, attributes };
      }
    } catch (err) {
      problems.push({ logicalId, type: resource.Type, message: `not found in the target: ${String(err)}` });
    }
  }
  return {
    resources,
    ids: Object.fromEntries(Object.values(resources).map((r) => [r.logicalId, r.physicalId])),
    notEmulated: [],
    notEmulatedProperties: [],
    notEnforced: [],
    problems,
    skippedByCondition: [],
  };
}

async function listTopics(target: MessagingTarget): Promise<string[]> {
  const arns: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await target.sns.send(new ListTopicsCommand({ NextToken }));
    arns.push(...(page.Topics ?? []).map((t) => t.TopicArn ?? ''));
    NextToken = page.NextToken;
  } while (NextToken);
  return arns;
}

async function createQueue(target: MessagingTarget, logicalId: string, prepared: Prepared, stackName: string): Promise<Created> {
  const fifo = prepared.attributes.FifoQueue === 'true';
  const name = prepared.name ?? generatedName(stackName, logicalId, 80, fifo);
  const out = await target.sqs.send(new CreateQueueCommand({
    QueueName: name,
    Attributes: prepared.attributes,
    tags: Object.keys(prepared.tags).length > 0 ? prepared.tags : undefined,
  }));
  const url = required(out.QueueUrl, 'CreateQueue returned no QueueUrl');
  const attrs = await target.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  const arn = required(attrs.Attributes?.QueueArn, 'GetQueueAttributes returned no QueueArn');
  return { physicalId: url, arn, name, url, getAtt: { Arn: arn, QueueName: name, QueueUrl: url } };
}

async function createTopic(target: MessagingTarget, logicalId: string, prepared: Prepared, stackName: string): Promise<Created> {
  const fifo = prepared.attributes.FifoTopic === 'true';
  const name = prepared.name ?? generatedName(stackName, logicalId, 256, fifo);
  const tags = Object.entries(prepared.tags).map(([Key, Value]) => ({ Key, Value }));
  const out = await target.sns.send(new CreateTopicCommand({
    Name: name,
    Attributes: prepared.attributes,
    Tags: tags.length > 0 ? tags : undefined,
  }));
  const arn = required(out.TopicArn, 'CreateTopic returned no TopicArn');
  return { physicalId: arn, arn, name, getAtt: { TopicArn: arn, TopicName: name } };
}

async function createSubscription(target: MessagingTarget, _logicalId: string, prepared: Prepared): Promise<Created> {
  const out = await target.sns.send(new SubscribeCommand({
    TopicArn: String(prepared.call.TopicArn),
    Protocol: String(prepared.call.Protocol),
    Endpoint: prepared.call.Endpoint === undefined ? undefined : String(prepared.call.Endpoint),
    Attributes: prepared.attributes,
    ReturnSubscriptionArn: true,
  }));
  const arn = required(out.SubscriptionArn, 'Subscribe returned no SubscriptionArn');
  return { physicalId: arn, arn, getAtt: {} };
}

function prepare(specs: { readonly [property: string]: PropertySpec }, resolved: { [property: string]: unknown }): Prepared {
  const prepared: Prepared = { attributes: {}, tags: {}, call: {} };
  let name: string | undefined;
  for (const [property, value] of Object.entries(resolved)) {
    switch (specs[property]?.kind) {
      case 'name':
        name = String(value);
        break;
      case 'attribute':
      case 'json':
        prepared.attributes[property] = toAttribute(value);
        break;
      case 'tags':
        for (const tag of Array.isArray(value) ? value : []) {
          const { Key, Value } = tag as { Key?: unknown; Value?: unknown };
          if (Key !== undefined) prepared.tags[String(Key)] = String(Value ?? '');
        }
        break;
      case 'call':
        prepared.call[property] = value;
        break;
      default:
        break;
    }
  }
  return { ...prepared, name };
}

/** Evaluate one resource's properties with cfn-resolver-lib. */
function resolveProperties(
  template: CfnTemplate,
  logicalId: string,
  type: string,
  properties: { [property: string]: unknown },
  refs: { [name: string]: unknown },
  getAtts: { [logicalId: string]: { [attribute: string]: unknown } },
): { [property: string]: unknown } {
  const normalized = normalize(properties, refs);
  // Anything referenced but not created (a KMS key, an IAM role, a typo) resolves to a visible
  // placeholder: cfn-resolver-lib would otherwise leave the bare logical ID in place, silently.
  const localRefs = { ...refs };
  const localGetAtts: { [logicalId: string]: { [attribute: string]: unknown } } = { ...getAtts };
  for (const ref of collectReferences(normalized)) {
    if (ref.attribute === undefined) {
      if (!(ref.logicalId in localRefs)) localRefs[ref.logicalId] = `${PLACEHOLDER}${ref.logicalId}}}`;
    } else if (localGetAtts[ref.logicalId]?.[ref.attribute] === undefined) {
      const placeholder = `${PLACEHOLDER}${ref.logicalId}.${ref.attribute}}}`;
      localGetAtts[ref.logicalId] = { ...localGetAtts[ref.logicalId], [ref.attribute]: placeholder };
      localRefs[`${ref.logicalId}.${ref.attribute}`] = placeholder;
    }
  }
  // Each intrinsic function is evaluated on its own: cfn-resolver-lib 1.1.8 replaces any object
  // with a single array-valued key by that array (its ArrayNode.shouldReplaceParent() is true for
  // plain arrays too), which would turn a FilterPolicy {"region": ["EU"]} into ["EU"]. So the plain
  // structure around the intrinsics is walked here, and only intrinsic nodes go to the library.
  const evaluate = (intrinsic: unknown): unknown => {
    // Key order matters to cfn-resolver-lib: Conditions before Resources.
    const mini = {
      Parameters: template.Parameters ?? {},
      Mappings: template.Mappings ?? {},
      Conditions: template.Conditions ?? {},
      Resources: { [logicalId]: { Type: type, Properties: { Value: intrinsic } } },
    };
    const evaluated = new NodeEvaluator(mini, { 'RefResolvers': localRefs, 'Fn::GetAttResolvers': localGetAtts }).evaluateNodes();
    const resources = evaluated.Resources as { [id: string]: { Properties: { Value: unknown } } };
    return resources[logicalId].Properties.Value;
  };
  return stripNoValue(evaluateIntrinsics(normalized, evaluate)) as { [property: string]: unknown };
}

/** Replace every intrinsic-function node (`{ Ref }`, `{ "Fn::..." }`) in a plain structure by its value. */
function evaluateIntrinsics(node: unknown, evaluate: (intrinsic: unknown) => unknown): unknown {
  if (Array.isArray(node)) return node.map((item) => evaluateIntrinsics(item, evaluate));
  if (!isObject(node)) return node;
  const keys = Object.keys(node);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return evaluate(node);
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, evaluateIntrinsics(v, evaluate)]));
}

function evaluateConditions(template: CfnTemplate, refs: { [name: string]: unknown }, problems: DeployProblem[]): { [name: string]: unknown } {
  if (!template.Conditions || Object.keys(template.Conditions).length === 0) return {};
  try {
    const evaluated = new NodeEvaluator(
      { Parameters: template.Parameters ?? {}, Mappings: template.Mappings ?? {}, Conditions: template.Conditions },
      { RefResolvers: refs },
    ).evaluateNodes();
    return (evaluated.Conditions ?? {}) as { [name: string]: unknown };
  } catch (err) {
    problems.push({ logicalId: 'Conditions', type: 'Conditions', message: `cannot evaluate the template's conditions (${String(err)}): every resource is created` });
    return {};
  }
}

/**
 * Rewrite what cfn-resolver-lib 1.1.8 mis-handles: string-form `Fn::GetAtt` ("A.B") becomes
 * ["A", "B"]; the list form of `Fn::Sub` gets the pseudo parameters and created resources in its
 * variable map (the library substitutes from that map only).
 */
function normalize(node: unknown, refs: { [name: string]: unknown }): unknown {
  if (Array.isArray(node)) return node.map((item) => normalize(item, refs));
  if (!isObject(node)) return node;
  const getAtt = node['Fn::GetAtt'];
  if (typeof getAtt === 'string' && getAtt.includes('.')) {
    const dot = getAtt.indexOf('.');
    return { 'Fn::GetAtt': [getAtt.slice(0, dot), getAtt.slice(dot + 1)] };
  }
  const sub = node['Fn::Sub'];
  if (Array.isArray(sub) && typeof sub[0] === 'string' && isObject(sub[1])) {
    const stringRefs = Object.fromEntries(Object.entries(refs).filter(([, v]) => typeof v === 'string'));
    return { 'Fn::Sub': [sub[0], { ...stringRefs, ...(normalize(sub[1], refs) as object) }] };
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, normalize(v, refs)]));
}

interface Reference {
  readonly logicalId: string;
  readonly attribute?: string;
}

/** Every Ref, Fn::GetAtt and `${...}` of Fn::Sub in a node (pseudo parameters excluded). */
function collectReferences(node: unknown, out: Reference[] = []): Reference[] {
  if (Array.isArray(node)) {
    node.forEach((item) => collectReferences(item, out));
    return out;
  }
  if (!isObject(node)) return out;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'Ref' && typeof value === 'string' && !value.startsWith('AWS::')) {
      out.push({ logicalId: value });
    } else if (key === 'Fn::GetAtt' && Array.isArray(value) && typeof value[0] === 'string') {
      out.push({ logicalId: value[0], attribute: String(value[1]) });
    } else if (key === 'Fn::GetAtt' && typeof value === 'string') {
      const [logicalId, ...attribute] = value.split('.');
      out.push({ logicalId, attribute: attribute.join('.') });
    } else if (key === 'Fn::Sub') {
      const [text, variables] = Array.isArray(value) ? [value[0], value[1]] : [value, undefined];
      const defined = isObject(variables) ? Object.keys(variables) : [];
      for (const match of String(text).matchAll(/\$\{([^!}][^}]*)\}/g)) {
        const name = match[1].trim();
        if (name.startsWith('AWS::') || defined.includes(name)) continue;
        const [logicalId, ...attribute] = name.split('.');
        out.push(attribute.length > 0 ? { logicalId, attribute: attribute.join('.') } : { logicalId });
      }
      collectReferences(variables, out);
      continue;
    }
    collectReferences(value, out);
  }
  return out;
}

/** Resources in an order where each comes after everything it references (Kahn's algorithm). */
function creationOrder(resources: { [logicalId: string]: CfnResource }): string[] {
  const ids = Object.keys(resources);
  const dependencies = new Map<string, Set<string>>();
  for (const id of ids) {
    const resource = resources[id];
    const deps = new Set<string>();
    for (const ref of collectReferences(resource.Properties ?? {})) {
      if (ref.logicalId in resources && ref.logicalId !== id) deps.add(ref.logicalId);
    }
    const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
    dependsOn.filter((dep) => dep in resources).forEach((dep) => deps.add(dep));
    dependencies.set(id, deps);
  }
  const order: string[] = [];
  const done = new Set<string>();
  while (order.length < ids.length) {
    const ready = ids.filter((id) => !done.has(id) && [...dependencies.get(id)!].every((dep) => done.has(dep)));
    if (ready.length === 0) {
      throw new Error(`dependency cycle between ${ids.filter((id) => !done.has(id)).join(', ')}`);
    }
    for (const id of ready) {
      order.push(id);
      done.add(id);
    }
  }
  return order;
}

function parameterDefaults(template: CfnTemplate): { [name: string]: unknown } {
  return Object.fromEntries(
    Object.entries(template.Parameters ?? {})
      .filter(([, parameter]) => parameter.Default !== undefined)
      .map(([name, parameter]) => [name, parameter.Default]),
  );
}

/** Like CloudFormation, `<stack>-<logicalId>-<suffix>` when a resource has no name. */
function generatedName(stackName: string, logicalId: string, max: number, fifo: boolean): string {
  const suffix = createHash('sha256').update(`${stackName}/${logicalId}`).digest('hex').slice(0, 12).toUpperCase();
  const tail = `-${suffix}${fifo ? '.fifo' : ''}`;
  return `${stackName}-${logicalId}`.slice(0, max - tail.length) + tail;
}

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

function toAttribute(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function stripNoValue(node: unknown): unknown {
  if (Array.isArray(node)) return node.filter((item) => item !== NO_VALUE).map(stripNoValue);
  if (!isObject(node)) return node;
  return Object.fromEntries(Object.entries(node).filter(([, v]) => v !== NO_VALUE).map(([k, v]) => [k, stripNoValue(v)]));
}

function containsPlaceholder(node: unknown): boolean {
  return JSON.stringify(node ?? null).includes(PLACEHOLDER);
}

function describePlaceholder(node: unknown): string {
  const found = JSON.stringify(node).match(/\{\{not emulated: ([^}]+)\}\}/);
  return found ? found[1] : 'unknown';
}

function isObject(node: unknown): node is { [key: string]: unknown } {
  return typeof node === 'object' && node !== null && !Array.isArray(node);
}

function required<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw new Error(message);
  return value;
}
