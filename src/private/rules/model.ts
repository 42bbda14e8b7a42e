import { CfnElement, CfnParameter, CfnResource, DefaultTokenResolver, IFragmentConcatenator, IPostProcessor, IResolvable, IResolveContext, Reference, Stack, Token, Tokenization } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * A read-only view of the SNS, SQS, KMS and Lambda L1 resources of a construct tree, as
 * CloudFormation will see them: L2s, escape hatches (overrides included) and `CfnInclude`d
 * templates alike. Written by hand: aws-cdk-lib resolves tokens to CloudFormation JSON, and no
 * library evaluates that JSON back to ARNs across stacks.
 *
 * Values are evaluated to strings. A reference to a resource of the tree becomes its ARN when its
 * name is known, else an identity of this model (`@sqs-queue:3`); pseudo parameters become the
 * stack's account and region, or `${AWS::Region}`-style placeholders for an environment-agnostic
 * stack. What cannot be known before deployment (parameters, imports, conditions) is `undefined`,
 * with the reason from `whyUnknown`.
 */
export class DeliveryModel {
  /** The model of a tree, built once per (tree root, owner) and reused. */
  public static of(root: IConstruct, owner: object): DeliveryModel {
    let byRoot = MODELS.get(owner);
    if (!byRoot) {
      byRoot = new WeakMap();
      MODELS.set(owner, byRoot);
    }
    let model = byRoot.get(root);
    if (!model) {
      model = new DeliveryModel(root);
      byRoot.set(root, model);
    }
    return model;
  }

  public readonly resources: Res[] = [];
  private readonly refs: Reference[] = [];
  private readonly byCfn = new Map<CfnElement, Res>();

  private constructor(root: IConstruct) {
    for (const c of root.node.findAll()) {
      if (CfnResource.isCfnResource(c) && TYPES.has(c.cfnResourceType)) {
        const res = new Res(this, c, this.resources.length);
        this.resources.push(res);
        this.byCfn.set(c, res);
      }
    }
  }

  /** The resource for an L1 of the tree. */
  public resOf(cfn: CfnElement): Res | undefined {
    return this.byCfn.get(cfn);
  }

  /** All resources of a CloudFormation type. */
  public ofType(type: string): Res[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** Resolves an L1's template entry, keeping references as markers this model can follow. */
  public resolveEntry(cfn: CfnResource): any {
    const stack = Stack.of(cfn);
    const rendered = (cfn as any)._toCloudFormation();
    const resolved = Tokenization.resolve(rendered, { scope: cfn, preparing: false, resolver: new MarkingResolver(this.refs) });
    const resources = (resolved?.Resources ?? {}) as Record<string, any>;
    void stack;
    return Object.values(resources)[0] ?? {};
  }

  /**
   * Evaluates a resolved value to a string (see the class doc), or undefined when it is only known
   * at deploy time.
   */
  public value(x: unknown, where: Res): string | undefined {
    if (typeof x === 'string') {
      return x;
    }
    if (typeof x === 'number' || typeof x === 'boolean') {
      return String(x);
    }
    if (x === null || typeof x !== 'object' || Array.isArray(x)) {
      return undefined;
    }
    const o = x as Record<string, any>;
    const keys = Object.keys(o);
    if (keys.length !== 1) {
      return undefined;
    }
    const [k] = keys;
    if (k === MARKER) {
      return this.reference(this.refs[o[k]]);
    }
    if (k === 'Ref') {
      return pseudo(o.Ref, where.stack);
    }
    if (k === 'Fn::Join' && Array.isArray(o[k]) && Array.isArray(o[k][1])) {
      const parts = (o[k][1] as unknown[]).map((p) => this.value(p, where));
      return parts.some((p) => p === undefined) ? undefined : parts.join(String(o[k][0]));
    }
    if (k === 'Fn::Sub' && typeof o[k] === 'string') {
      let unknown = false;
      const text = (o[k] as string).replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
        const v = pseudo(name, where.stack);
        unknown ||= v === undefined;
        return v ?? '';
      });
      return unknown ? undefined : text;
    }
    return undefined;
  }

  /** Evaluates a list (or a single value) to strings; undefined when any element is unknown. */
  public values(x: unknown, where: Res): string[] | undefined {
    if (x === undefined) {
      return [];
    }
    const list = Array.isArray(x) ? x : [x];
    const out = list.map((v) => this.value(v, where));
    return out.some((v) => v === undefined) ? undefined : out as string[];
  }

  /** Why a value cannot be evaluated before deployment, for an "unknown" finding. */
  public whyUnknown(x: unknown): string {
    if (x === null || typeof x !== 'object') {
      return 'a value that is only known at deploy time';
    }
    const o = x as Record<string, any>;
    if (o[MARKER] !== undefined) {
      const ref = this.refs[o[MARKER]];
      return ref.target instanceof CfnParameter ? `parameter ${Stack.of(ref.target).resolve(ref.target.logicalId)}` : `${ref.target.node.path} (${ref.displayName})`;
    }
    if (o['Fn::ImportValue'] !== undefined) {
      return `Fn::ImportValue ${JSON.stringify(o['Fn::ImportValue'])}`;
    }
    if (o['Fn::If'] !== undefined) {
      return `condition ${JSON.stringify(o['Fn::If'][0])}`;
    }
    for (const v of Object.values(o).flat(2)) {
      if (v !== null && typeof v === 'object') {
        const inner = this.whyUnknown(v);
        if (inner !== 'a value that is only known at deploy time') {
          return inner;
        }
      }
    }
    return `${Object.keys(o)[0]}, which is only known at deploy time`;
  }

  /** The queue (of this tree) an ARN, URL or identity names. */
  public queueNamed(value: string): Res | undefined {
    const arn = value.startsWith(URL_PREFIX) ? value.slice(URL_PREFIX.length) : urlToArn(value) ?? value;
    return this.ofType(QUEUE).find((q) => sameArn(q.queueArn(), arn) === true);
  }

  /** The topic (of this tree) an ARN or identity names. */
  public topicNamed(value: string): Res | undefined {
    return this.ofType(TOPIC).find((t) => sameArn(t.topicArn(), value) === true);
  }

  private reference(ref: Reference): string | undefined {
    const res = this.byCfn.get(ref.target as CfnElement);
    if (!res) {
      // A parameter, a condition, or a resource type this model does not read.
      return ref.target instanceof CfnResource ? `@${ref.target.cfnResourceType}:${ref.target.node.path}:${ref.displayName}` : undefined;
    }
    return res.attribute(ref.displayName);
  }
}

const MODELS = new WeakMap<object, WeakMap<IConstruct, DeliveryModel>>();

export const TOPIC = 'AWS::SNS::Topic';
export const SUBSCRIPTION = 'AWS::SNS::Subscription';
export const QUEUE = 'AWS::SQS::Queue';
export const QUEUE_POLICY = 'AWS::SQS::QueuePolicy';
export const TOPIC_POLICY = 'AWS::SNS::TopicPolicy';
export const KEY = 'AWS::KMS::Key';
export const ALIAS = 'AWS::KMS::Alias';
export const FUNCTION = 'AWS::Lambda::Function';
export const EVENT_SOURCE_MAPPING = 'AWS::Lambda::EventSourceMapping';
const TYPES = new Set([TOPIC, SUBSCRIPTION, QUEUE, QUEUE_POLICY, TOPIC_POLICY, KEY, ALIAS, FUNCTION, EVENT_SOURCE_MAPPING]);

// Shaped like an intrinsic function, so that aws-cdk-lib's L1 validators accept it where a value goes.
const MARKER = 'Fn::CdkSecureFifoRef';
const URL_PREFIX = 'sqs-url:';

/** One L1 resource of the model, its template entry resolved on first use. */
export class Res {
  private entryCache?: any;

  constructor(private readonly model: DeliveryModel, public readonly cfn: CfnResource, private readonly index: number) {}

  public get type(): string {
    return this.cfn.cfnResourceType;
  }

  public get stack(): Stack {
    return Stack.of(this.cfn);
  }

  /** The logical ID, as in the template. */
  public get logicalId(): string {
    return this.stack.resolve(this.cfn.logicalId);
  }

  /** How a finding names the resource: its type, construct path and logical ID. */
  public get label(): string {
    return `${this.type} ${this.cfn.node.path} (${this.logicalId})`;
  }

  /** The resolved `Properties`. */
  public get props(): Record<string, any> {
    if (this.entryCache === undefined) {
      this.entryCache = this.model.resolveEntry(this.cfn);
    }
    return this.entryCache.Properties ?? {};
  }

  /** Whether the resource has a `Condition` (it may not exist). */
  public get conditional(): boolean {
    this.props;
    return this.entryCache.Condition !== undefined;
  }

  /** A property evaluated to a string (undefined when unset or unknown; see `has`). */
  public str(prop: string): string | undefined {
    return this.model.value(this.props[prop], this);
  }

  /** Whether a property is set. */
  public has(prop: string): boolean {
    return this.props[prop] !== undefined;
  }

  /** A boolean property: true, false, undefined when unset; 'unknown' when only known at deploy time. */
  public bool(prop: string): boolean | undefined | 'unknown' {
    if (!this.has(prop)) {
      return undefined;
    }
    const v = this.str(prop);
    return v === undefined ? 'unknown' : v.toLowerCase() === 'true';
  }

  /** A number property, its default when unset, 'unknown' when only known at deploy time. */
  public num(prop: string, fallback: number): number | 'unknown' {
    if (!this.has(prop)) {
      return fallback;
    }
    const v = Number(this.str(prop));
    return this.str(prop) === undefined || Number.isNaN(v) ? 'unknown' : v;
  }

  /** The value of `Ref` or `Fn::GetAtt` on this resource, as the model writes it. */
  public attribute(attr: string): string | undefined {
    switch (this.type) {
      case TOPIC:
        return attr === 'TopicName' ? this.str('TopicName') : this.topicArn();
      case QUEUE:
        return attr === 'Arn' ? this.queueArn() : attr === 'QueueName' ? this.str('QueueName') : `${URL_PREFIX}${this.queueArn()}`;
      case ALIAS:
        return attr === 'Ref' ? this.str('AliasName') : `@${this.type}:${this.index}:${attr}`;
      default:
        // Keys (Ref = key ID, Arn), functions (Ref = name, Arn) and the rest: one identity per resource.
        return `@${this.type}:${this.index}`;
    }
  }

  /** The topic's ARN: built from its name when known (as an ARN written by hand would be), else an identity. */
  public topicArn(): string {
    const name = this.str('TopicName');
    return name !== undefined && this.has('TopicName') ? `arn:aws:sns:${region(this.stack)}:${account(this.stack)}:${name}` : `@${TOPIC}:${this.index}`;
  }

  /** The queue's ARN, built from its name when known, else an identity. */
  public queueArn(): string {
    const name = this.str('QueueName');
    return name !== undefined && this.has('QueueName') ? `arn:aws:sqs:${region(this.stack)}:${account(this.stack)}:${name}` : `@${QUEUE}:${this.index}`;
  }

  /** The raw resolved value of a property (for `whyUnknown`). */
  public raw(prop: string): unknown {
    return this.props[prop];
  }
}

/** The stack's region, or a placeholder for an environment-agnostic stack. */
export function region(stack: Stack): string {
  return Token.isUnresolved(stack.region) ? '${AWS::Region}' : stack.region;
}

/** The stack's account, or a placeholder for an environment-agnostic stack. */
export function account(stack: Stack): string {
  return Token.isUnresolved(stack.account) ? '${AWS::AccountId}' : stack.account;
}

function pseudo(name: string, stack: Stack): string | undefined {
  switch (name) {
    case 'AWS::Region': return region(stack);
    case 'AWS::AccountId': return account(stack);
    case 'AWS::Partition': return 'aws';
    case 'AWS::URLSuffix': return 'amazonaws.com';
    default: return undefined;
  }
}

/** `https://sqs.<region>.amazonaws.com/<account>/<name>` (or the legacy form) as a queue ARN. */
export function urlToArn(url: string): string | undefined {
  const m = /^https:\/\/(?:sqs\.([^.]+)\.[^/]+|([^.]+)\.queue\.[^/]+|queue\.amazonaws\.com)\/([^/]+)\/([^/]+)$/.exec(url);
  if (!m) {
    return undefined;
  }
  return `arn:aws:sqs:${m[1] ?? m[2] ?? 'us-east-1'}:${m[3]}:${m[4]}`;
}

/** Whether a value is an identity of the model (a resource whose ARN cannot be written before deployment). */
export function isIdentity(value: string): boolean {
  return value.startsWith('@');
}

/**
 * Whether two ARNs name the same resource: true, false, or 'unknown' when an identity stands on
 * one side only. Partitions are not compared. A placeholder (`${AWS::Region}`) matches any value:
 * an environment-agnostic app deploys its stacks into one account and region.
 */
export function sameArn(a: string, b: string): boolean | 'unknown' {
  return compare(a, b, false);
}

/**
 * Whether an IAM pattern (with `*` and `?`, as `ArnLike`/`StringLike` and `Resource` take them)
 * matches a value: true, false, or 'unknown' when an identity stands on one side only.
 */
export function patternMatches(pattern: string, value: string): boolean | 'unknown' {
  return compare(pattern, value, true);
}

function compare(pattern: string, value: string, wildcards: boolean): boolean | 'unknown' {
  if (pattern === value || (wildcards && pattern === '*')) {
    return true;
  }
  if (isIdentity(pattern) || isIdentity(value)) {
    return isIdentity(pattern) && isIdentity(value) ? false : 'unknown';
  }
  const segment = (p: string, v: string) => p === v || isPlaceholder(p) || isPlaceholder(v) || (wildcards && glob(p).test(v));
  const ps = canonical(pattern).split(':');
  const vs = canonical(value).split(':');
  if (ps.length === vs.length && ps.every((p, i) => segment(p, vs[i]))) {
    return true;
  }
  return wildcards && glob(canonical(pattern)).test(canonical(value));
}

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('').map((ch) => ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')).join('')}$`);
}

function canonical(arn: string): string {
  return arn.replace(/^arn:aws(-[a-z-]+)?:/, 'arn:aws:');
}

function isPlaceholder(segment: string): boolean {
  return /^\$\{AWS::[A-Za-z]+\}$/.test(segment);
}

/**
 * Resolves like aws-cdk-lib, except that a reference to an element of the tree becomes a marker
 * `{ "Fn::CdkSecureFifoRef": n }` that names the element itself, so that cross-stack references
 * (which resolve to the producer's logical ID) are never confused with a same-named resource.
 */
class MarkingResolver extends DefaultTokenResolver {
  constructor(private readonly refs: Reference[]) {
    super(new CfnConcat());
  }

  public resolveToken(t: IResolvable, context: IResolveContext, postProcessor: IPostProcessor): any {
    if (t instanceof Reference && !(t.target instanceof Stack) && (t.target instanceof CfnElement)) {
      this.refs.push(t);
      return { [MARKER]: this.refs.length - 1 };
    }
    return super.resolveToken(t, context, postProcessor);
  }
}

/** Joins string fragments the way CloudFormation would (`Fn::Join` with an empty delimiter). */
class CfnConcat implements IFragmentConcatenator {
  public join(left: any, right: any): any {
    if (left === undefined) {
      return right;
    }
    if (right === undefined) {
      return left;
    }
    if (typeof left === 'string' && typeof right === 'string') {
      return left + right;
    }
    const parts = (v: any): any[] => (v !== null && typeof v === 'object' && Array.isArray(v['Fn::Join']) && v['Fn::Join'][0] === '' ? v['Fn::Join'][1] : [v]);
    return { 'Fn::Join': ['', [...parts(left), ...parts(right)]] };
  }
}
