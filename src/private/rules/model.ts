import type { IConstruct } from 'constructs';

/**
 * A read-only view of the SNS, SQS, KMS and Lambda resources of an app, as CloudFormation will
 * see them. The resources come from either of two sources, and the rules see no difference:
 * - the L1s of a construct tree (`CdkDeliveryModel`, cdk-model.ts: L2s, escape hatches and
 *   `CfnInclude`d templates alike), for the aspect;
 * - CloudFormation templates in JSON form (`TemplateDeliveryModel`, template-model.ts), for the CLI.
 * Written by hand: no library evaluates CloudFormation JSON back to ARNs across stacks.
 *
 * Values are evaluated to strings. A reference to a resource of the app becomes its ARN when its
 * name is known, else an identity of this model (`@AWS::SQS::Queue:3`); pseudo parameters become the
 * stack's account and region, or `${AWS::Region}`-style placeholders for an environment-agnostic
 * stack; an `Fn::ImportValue` no given template exports becomes `@import:<name>`, equal only to
 * itself (so a subscription and a policy naming the same import agree whatever it resolves to).
 * What cannot be known before deployment (parameters without a trusted value, conditions on them,
 * resources of other types) is `undefined`, with the reason from `whyUnknown`.
 */
export class DeliveryModel {
  public readonly resources: Res[] = [];
  private readonly queues = new Map<string, Memo>();
  private readonly topics = new Map<string, Memo>();
  /** Parameter Defaults read while `trackDefaults` runs. */
  private defaultsRead?: Set<string>;

  /** Adds a resource; sources call it while the model is built. */
  protected add(source: ResSource): Res {
    const res = new Res(this, source, this.resources.length);
    this.resources.push(res);
    return res;
  }

  /** All resources of a CloudFormation type. */
  public ofType(type: string): Res[] {
    return this.resources.filter((r) => r.type === type);
  }

  /**
   * Evaluates a value to a string (see the class doc), or undefined when it is only known at
   * deploy time.
   */
  public value(x: unknown, where: Res): string | undefined {
    return this.evaluate(x, where.source.scope, where.stack, 0);
  }

  /** Evaluates a list (or a single value) to strings; undefined when any element is unknown. */
  public values(x: unknown, where: Res): string[] | undefined {
    if (x === undefined) {
      return [];
    }
    return this.list(x, where.source.scope, where.stack, 0);
  }

  /** Why a value cannot be evaluated before deployment, for an "unknown" finding. */
  public whyUnknown(x: unknown): string {
    if (x === null || typeof x !== 'object') {
      return 'a value that is only known at deploy time';
    }
    const o = x as Record<string, any>;
    const own = this.whyUnknownHere(o);
    if (own !== undefined) {
      return own;
    }
    if (o.Ref !== undefined && typeof o.Ref === 'string' && !o.Ref.startsWith('AWS::')) {
      return `parameter ${o.Ref}`;
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

  /** The queue (of this app) an ARN, URL or identity names. */
  public queueNamed(value: string): Res | undefined {
    return this.memo(this.queues, value, () => {
      const arn = value.startsWith(URL_PREFIX) ? value.slice(URL_PREFIX.length) : urlToArn(value) ?? value;
      return this.ofType(QUEUE).find((q) => sameArn(q.queueArn(), arn) === true);
    });
  }

  /** The topic (of this app) an ARN or identity names. */
  public topicNamed(value: string): Res | undefined {
    return this.memo(this.topics, value, () => this.ofType(TOPIC).find((t) => sameArn(t.topicArn(), value) === true));
  }

  /**
   * A message with the model's identities written as what a user knows: a resource of the app by its
   * label (`AWS::SNS::Topic Prices`), an unmatched import as `Fn::ImportValue <name>`.
   */
  public readable(message: string): string {
    return message
      .replace(/sqs-url:(@AWS::SQS::Queue:\d+|arn:[^\s,;)]+)/g, (_m, arn: string) => `the URL of ${arn}`)
      .replace(/@(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+):(\d+)(?::[A-Za-z0-9.]+)?/g, (whole, type: string, index: string) => {
        const res = this.resources[Number(index)];
        return res && res.type === type ? res.label : whole;
      })
      .replace(/@import:([^\s,;)]+)/g, (_m, name: string) => `Fn::ImportValue ${name}`);
  }

  /**
   * Runs `fn` and says which parameter Defaults the values it read rest on. A Default is what a
   * stack gets when the deployer gives no value, and a deployed stack can be given another: a
   * finding that rests on one is never an error (see `checkResource`).
   */
  public trackDefaults<T>(fn: () => T): { result: T; defaults: string[] } {
    const outer = this.defaultsRead;
    const mine = new Set<string>();
    this.defaultsRead = mine;
    try {
      const result = fn();
      return { result, defaults: [...mine] };
    } finally {
      if (outer) {
        mine.forEach((d) => outer.add(d));
      }
      this.defaultsRead = outer;
    }
  }

  /** Records that a value rests on a parameter's Default (for `trackDefaults`). */
  protected readDefault(name: string): void {
    this.defaultsRead?.add(name);
  }

  /** A source's own reference form (the aspect's markers); `NOT_HANDLED` when `o` is not one. */
  protected evaluateHere(_o: Record<string, any>): string | undefined | typeof NOT_HANDLED {
    return NOT_HANDLED;
  }

  /** Why a source's own reference form is unknown; undefined when `o` is not one. */
  protected whyUnknownHere(_o: Record<string, any>): string | undefined {
    return undefined;
  }

  /** A `Ref` to a name that is neither a pseudo parameter nor handled by the source. */
  protected ref(name: string, scope: TemplateScope | undefined, _depth: number): string | undefined {
    return scope?.resources.get(name)?.attribute('Ref');
  }

  /** `Fn::ImportValue` of a known name: undefined here (the template model matches exports). */
  protected importValue(name: string, _depth: number): string | undefined {
    return `${IMPORT_PREFIX}${name}`;
  }

  /** Evaluates one value in a template scope (see the class doc). */
  protected evaluate(x: unknown, scope: TemplateScope | undefined, stack: ResStack, depth: number): string | undefined {
    if (typeof x === 'string') {
      return x;
    }
    if (typeof x === 'number' || typeof x === 'boolean') {
      return String(x);
    }
    if (x === null || typeof x !== 'object' || Array.isArray(x) || depth > MAX_DEPTH) {
      return undefined;
    }
    const o = x as Record<string, any>;
    const keys = Object.keys(o);
    if (keys.length !== 1) {
      return undefined;
    }
    const own = this.evaluateHere(o);
    if (own !== NOT_HANDLED) {
      return own;
    }
    const [k] = keys;
    const arg = o[k];
    const ev = (v: unknown) => this.evaluate(v, scope, stack, depth + 1);
    switch (k) {
      case 'Ref':
        return typeof arg === 'string' ? pseudo(arg, stack) ?? this.ref(arg, scope, depth + 1) : undefined;
      case 'Fn::GetAtt': {
        const [id, attr] = typeof arg === 'string' ? splitAtFirstDot(arg) : Array.isArray(arg) ? [arg[0], ev(arg[1])] : [];
        return typeof id === 'string' && attr !== undefined ? scope?.resources.get(id)?.attribute(attr) : undefined;
      }
      case 'Fn::Join': {
        if (!Array.isArray(arg) || arg.length !== 2) {
          return undefined;
        }
        const parts = this.list(arg[1], scope, stack, depth + 1);
        return parts === undefined || parts.some(isOpaque) ? undefined : parts.join(String(arg[0]));
      }
      case 'Fn::Sub':
        return this.sub(arg, scope, stack, depth + 1);
      case 'Fn::Select': {
        if (!Array.isArray(arg) || arg.length !== 2) {
          return undefined;
        }
        const index = Number(ev(arg[0]));
        const list = this.list(arg[1], scope, stack, depth + 1);
        return list === undefined || !Number.isInteger(index) ? undefined : list[index];
      }
      case 'Fn::If': {
        const branch = this.ifBranch(arg, scope, stack, depth + 1);
        return branch === NOT_HANDLED ? undefined : ev(branch);
      }
      case 'Fn::ImportValue': {
        const name = ev(arg);
        return name === undefined || isOpaque(name) ? undefined : this.importValue(name, depth + 1);
      }
      case 'Fn::FindInMap': {
        if (!Array.isArray(arg) || arg.length < 3) {
          return undefined;
        }
        const path = arg.slice(0, 3).map(ev);
        if (path.some((p) => p === undefined)) {
          return undefined;
        }
        const found = scope?.template.Mappings?.[path[0]!]?.[path[1]!]?.[path[2]!];
        return found === undefined || Array.isArray(found) ? undefined : ev(found);
      }
      default:
        return undefined;
    }
  }

  /** Evaluates a list: an array, or an intrinsic that gives one (`Fn::Split`, `Fn::If`). */
  protected list(x: unknown, scope: TemplateScope | undefined, stack: ResStack, depth: number): string[] | undefined {
    if (depth > MAX_DEPTH) {
      return undefined;
    }
    if (Array.isArray(x)) {
      const out = x.map((v) => this.evaluate(v, scope, stack, depth + 1));
      return out.some((v) => v === undefined) ? undefined : out as string[];
    }
    if (x !== null && typeof x === 'object' && Object.keys(x).length === 1) {
      const o = x as Record<string, any>;
      if (o['Fn::Split'] !== undefined && Array.isArray(o['Fn::Split'])) {
        const [sep, text] = o['Fn::Split'];
        const v = this.evaluate(text, scope, stack, depth + 1);
        return v === undefined || isOpaque(v) ? undefined : v.split(String(sep));
      }
      if (o['Fn::If'] !== undefined) {
        const branch = this.ifBranch(o['Fn::If'], scope, stack, depth + 1);
        return branch === NOT_HANDLED ? undefined : this.list(branch, scope, stack, depth + 1);
      }
    }
    const v = this.evaluate(x, scope, stack, depth + 1);
    return v === undefined ? undefined : [v];
  }

  /** The branch of an `Fn::If` its condition picks; NOT_HANDLED when the condition is undecidable. */
  protected ifBranch(arg: unknown, scope: TemplateScope | undefined, stack: ResStack, depth: number): unknown {
    if (!Array.isArray(arg) || arg.length !== 3 || typeof arg[0] !== 'string') {
      return NOT_HANDLED;
    }
    const c = this.condition(arg[0], scope, stack, depth);
    return c === undefined ? NOT_HANDLED : c ? arg[1] : arg[2];
  }

  /** Whether a named condition of the template holds; undefined when it cannot be decided. */
  protected condition(name: string, scope: TemplateScope | undefined, stack: ResStack, depth: number): boolean | undefined {
    const expr = scope?.template.Conditions?.[name];
    return expr === undefined ? undefined : this.conditionValue(expr, scope, stack, depth + 1);
  }

  private conditionValue(x: unknown, scope: TemplateScope | undefined, stack: ResStack, depth: number): boolean | undefined {
    if (depth > MAX_DEPTH || x === null || typeof x !== 'object' || Array.isArray(x)) {
      return typeof x === 'boolean' ? x : undefined;
    }
    const o = x as Record<string, any>;
    const [k] = Object.keys(o);
    const arg = o[k];
    const each = () => (Array.isArray(arg) ? arg.map((c) => this.conditionValue(c, scope, stack, depth + 1)) : []);
    switch (k) {
      case 'Condition':
        return typeof arg === 'string' ? this.condition(arg, scope, stack, depth + 1) : undefined;
      case 'Fn::Equals': {
        if (!Array.isArray(arg) || arg.length !== 2) {
          return undefined;
        }
        const [a, b] = arg.map((v) => this.evaluate(v, scope, stack, depth + 1));
        return a === undefined || b === undefined || isOpaque(a) || isOpaque(b) || a.startsWith('${') || b.startsWith('${') ? undefined : a === b;
      }
      case 'Fn::Not': {
        const [v] = each();
        return v === undefined ? undefined : !v;
      }
      case 'Fn::And': {
        const vs = each();
        return vs.includes(false) ? false : vs.length > 0 && vs.every((v) => v === true) ? true : undefined;
      }
      case 'Fn::Or': {
        const vs = each();
        return vs.includes(true) ? true : vs.length > 0 && vs.every((v) => v === false) ? false : undefined;
      }
      default:
        return undefined;
    }
  }

  /** `Fn::Sub`, string or `[string, variables]`: `${Name}`, `${Id.Attr}`, `${!Literal}`. */
  private sub(arg: unknown, scope: TemplateScope | undefined, stack: ResStack, depth: number): string | undefined {
    const [text, vars] = typeof arg === 'string' ? [arg, {}] : Array.isArray(arg) && typeof arg[0] === 'string' ? [arg[0], arg[1] ?? {}] : [undefined, {}];
    if (text === undefined) {
      return undefined;
    }
    let unknown = false;
    const out = text.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
      if (name.startsWith('!')) {
        return `\${${name.slice(1)}}`;
      }
      const v = name in (vars as object) ? this.evaluate((vars as any)[name], scope, stack, depth + 1)
        : name.includes('.') && !name.startsWith('AWS::') ? this.evaluate({ 'Fn::GetAtt': splitAtFirstDot(name) }, scope, stack, depth + 1)
          : this.evaluate({ Ref: name }, scope, stack, depth + 1);
      unknown ||= v === undefined || isOpaque(v);
      return v ?? whole;
    });
    return unknown ? undefined : out;
  }

  private memo(cache: Map<string, Memo>, key: string, find: () => Res | undefined): Res | undefined {
    let hit = cache.get(key);
    if (!hit) {
      const { result, defaults } = this.trackDefaults(find);
      hit = { res: result, defaults };
      cache.set(key, hit);
    }
    hit.defaults.forEach((d) => this.readDefault(d));
    return hit.res;
  }
}

interface Memo {
  readonly res: Res | undefined;
  readonly defaults: string[];
}

/** A value `evaluateHere` leaves to the generic evaluation. */
export const NOT_HANDLED = Symbol('not handled');

const MAX_DEPTH = 40;

function splitAtFirstDot(s: string): [string, string] {
  const dot = s.indexOf('.');
  return dot < 0 ? [s, ''] : [s.slice(0, dot), s.slice(dot + 1)];
}

export const TOPIC = 'AWS::SNS::Topic';
export const SUBSCRIPTION = 'AWS::SNS::Subscription';
export const QUEUE = 'AWS::SQS::Queue';
export const QUEUE_POLICY = 'AWS::SQS::QueuePolicy';
export const TOPIC_POLICY = 'AWS::SNS::TopicPolicy';
export const KEY = 'AWS::KMS::Key';
export const ALIAS = 'AWS::KMS::Alias';
export const FUNCTION = 'AWS::Lambda::Function';
export const EVENT_SOURCE_MAPPING = 'AWS::Lambda::EventSourceMapping';
export const ROLE = 'AWS::IAM::Role';
export const IAM_POLICY = 'AWS::IAM::Policy';
export const MANAGED_POLICY = 'AWS::IAM::ManagedPolicy';
/** The resource types the model reads; a rule that reads another type adds it here. */
export const TYPES = new Set([
  TOPIC, SUBSCRIPTION, QUEUE, QUEUE_POLICY, TOPIC_POLICY, KEY, ALIAS, FUNCTION, EVENT_SOURCE_MAPPING, ROLE, IAM_POLICY, MANAGED_POLICY,
]);

const URL_PREFIX = 'sqs-url:';
const IMPORT_PREFIX = '@import:';

/** The account and region a resource is deployed in (one object per stack or template). */
export interface ResStack {
  /** The account ID, or `${AWS::AccountId}` when only known at deploy time. */
  readonly account: string;
  /** The region, or `${AWS::Region}` when only known at deploy time. */
  readonly region: string;
}

/** A template in JSON form and its resources by logical ID, for references between them. */
export interface TemplateScope {
  readonly template: any;
  readonly resources: Map<string, Res>;
}

/** Where a resource of the model comes from: an L1 of a construct tree, or a template entry. */
export interface ResSource {
  readonly type: string;
  readonly logicalId: string;
  readonly stack: ResStack;
  /** How a finding names the resource. */
  readonly label: string;
  /** The L1 (for the aspect: annotations go on it). */
  readonly construct?: IConstruct;
  /** The template file (for the CLI). */
  readonly file?: string;
  /** The template's references (`Ref`, `Fn::GetAtt`, conditions, mappings) resolve in this scope. */
  readonly scope?: TemplateScope;
  /** The template entry (`Type`, `Properties`, ...), resolved on first use. */
  entry(): any;
}

/** One resource of the model, its template entry resolved on first use. */
export class Res {
  private entryCache?: any;

  constructor(private readonly model: DeliveryModel, public readonly source: ResSource, private readonly index: number) {}

  /**
   * What a finding is reported on: this resource (the aspect annotates its construct, the CLI prints
   * its template and logical ID). Kept under this name so that rules read `report.error(x.cfn, ...)`.
   */
  public get cfn(): Res {
    return this;
  }

  public get type(): string {
    return this.source.type;
  }

  /** The account and region it is deployed in. */
  public get stack(): ResStack {
    return this.source.stack;
  }

  /** The logical ID, as in the template. */
  public get logicalId(): string {
    return this.source.logicalId;
  }

  /** How a finding names the resource: its type and logical ID (and construct path in a CDK app). */
  public get label(): string {
    return this.source.label;
  }

  /** The resolved `Properties`. */
  public get props(): Record<string, any> {
    if (this.entryCache === undefined) {
      this.entryCache = this.source.entry() ?? {};
    }
    return this.entryCache.Properties ?? {};
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
    return v === undefined || isOpaque(v) ? 'unknown' : v.toLowerCase() === 'true';
  }

  /** A number property, its default when unset, 'unknown' when only known at deploy time. */
  public num(prop: string, fallback: number): number | 'unknown' {
    if (!this.has(prop)) {
      return fallback;
    }
    const s = this.str(prop);
    const v = Number(s);
    return s === undefined || Number.isNaN(v) ? 'unknown' : v;
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
      case ROLE:
        if (attr === 'Ref' || attr === 'Arn') {
          return attr === 'Ref' ? this.roleName() ?? `@${ROLE}:${this.index}` : this.roleArn();
        }
        return `@${this.type}:${this.index}:${attr}`;
      default:
        // Keys (Ref = key ID, Arn), functions (Ref = name, Arn) and the rest: one identity per resource.
        return `@${this.type}:${this.index}`;
    }
  }

  /** The topic's ARN: built from its name when known (as an ARN written by hand would be), else an identity. */
  public topicArn(): string {
    const name = this.str('TopicName');
    return name !== undefined && !isOpaque(name) && this.has('TopicName') ? `arn:aws:sns:${region(this.stack)}:${account(this.stack)}:${name}` : `@${TOPIC}:${this.index}`;
  }

  /** The queue's ARN, built from its name when known, else an identity. */
  public queueArn(): string {
    const name = this.str('QueueName');
    return name !== undefined && !isOpaque(name) && this.has('QueueName') ? `arn:aws:sqs:${region(this.stack)}:${account(this.stack)}:${name}` : `@${QUEUE}:${this.index}`;
  }

  /**
   * A role's ARN (`arn:aws:iam::<account>:role<Path><RoleName>`, the form IAM gives:
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns)
   * when its name is known, else an identity.
   */
  public roleArn(): string {
    const name = this.roleName();
    const rolePath = this.has('Path') ? this.str('Path') : '/';
    return name !== undefined && rolePath !== undefined && !isOpaque(rolePath) ? `arn:aws:iam::${account(this.stack)}:role${rolePath}${name}` : `@${ROLE}:${this.index}`;
  }

  private roleName(): string | undefined {
    const name = this.has('RoleName') ? this.str('RoleName') : undefined;
    return name !== undefined && !isOpaque(name) ? name : undefined;
  }

  /** The raw resolved value of a property (for `whyUnknown`). */
  public raw(prop: string): unknown {
    return this.props[prop];
  }
}

/** The stack's region, or a placeholder for an environment-agnostic stack. */
export function region(stack: ResStack): string {
  return stack.region;
}

/** The stack's account, or a placeholder for an environment-agnostic stack. */
export function account(stack: ResStack): string {
  return stack.account;
}

function pseudo(name: string, stack: ResStack): string | undefined {
  switch (name) {
    case 'AWS::Region': return region(stack);
    case 'AWS::AccountId': return account(stack);
    case 'AWS::Partition': return partitionOf(region(stack));
    case 'AWS::URLSuffix': return region(stack).startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
    default: return undefined;
  }
}

/** The partition of a region (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html). */
function partitionOf(r: string): string {
  return r.startsWith('cn-') ? 'aws-cn' : r.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

/** Whether a value stands for something only known at deploy time (an identity or an unmatched import). */
export function isOpaque(value: string): boolean {
  return value.startsWith('@');
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
    // Two resources of the app are two resources; an unmatched import can be anything but itself.
    const imported = pattern.startsWith(IMPORT_PREFIX) || value.startsWith(IMPORT_PREFIX);
    return isIdentity(pattern) && isIdentity(value) && !imported ? false : 'unknown';
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

/** The partition written as `aws`, placeholders without colons (so that an ARN splits into its segments). */
function canonical(arn: string): string {
  return arn.replace(/^arn:aws(-[a-z-]+)?:/, 'arn:aws:').replace(/\$\{AWS::([A-Za-z]+)\}/g, '\u0001$1');
}

function isPlaceholder(segment: string): boolean {
  return /^\u0001[A-Za-z]+$/.test(segment);
}

