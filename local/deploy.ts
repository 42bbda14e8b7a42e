import {
  DeployedResource, DeployOptions, DeployProblem, DeployReport, NotEmulatedProperty, NotEmulatedResource, NotEnforcedSetting,
} from './deploy-report';
import type { MessagingTarget } from './emulator';
import {
  CfnTemplate, evaluateConditions, GetAttValues, parameterDefaults, pseudoParameters, Reference, RefValues, resolveIntrinsics,
} from './intrinsics';
import { creationOrder } from './ordering';
import { NOT_EMULATED_TYPES, PropertySpec, QUEUE_PROPERTIES, SUBSCRIPTION_PROPERTIES, TOPIC_PROPERTIES } from './property-tables';
import { Created, createQueue, createSubscription, createTopic, Prepared } from './sdk-calls';

export * from './deploy-report';
export type { CfnResource, CfnTemplate } from './intrinsics';
export { discoverDeployed } from './sdk-calls';

/**
 * Deploys the SNS and SQS part of a synthesized CloudFormation template into an SNS/SQS endpoint
 * (the embedded emulator, or LocalStack) with the same API calls CloudFormation makes, and reports
 * everything it did not create and why.
 *
 * The parts: intrinsic functions are evaluated in intrinsics.ts with the values the SDK returned for
 * resources already created; the creation order is a dependency walk (ordering.ts); which
 * properties become SNS/SQS API attributes is in property-tables.ts; the API calls are in
 * sdk-calls.ts, generated names in naming.ts; what is reported in deploy-report.ts.
 */

type Creator = (target: MessagingTarget, logicalId: string, prepared: Prepared, stackName: string) => Promise<Created>;

const HANDLERS: { readonly [type: string]: { readonly properties: { readonly [property: string]: PropertySpec }; readonly create: Creator } } = {
  'AWS::SQS::Queue': { properties: QUEUE_PROPERTIES, create: createQueue },
  'AWS::SNS::Topic': { properties: TOPIC_PROPERTIES, create: createTopic },
  'AWS::SNS::Subscription': { properties: SUBSCRIPTION_PROPERTIES, create: createSubscription },
};

const PLACEHOLDER = '{{not emulated: ';

/**
 * Create the template's SNS topics, SQS queues and SNS subscriptions in `target`, in dependency
 * order, and report what was created, left out and not understood.
 *
 * @throws when the target refuses a create call, or when the template has a dependency cycle
 */
export async function deployTemplate(template: CfnTemplate, target: MessagingTarget, options: DeployOptions = {}): Promise<DeployReport> {
  const stackName = options.stackName ?? 'LocalStack';
  const resources = template.Resources ?? {};
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
      // Anything referenced but not created (a KMS key, an IAM role, a typo) resolves to a visible placeholder.
      const placeholder = (ref: Reference) => `${PLACEHOLDER}${ref.logicalId}${ref.attribute === undefined ? '' : `.${ref.attribute}`}}}`;
      resolved = resolveIntrinsics(template, kept, refs, getAtts, placeholder) as { [property: string]: unknown };
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
