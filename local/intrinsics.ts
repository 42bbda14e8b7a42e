/// <reference path="./cfn-resolver-lib.d.ts" />
import NodeEvaluator from 'cfn-resolver-lib';

/**
 * CloudFormation intrinsic functions, for the local deployer, the policy proofs and the bench.
 *
 * Values are computed by cfn-resolver-lib (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::If, Fn::Select,
 * conditions, pseudo parameters) from the values the caller knows for each logical ID. Hand-written
 * here, because the library does not do it: finding the references of a node (it only evaluates),
 * the walk that hands it one intrinsic function at a time (it mangles plain objects, see
 * resolveIntrinsics), and small normalisations of input it mis-handles (string-form GetAtt, pseudo
 * parameters inside the list form of Fn::Sub, AWS::NoValue).
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

/** What `Ref` returns, by logical ID, parameter or pseudo parameter (also the `${Name}` of Fn::Sub). */
export type RefValues = { [name: string]: unknown };
/** What `Fn::GetAtt` returns: logical ID -> attribute -> value. */
export type GetAttValues = { [logicalId: string]: { [attribute: string]: unknown } };

/** A reference to a resource (or parameter) of the template: `Ref`, or `Fn::GetAtt` when `attribute` is set. */
export interface Reference {
  readonly logicalId: string;
  readonly attribute?: string;
}

/** The resource the library evaluates an intrinsic in: no logical ID can clash (they are alphanumeric). */
const HOLDER = '__intrinsic__';

/** What `AWS::NoValue` resolves to until stripped from the result. */
const NO_VALUE = '{{AWS::NoValue}}';

/** The pseudo parameters of a stack in an account and region. */
export function pseudoParameters(accountId: string, region: string, stackName: string): RefValues {
  return {
    'AWS::Region': region,
    'AWS::AccountId': accountId,
    'AWS::Partition': partitionOf(region),
    'AWS::URLSuffix': region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com',
    'AWS::StackName': stackName,
    'AWS::StackId': `arn:${partitionOf(region)}:cloudformation:${region}:${accountId}:stack/${stackName}/local`,
    'AWS::NotificationARNs': [],
    'AWS::NoValue': NO_VALUE,
  };
}

/** The Default of each template parameter that has one. */
export function parameterDefaults(template: CfnTemplate): RefValues {
  return Object.fromEntries(
    Object.entries(template.Parameters ?? {})
      .filter(([, parameter]) => parameter.Default !== undefined)
      .map(([name, parameter]) => [name, parameter.Default]),
  );
}

/**
 * Replace every intrinsic function in `node` by its value. A reference to a logical ID absent from
 * `refs` / `getAtts` takes the value `missing` returns for it (which may throw); cfn-resolver-lib
 * would otherwise leave the bare logical ID in place, silently.
 */
export function resolveIntrinsics(
  template: CfnTemplate,
  node: unknown,
  refs: RefValues,
  getAtts: GetAttValues,
  missing: (reference: Reference) => unknown,
  imports: { [exportName: string]: unknown } = {},
): unknown {
  const normalized = normalize(node, refs);
  const localRefs = { ...refs };
  const localGetAtts: GetAttValues = { ...getAtts };
  for (const ref of collectReferences(normalized)) {
    if (ref.attribute === undefined) {
      if (!(ref.logicalId in localRefs)) localRefs[ref.logicalId] = missing(ref);
    } else if (localGetAtts[ref.logicalId]?.[ref.attribute] === undefined) {
      const value = missing(ref);
      localGetAtts[ref.logicalId] = { ...localGetAtts[ref.logicalId], [ref.attribute]: value };
      localRefs[`${ref.logicalId}.${ref.attribute}`] = value;
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
      Resources: { [HOLDER]: { Type: 'AWS::CloudFormation::WaitConditionHandle', Properties: { Value: intrinsic } } },
    };
    const evaluated = new NodeEvaluator(mini, { 'RefResolvers': localRefs, 'Fn::GetAttResolvers': localGetAtts, 'Fn::ImportValueResolvers': imports }).evaluateNodes();
    const resources = evaluated.Resources as { [id: string]: { Properties: { Value: unknown } } };
    return resources[HOLDER].Properties.Value;
  };
  return stripNoValue(evaluateEach(normalized, evaluate));
}

/** The value of each of the template's conditions. */
export function evaluateConditions(template: CfnTemplate, refs: RefValues): { [name: string]: unknown } {
  if (!template.Conditions || Object.keys(template.Conditions).length === 0) return {};
  const evaluated = new NodeEvaluator(
    { Parameters: template.Parameters ?? {}, Mappings: template.Mappings ?? {}, Conditions: template.Conditions },
    { RefResolvers: refs },
  ).evaluateNodes();
  return (evaluated.Conditions ?? {}) as { [name: string]: unknown };
}

/** Every Ref, Fn::GetAtt and `${...}` of Fn::Sub in a node (pseudo parameters excluded). */
export function collectReferences(node: unknown, out: Reference[] = []): Reference[] {
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

/** Whether any value in `node` references `logicalId` (Ref, Fn::GetAtt or Fn::Sub). */
export function refersTo(node: unknown, logicalId: string): boolean {
  return collectReferences(node).some((ref) => ref.logicalId === logicalId);
}

/** The first of `logicalIds` that `node` references, if any. */
export function firstReferenced(node: unknown, logicalIds: Iterable<string>): string | undefined {
  const referenced = new Set(collectReferences(node).map((ref) => ref.logicalId));
  return [...logicalIds].find((id) => referenced.has(id));
}

/** The partition of a region. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** Replace every intrinsic-function node (`{ Ref }`, `{ "Fn::..." }`) in a plain structure by its value. */
function evaluateEach(node: unknown, evaluate: (intrinsic: unknown) => unknown): unknown {
  if (Array.isArray(node)) return node.map((item) => evaluateEach(item, evaluate));
  if (!isObject(node)) return node;
  const keys = Object.keys(node);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return evaluate(node);
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, evaluateEach(v, evaluate)]));
}

/**
 * Rewrite what cfn-resolver-lib 1.1.8 mis-handles: string-form `Fn::GetAtt` ("A.B") becomes
 * ["A", "B"]; the list form of `Fn::Sub` gets the pseudo parameters and known resources in its
 * variable map (the library substitutes from that map only).
 */
function normalize(node: unknown, refs: RefValues): unknown {
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

function stripNoValue(node: unknown): unknown {
  if (Array.isArray(node)) return node.filter((item) => item !== NO_VALUE).map(stripNoValue);
  if (!isObject(node)) return node;
  return Object.fromEntries(Object.entries(node).filter(([, v]) => v !== NO_VALUE).map(([k, v]) => [k, stripNoValue(v)]));
}

function isObject(node: unknown): node is { [key: string]: unknown } {
  return typeof node === 'object' && node !== null && !Array.isArray(node);
}
