import { createHash } from 'crypto';
import { AppVersion, StackVersion } from './app-version';
import { CfnResource, GetAttValues, parameterDefaults, pseudoParameters, RefValues, resolveIntrinsics } from '../../local/intrinsics';

type Json = any;

/*
 * An app version resolved to concrete ARNs, across its stacks (Fn::ImportValue and Fn::GetStackOutput
 * are looked up in the producing stack's Outputs). The values are made up deterministically from the stack and logical
 * ID, so the same resource has the same ARN in the "before" and the "after" version of an app (as
 * a deployed resource keeps its physical ID across an update in place).
 */

/** Where a resource is: its stack and logical ID. */
export interface ResourceAddress {
  readonly stack: string;
  readonly logicalId: string;
}

/** A resource of one version, its properties resolved. */
export interface ResolvedResource extends ResourceAddress {
  readonly type: string;
  readonly account: string;
  readonly region: string;
  /** The properties, resolved; undefined where an intrinsic could not be resolved. */
  readonly properties: Json;
  /** What the template has (for dependency analysis). */
  readonly raw: CfnResource;
}

export class ResolvedApp {
  public readonly resources: ResolvedResource[] = [];
  private readonly byAddress = new Map<string, ResolvedResource>();

  constructor(public readonly version: AppVersion) {
    const exports = new Map<string, unknown>();
    const resolvers = new Map<string, (node: unknown) => unknown>();
    for (const stack of version.stacks) {
      const resolve = stackResolver(stack, exports);
      resolvers.set(stack.stackName, resolve);
      for (const [outputName, output] of Object.entries<Json>((stack.template.Outputs ?? {}) as Json)) {
        const value = resolve(output.Value);
        exports.set(`output:${stack.stackName}/${outputName}`, value);
        if (output.Export?.Name !== undefined) {
          exports.set(String(resolve(output.Export.Name)), value);
        }
      }
    }
    for (const stack of version.stacks) {
      const resolve = resolvers.get(stack.stackName)!;
      for (const [logicalId, raw] of Object.entries(stack.template.Resources ?? {})) {
        let properties: Json;
        try {
          properties = resolve(raw.Properties ?? {});
        } catch {
          properties = undefined;
        }
        const { account, region } = stack;
        const r: ResolvedResource = { stack: stack.stackName, logicalId, type: raw.Type, account, region, properties, raw };
        this.resources.push(r);
        this.byAddress.set(key(r), r);
      }
    }
  }

  public get(address: ResourceAddress): ResolvedResource | undefined {
    return this.byAddress.get(key(address));
  }

  public stack(name: string): StackVersion | undefined {
    return this.version.stacks.find((s) => s.stackName === name);
  }
}

function key(a: ResourceAddress): string {
  return `${a.stack}/${a.logicalId}`;
}

/** A resolver of one stack's values (Fn::ImportValue and Fn::GetStackOutput from the outputs of the stacks before it). */
function stackResolver(stack: StackVersion, exports: Map<string, unknown>): (node: unknown) => unknown {
  const { account, region, stackName } = stack;
  const template = stack.template;
  const refs: RefValues = { ...pseudoParameters(account, region, stackName), ...parameterDefaults(template) };
  const getAtts: GetAttValues = {};
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    const { ref, atts } = physical(stack, logicalId, resource);
    refs[logicalId] = ref;
    getAtts[logicalId] = atts;
  }
  const importValues = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(importValues);
    if (typeof node !== 'object' || node === null) return node;
    const o = node as Record<string, unknown>;
    if (Object.keys(o).length === 1 && 'Fn::ImportValue' in o) {
      const name = typeof o['Fn::ImportValue'] === 'string' ? o['Fn::ImportValue'] : JSON.stringify(o['Fn::ImportValue']);
      if (!exports.has(name as string)) throw new Error(`no export ${name}`);
      return exports.get(name as string);
    }
    // A weak cross-stack (or cross-account) reference reads the producer's output directly
    // (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getstackoutput.html).
    if (Object.keys(o).length === 1 && 'Fn::GetStackOutput' in o) {
      const { StackName, OutputName } = o['Fn::GetStackOutput'] as { StackName: string; OutputName: string };
      const k = `output:${StackName}/${OutputName}`;
      if (!exports.has(k)) throw new Error(`no output ${OutputName} in ${StackName}`);
      return exports.get(k);
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, importValues(v)]));
  };
  return (node: unknown) => resolveIntrinsics(template, importValues(node), refs, getAtts, ({ logicalId, attribute }) => {
    // A value nothing here needs (e.g. a Lambda layer's ARN): a placeholder that matches no ARN.
    return `unresolved:${stackName}/${logicalId}${attribute ? `.${attribute}` : ''}`;
  });
}

/** Ref and GetAtt values of the resource types the update-order check reads; made up from names. */
function physical(stack: StackVersion, logicalId: string, resource: CfnResource): { ref: unknown; atts: Record<string, unknown> } {
  const { account, region, stackName } = stack;
  const p = (resource.Properties ?? {}) as Json;
  const literal = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const generated = `${stackName}-${logicalId}`;
  switch (resource.Type) {
    case 'AWS::KMS::Key': {
      const id = fakeUuid(`${account}/${region}/${stackName}/${logicalId}`);
      const arn = `arn:aws:kms:${region}:${account}:key/${id}`;
      return { ref: id, atts: { Arn: arn, KeyId: id } };
    }
    case 'AWS::KMS::Alias':
      return { ref: literal(p.AliasName) ?? `alias/${generated}`, atts: {} };
    case 'AWS::SNS::Topic': {
      const name = literal(p.TopicName) ?? `${generated}${p.FifoTopic ? '.fifo' : ''}`;
      const arn = `arn:aws:sns:${region}:${account}:${name}`;
      return { ref: arn, atts: { TopicArn: arn, TopicName: name } };
    }
    case 'AWS::SQS::Queue': {
      const name = literal(p.QueueName) ?? `${generated}${p.FifoQueue ? '.fifo' : ''}`;
      const url = `https://sqs.${region}.amazonaws.com/${account}/${name}`;
      return { ref: url, atts: { Arn: `arn:aws:sqs:${region}:${account}:${name}`, QueueName: name, QueueUrl: url } };
    }
    case 'AWS::IAM::Role': {
      const name = literal(p.RoleName) ?? generated;
      return { ref: name, atts: { Arn: `arn:aws:iam::${account}:role/${name}`, RoleId: `AROA${fakeUuid(name).slice(0, 8)}` } };
    }
    case 'AWS::IAM::ManagedPolicy': {
      const arn = `arn:aws:iam::${account}:policy/${literal(p.ManagedPolicyName) ?? generated}`;
      return { ref: arn, atts: { PolicyArn: arn } };
    }
    case 'AWS::Lambda::Function': {
      const name = literal(p.FunctionName) ?? generated;
      return { ref: name, atts: { Arn: `arn:aws:lambda:${region}:${account}:function:${name}` } };
    }
    default:
      return { ref: generated, atts: {} };
  }
}

export function fakeUuid(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
