import { createHash } from 'node:crypto';
import {
  DeployedResource, DeployOptions, DeployProblem, DeployReport, NotEmulatedProperty, NotEmulatedResource, NotEnforcedSetting,
  RemovedResource, ReplacedResource, UpdatedResource,
} from './deploy-report';
import type { MessagingTarget } from './emulator';
import {
  CfnTemplate, collectReferences, evaluateConditions, GetAttValues, parameterDefaults, pseudoParameters, Reference, RefValues, resolveIntrinsics,
} from './intrinsics';
import { generatedName } from './naming';
import { creationOrder } from './ordering';
import {
  CREATE_ONLY, KMS_STAND_IN, NOT_EMULATED_TYPES, POLICY_VERIFIED_BY, PropertySpec, QUEUE_POLICY_PROPERTIES, QUEUE_PROPERTIES, SUBSCRIPTION_PROPERTIES,
  TOPIC_POLICY_PROPERTIES, TOPIC_PROPERTIES,
} from './property-tables';
import {
  Created, createPolicy, createQueue, createSubscription, createTopic, deleteResource, Prepared, retag, setAttribute, targetsOf, writePolicy,
} from './sdk-calls';

export * from './deploy-report';
export type { CfnResource, CfnTemplate } from './intrinsics';
export { discoverDeployed } from './sdk-calls';

/**
 * Deploys the SNS and SQS part of a synthesized CloudFormation template into an SNS/SQS endpoint
 * (the embedded emulator, or LocalStack) with the same API calls CloudFormation makes, and reports
 * everything it did not create and why. Given the stack as deployed before, it deploys the template
 * as CloudFormation's UPDATE would: same logical ID, updated in place (or replaced when a create-only
 * property changed); new logical IDs created; removed ones deleted unless `DeletionPolicy: Retain`.
 *
 * The parts: intrinsic functions are evaluated in intrinsics.ts with the values the SDK returned for
 * resources already created; the creation order is a dependency walk (ordering.ts); which
 * properties become SNS/SQS API attributes, and which are create-only, is in property-tables.ts; the
 * API calls are in sdk-calls.ts, generated names in naming.ts; what is reported in deploy-report.ts.
 */

type Creator = (target: MessagingTarget, logicalId: string, prepared: Prepared, stackName: string) => Promise<Created>;

const HANDLERS: { readonly [type: string]: { readonly properties: { readonly [property: string]: PropertySpec }; readonly create: Creator } } = {
  'AWS::SQS::Queue': { properties: QUEUE_PROPERTIES, create: createQueue },
  'AWS::SNS::Topic': { properties: TOPIC_PROPERTIES, create: createTopic },
  'AWS::SNS::Subscription': { properties: SUBSCRIPTION_PROPERTIES, create: createSubscription },
  // Stored as the Policy attribute of each queue or topic; no emulator evaluates it (POLICY_VERIFIED_BY).
  'AWS::SQS::QueuePolicy': { properties: QUEUE_POLICY_PROPERTIES, create: createPolicy('queue') },
  'AWS::SNS::TopicPolicy': { properties: TOPIC_POLICY_PROPERTIES, create: createPolicy('topic') },
};

/**
 * What an attribute is set to when a property leaves the template (CloudFormation sets the service
 * default); the SQS defaults are those of the CreateQueue API reference, the rest are "unset".
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
 */
const DEFAULTS: { readonly [type: string]: { readonly [attribute: string]: string } } = {
  'AWS::SQS::Queue': {
    DelaySeconds: '0', MessageRetentionPeriod: '345600', ReceiveMessageWaitTimeSeconds: '0', VisibilityTimeout: '30', ContentBasedDeduplication: 'false',
  },
  'AWS::SNS::Topic': { ContentBasedDeduplication: 'false' },
  'AWS::SNS::Subscription': { RawMessageDelivery: 'false' },
};

const RETAINED = new Set(['Retain', 'RetainExceptOnCreate']);

const PLACEHOLDER = '{{not emulated: ';

/**
 * Create the template's SNS topics, SQS queues, SNS subscriptions and their policies in `target`, in
 * dependency order, and report what was created, left out and not understood. With
 * `options.previous`, update that stack instead (see `DeployOptions.previous`).
 *
 * @throws when the target refuses a create call, when the template has a dependency cycle, or, as
 * CloudFormation does, when an update would replace a resource with a custom name it keeps
 */
export async function deployTemplate(template: CfnTemplate, target: MessagingTarget, options: DeployOptions = {}): Promise<DeployReport> {
  const stackName = options.stackName ?? 'LocalStack';
  const resources = template.Resources ?? {};
  const previous = options.previous;
  const refs: RefValues = { ...parameterDefaults(template), ...pseudoParameters(target.accountId, target.region, stackName) };
  const getAtts: GetAttValues = {};
  const report = {
    resources: {} as { [logicalId: string]: DeployedResource },
    ids: {} as { [logicalId: string]: string },
    notEmulated: [] as NotEmulatedResource[],
    notEmulatedProperties: [] as NotEmulatedProperty[],
    notEnforced: [] as NotEnforcedSetting[],
    problems: [] as DeployProblem[],
    skippedByCondition: [] as string[],
  };
  const update = {
    created: [] as string[],
    updated: [] as UpdatedResource[],
    unchanged: [] as string[],
    replaced: [] as ReplacedResource[],
    deleted: [] as RemovedResource[],
    retained: [] as RemovedResource[],
  };
  /** Old copies of replaced resources, deleted after everything else, as CloudFormation's cleanup phase does. */
  const replacedOld: DeployedResource[] = [];

  const conditions = conditionValues(template, refs, report.problems);

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
        standIn(template, logicalId, stackName, target, refs, getAtts);
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
      // Anything referenced but not created (an IAM role, a typo) resolves to a visible placeholder.
      const placeholder = (ref: Reference) => `${PLACEHOLDER}${ref.logicalId}${ref.attribute === undefined ? '' : `.${ref.attribute}`}}}`;
      resolved = resolveIntrinsics(template, kept, refs, getAtts, placeholder, { ...options.imports }) as { [property: string]: unknown };
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
    const callAttributes = Object.fromEntries(Object.entries(prepared.call).map(([k, v]) => [k, toAttribute(v)]));
    const attributes = { ...callAttributes, ...prepared.attributes };
    const createOnly = Object.fromEntries((CREATE_ONLY[type] ?? []).filter((p) => p in resolved).map((p) => [p, toAttribute(resolved[p])]));

    const before = previous?.report.resources[logicalId]?.type === type ? previous.report.resources[logicalId] : undefined;
    let created: Created;
    if (before) {
      const changedCreateOnly = [...new Set([...Object.keys(createOnly), ...Object.keys(before.createOnly ?? {})])]
        .filter((p) => createOnly[p] !== before.createOnly?.[p]);
      if (changedCreateOnly.length === 0) {
        created = { physicalId: before.physicalId, arn: before.arn, name: before.name, url: before.url, getAtt: before.getAtt ?? {} };
        const changed = await updateInPlace(target, before, attributes, prepared, report.problems);
        if (changed.length > 0) update.updated.push({ logicalId, type, properties: changed });
        else update.unchanged.push(logicalId);
      } else {
        if (prepared.name !== undefined && prepared.name === before.name) {
          throw new Error(`${logicalId} (${type}): CloudFormation cannot update a stack when a custom-named resource requires replacing ` +
            `(create-only ${changedCreateOnly.join(', ')} changed, name ${before.name} kept): the update fails`);
        }
        created = await create(handler.create, target, logicalId, type, prepared, stackName);
        const oldKept = RETAINED.has(String(resource.UpdateReplacePolicy ?? ''));
        update.replaced.push({
          logicalId, type, properties: changedCreateOnly, oldPhysicalId: before.physicalId, newPhysicalId: created.physicalId, oldKept,
        });
        if (!oldKept) replacedOld.push(before);
      }
    } else {
      created = await create(handler.create, target, logicalId, type, prepared, stackName);
      update.created.push(logicalId);
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
    report.resources[logicalId] = {
      logicalId,
      type,
      physicalId: created.physicalId,
      arn: created.arn,
      name: created.name,
      url: created.url,
      attributes,
      getAtt: created.getAtt,
      tags: prepared.tags,
      createOnly,
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
    if (resolved.KmsMasterKeyId !== undefined) {
      const standInKey = collectReferences(kept.KmsMasterKeyId).some((ref) => /^AWS::KMS::/.test(resources[ref.logicalId]?.Type ?? ''));
      report.notEnforced.push({
        logicalId,
        type,
        property: 'KmsMasterKeyId',
        value: toAttribute(resolved.KmsMasterKeyId),
        detail: standInKey ? KMS_STAND_IN.detail : 'stored only: the target encrypts nothing and calls no KMS',
        verifiedBy: KMS_STAND_IN.verifiedBy,
      });
    }
    if (POLICY_VERIFIED_BY[type] && resolved.PolicyDocument !== undefined) {
      report.notEnforced.push({
        logicalId,
        type,
        property: 'PolicyDocument',
        value: toAttribute(resolved.PolicyDocument),
        detail: `stored as the Policy attribute of ${targetsOf(prepared).length} ${type === 'AWS::SQS::QueuePolicy' ? 'queue(s)' : 'topic(s)'}; the target evaluates no policy`,
        verifiedBy: POLICY_VERIFIED_BY[type],
      });
    }
  }

  // Exports, from the values of what was created (an output of something not emulated stays a placeholder).
  const exports: { [exportName: string]: unknown } = {};
  for (const output of Object.values(template.Outputs ?? {}) as Array<{ Value?: unknown; Export?: { Name?: unknown } }>) {
    if (output.Export?.Name === undefined) continue;
    const placeholder = (ref: Reference) => `${PLACEHOLDER}${ref.logicalId}${ref.attribute === undefined ? '' : `.${ref.attribute}`}}}`;
    const name = resolveIntrinsics(template, output.Export.Name, refs, getAtts, placeholder, { ...options.imports });
    exports[String(name)] = resolveIntrinsics(template, output.Value, refs, getAtts, placeholder, { ...options.imports });
  }
  if (!previous) return { ...report, exports };

  // Cleanup, as CloudFormation's: resources no longer in the template (or skipped by their condition),
  // then the old copies of replaced ones, in reverse creation order.
  const oldResources = previous.template.Resources ?? {};
  const oldOrder = creationOrder(oldResources);
  const present = (id: string) => id in resources && resources[id].Type === oldResources[id].Type && !report.skippedByCondition.includes(id);
  const removed = oldOrder.filter((id) => !present(id));
  for (const logicalId of [...removed].reverse()) {
    const old = oldResources[logicalId];
    const deployed = previous.report.resources[logicalId];
    const entry: RemovedResource = { logicalId, type: old.Type, physicalId: deployed?.physicalId };
    if (RETAINED.has(String(old.DeletionPolicy ?? ''))) {
      update.retained.push(entry);
      continue;
    }
    if (deployed) await removeOrReport(target, deployed, report.problems);
    update.deleted.push(entry);
  }
  for (const old of replacedOld.sort((a, b) => oldOrder.indexOf(b.logicalId) - oldOrder.indexOf(a.logicalId))) {
    await removeOrReport(target, old, report.problems);
  }
  return { ...report, update, exports };
}

async function create(
  creator: Creator, target: MessagingTarget, logicalId: string, type: string, prepared: Prepared, stackName: string,
): Promise<Created> {
  try {
    return await creator(target, logicalId, prepared, stackName);
  } catch (err) {
    throw new Error(`${logicalId} (${type}): the target refused it: ${String(err)}`);
  }
}

/**
 * Update an existing resource in place: SetQueueAttributes / SetTopicAttributes /
 * SetSubscriptionAttributes for each changed attribute (a removed one goes back to its default),
 * tags, and a policy resource's Policy on its queues or topics. Returns what changed; a refusal by
 * the target is a problem (CloudFormation would fail the update).
 */
async function updateInPlace(
  target: MessagingTarget, before: DeployedResource, attributes: { [name: string]: string }, prepared: Prepared, problems: DeployProblem[],
): Promise<string[]> {
  const { logicalId, type } = before;
  const changed = [...new Set([...Object.keys(attributes), ...Object.keys(before.attributes)])]
    .filter((name) => attributes[name] !== before.attributes[name]);
  const refuse = (property: string, err: unknown) => problems.push({
    logicalId, type, property, message: `the target refused the in-place update of ${property}: ${String(err)}`,
  });
  if (type === 'AWS::SQS::QueuePolicy' || type === 'AWS::SNS::TopicPolicy') {
    if (changed.length === 0) return [];
    const kind = type === 'AWS::SQS::QueuePolicy' ? 'queue' : 'topic';
    const now = targetsOf(prepared);
    const dropped = (JSON.parse(before.attributes.Queues ?? before.attributes.Topics ?? '[]') as string[]).filter((id) => !now.includes(id));
    try {
      await writePolicy(target, kind, now, prepared.attributes.PolicyDocument ?? '');
      await writePolicy(target, kind, dropped, '');
    } catch (err) {
      refuse('PolicyDocument', err);
    }
    return changed;
  }
  const callProperties = Object.keys(HANDLERS[type].properties).filter((p) => HANDLERS[type].properties[p].kind === 'call');
  for (const name of changed) {
    if (callProperties.includes(name)) {
      problems.push({ logicalId, type, property: name, message: `${name} changed: not emulated as an update, not applied` });
      continue;
    }
    try {
      await setAttribute(target, before, name, attributes[name] ?? DEFAULTS[type]?.[name] ?? '');
    } catch (err) {
      refuse(name, err);
    }
  }
  const oldTags = before.tags ?? {};
  const newOrChanged = Object.fromEntries(Object.entries(prepared.tags).filter(([k, v]) => oldTags[k] !== v));
  const removedTags = Object.keys(oldTags).filter((k) => !(k in prepared.tags));
  if (Object.keys(newOrChanged).length > 0 || removedTags.length > 0) {
    try {
      await retag(target, before, newOrChanged, removedTags);
    } catch (err) {
      refuse('Tags', err);
    }
    changed.push('Tags');
  }
  return changed;
}

async function removeOrReport(target: MessagingTarget, resource: DeployedResource, problems: DeployProblem[]): Promise<void> {
  try {
    await deleteResource(target, resource);
  } catch (err) {
    problems.push({ logicalId: resource.logicalId, type: resource.type, message: `the target refused to delete it: ${String(err)}` });
  }
}

/**
 * A KMS key is not created, but what it returns is needed where it is referenced (`KmsMasterKeyId`,
 * key policies): a stand-in key ID and ARN, the same for the same stack and logical ID, so an update
 * sees the same key. An alias returns its name; an IAM role its name and a stand-in ARN.
 */
function standIn(template: CfnTemplate, logicalId: string, stackName: string, target: MessagingTarget, refs: RefValues, getAtts: GetAttValues): void {
  const resource = template.Resources![logicalId];
  if (resource.Type === 'AWS::KMS::Key') {
    const hex = createHash('sha256').update(`${stackName}/${logicalId}`).digest('hex');
    const keyId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
    const arn = `arn:${String(refs['AWS::Partition'])}:kms:${target.region}:${target.accountId}:key/${keyId}`;
    refs[logicalId] = keyId;
    getAtts[logicalId] = { Arn: arn, KeyId: keyId };
    refs[`${logicalId}.Arn`] = arn;
    refs[`${logicalId}.KeyId`] = keyId;
  } else if (resource.Type === 'AWS::KMS::Alias' && typeof resource.Properties?.AliasName === 'string') {
    refs[logicalId] = resource.Properties.AliasName;
  } else if (resource.Type === 'AWS::IAM::Role') {
    // Queue and topic policies may name a role of the stack as principal.
    const name = typeof resource.Properties?.RoleName === 'string' ? resource.Properties.RoleName : generatedName(stackName, logicalId, 64, false);
    const arn = `arn:${String(refs['AWS::Partition'])}:iam::${target.accountId}:role/${name}`;
    refs[logicalId] = name;
    getAtts[logicalId] = { Arn: arn, RoleId: `AROA${createHash('sha256').update(arn).digest('hex').slice(0, 17).toUpperCase()}` };
    refs[`${logicalId}.Arn`] = arn;
  }
}

function conditionValues(template: CfnTemplate, refs: RefValues, problems: DeployProblem[]): { [name: string]: unknown } {
  try {
    return evaluateConditions(template, refs);
  } catch (err) {
    problems.push({ logicalId: 'Conditions', type: 'Conditions', message: `cannot evaluate the template's conditions (${String(err)}): every resource is created` });
    return {};
  }
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

function toAttribute(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function containsPlaceholder(node: unknown): boolean {
  return JSON.stringify(node ?? null).includes(PLACEHOLDER);
}

function describePlaceholder(node: unknown): string {
  const found = JSON.stringify(node).match(/\{\{not emulated: ([^}]+)\}\}/);
  return found ? found[1] : 'unknown';
}
