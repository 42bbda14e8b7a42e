import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ValidationErrorCode } from '../errors';

/**
 * The domain rules (AWS's naming rules, ranges and quotas for SNS, SQS and KMS), each enforced here
 * and nowhere else.
 *
 * Every check returns problems instead of throwing so that a construct can report all of its bad
 * props in one error. Values that are unresolved tokens are never judged: they are only known at
 * deploy time.
 */
export class Problems {
  private readonly items: Array<{ code: ValidationErrorCode; prop: string; text: string }> = [];

  /** Record a problem: the rule's code, the prop, the value as the user gave it, and what is allowed. */
  public add(code: ValidationErrorCode, prop: string, value: unknown, allowed: string): void {
    this.items.push({ code, prop, text: `${prop}: ${describe(value)} is not allowed; ${allowed} [${code}]` });
  }

  /**
   * Throw one error listing every problem, naming the construct path; no-op when there are none.
   * A path string serves constructs that must be checked before they exist (before `super()`).
   */
  public throwIfAny(scope: IConstruct | string, what: string): void {
    if (this.items.length === 0) {
      return;
    }
    const list = this.items.map((p) => `  - ${p.text}`).join('\n');
    const error = new Error(`${typeof scope === 'string' ? scope : scope.node.path}: invalid ${what} props:\n${list}`);
    // Read by SecureFifoErrors (TypeScript/JavaScript); other languages read the `[Code]`s in the message.
    Object.assign(error, { secureFifoCodes: this.items.map((p) => p.code), secureFifoProps: this.items.map((p) => p.prop) });
    throw error;
  }
}

function describe(value: unknown): string {
  if (value instanceof Duration) {
    return value.toHumanString();
  }
  if (typeof value === 'string' || Array.isArray(value)) {
    return JSON.stringify(value);
  }
  return String(value);
}

const NAME_CHARS = /^[A-Za-z0-9_-]+$/;

/** SNS: 1-256 chars of [A-Za-z0-9_-]; FIFO names end in `.fifo` (counted in the 256). */
export const TOPIC_NAME_MAX = 256;
/** SQS: up to 80 chars of [A-Za-z0-9_-] including the `.fifo` suffix. */
export const QUEUE_NAME_MAX = 80;
/** SQS maxReceiveCount range. */
export const MAX_RECEIVE_COUNT = { min: 1, max: 1000 };
/** SQS VisibilityTimeout range, seconds (12 hours). */
export const VISIBILITY_TIMEOUT_SECONDS = { min: 0, max: 43_200 };
/** SQS MessageRetentionPeriod range, seconds (1 minute to 14 days). */
export const RETENTION_SECONDS = { min: 60, max: 1_209_600 };
/** SQS KmsDataKeyReusePeriodSeconds range (1 minute to 24 hours). */
export const DATA_KEY_REUSE_SECONDS = { min: 60, max: 86_400 };
/** SNS ArchivePolicy MessageRetentionPeriod, days. */
export const ARCHIVE_DAYS = { min: 1, max: 365 };
/** KMS RotationPeriodInDays range (https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html). */
export const ROTATION_PERIOD_DAYS = { min: 90, max: 2560 };
/** KMS PendingWindowInDays range. */
export const PENDING_WINDOW_DAYS = { min: 7, max: 30 };
/** How long a DLQ keeps messages: the SQS maximum, 14 days. */
export const DEAD_LETTER_RETENTION = Duration.days(14);
/** VPC endpoint policy size, characters (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html). */
export const ENDPOINT_POLICY_MAX_CHARS = 20_480;
/** SNS FIFO quota: subscriptions per topic. */
export const FIFO_SUBSCRIPTIONS_PER_TOPIC = 100;

/**
 * Checks a full FIFO resource name (suffix already applied) against the service's naming rule.
 */
export function checkFifoName(problems: Problems, prop: string, fullName: string | undefined, max: number): void {
  if (fullName === undefined || Token.isUnresolved(fullName)) {
    return;
  }
  const base = fullName.slice(0, -'.fifo'.length);
  if (fullName.length > max || base.length === 0 || !NAME_CHARS.test(base)) {
    problems.add(ValidationErrorCode.NAME_FORMAT, prop, fullName, `allowed: 1-${max} characters of A-Z, a-z, 0-9, '_' and '-', including the '.fifo' suffix`);
  }
}

/**
 * Checks a standard queue's name: 1-`max` characters of [A-Za-z0-9_-], no `.fifo` suffix (a name
 * ending in `.fifo` makes a FIFO queue).
 */
export function checkStandardName(problems: Problems, prop: string, name: string | undefined, max: number): void {
  if (name === undefined || Token.isUnresolved(name)) {
    return;
  }
  if (name.length > max || !NAME_CHARS.test(name)) {
    problems.add(ValidationErrorCode.NAME_FORMAT, prop, name, `allowed: 1-${max} characters of A-Z, a-z, 0-9, '_' and '-' (no '.fifo': this is a standard queue; ${max} leaves room for the '-delivery-dlq.fifo' DLQ name)`);
  }
}

/** SNS filter policies: at most 5 keys and 150 combinations of values (https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html). */
export const FILTER_POLICY_LIMITS = { keys: 5, combinations: 150 };

/**
 * Checks a rendered filter policy (attribute or message-body scope) against SNS's limits: the keys
 * are the leaf attribute names (nested keys of a body policy count once each), and the
 * combinations are the product of the number of values of each key. Policies with tokens are
 * skipped.
 */
export function checkFilterPolicyLimits(problems: Problems, prop: string, rendered: unknown): void {
  if (rendered === undefined || Token.isUnresolved(rendered) || JSON.stringify(rendered).includes('${Token')) {
    return;
  }
  const leaves: number[] = [];
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') {
      return;
    }
    for (const value of Object.values(node as Record<string, unknown>)) {
      if (Array.isArray(value)) {
        leaves.push(Math.max(value.length, 1));
      } else {
        walk(value);
      }
    }
  };
  walk(rendered);
  const combinations = leaves.reduce((product, n) => product * n, 1);
  if (leaves.length > FILTER_POLICY_LIMITS.keys) {
    problems.add(ValidationErrorCode.FILTER_POLICY_LIMIT, prop, `${leaves.length} keys`, `allowed: at most ${FILTER_POLICY_LIMITS.keys} keys (SNS filter policy limit)`);
  }
  if (combinations > FILTER_POLICY_LIMITS.combinations) {
    problems.add(ValidationErrorCode.FILTER_POLICY_LIMIT, prop, `${combinations} combinations of values`, `allowed: at most ${FILTER_POLICY_LIMITS.combinations} (SNS filter policy limit: the product of the number of values of each key)`);
  }
}

const ALIAS_NAME = /^alias\/[A-Za-z0-9:/_-]{1,250}$/;

/**
 * KMS: an alias name is `alias/` plus 1-250 characters of [A-Za-z0-9:/_-]; `alias/aws/` is reserved
 * for AWS managed keys. `alias` is the name as the user gave it (`alias/` may be missing).
 */
export function checkKeyAlias(problems: Problems, prop: string, alias: string | undefined): void {
  if (alias === undefined || Token.isUnresolved(alias)) {
    return;
  }
  const name = alias.startsWith('alias/') ? alias : `alias/${alias}`;
  if (name.toLowerCase().startsWith('alias/aws/')) {
    problems.add(ValidationErrorCode.KEY_ALIAS, prop, alias, "allowed: a name that does not start with 'alias/aws/' (reserved for AWS managed keys)");
  } else if (!ALIAS_NAME.test(name)) {
    problems.add(ValidationErrorCode.KEY_ALIAS, prop, alias, "allowed: 1-250 characters of A-Z, a-z, 0-9, ':', '/', '_' and '-' after 'alias/'");
  }
}

/** Checks that an integer lies in a range (inclusive). */
export function checkIntRange(problems: Problems, prop: string, value: number | undefined, range: { min: number; max: number }): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    problems.add(ValidationErrorCode.OUT_OF_RANGE, prop, value, `allowed: a whole number from ${range.min} to ${range.max}`);
  }
}

/** Checks that a Duration lies in a range of seconds (inclusive). */
export function checkSecondsRange(
  problems: Problems,
  prop: string,
  value: Duration | undefined,
  range: { min: number; max: number },
  allowedText: string,
): void {
  if (value === undefined) {
    return;
  }
  if (value.isUnresolved()) {
    // aws-cdk-lib passes a token on only in seconds (`Duration.seconds(token)`).
    try {
      value.toSeconds();
    } catch {
      problems.add(ValidationErrorCode.OUT_OF_RANGE, prop, 'a token duration not in seconds', 'allowed: Duration.seconds(token) (a deploy-time value can only be passed on in the unit CloudFormation takes)');
    }
    return;
  }
  const seconds = value.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < range.min || seconds > range.max) {
    problems.add(ValidationErrorCode.OUT_OF_RANGE, prop, value, `allowed: ${allowedText} (${range.min}-${range.max} whole seconds)`);
  }
}

/** Checks a Duration that must be a whole number of days in a range. */
export function checkDaysRange(problems: Problems, prop: string, value: Duration | undefined, range: { min: number; max: number }): void {
  if (value === undefined || value.isUnresolved()) {
    return;
  }
  const days = value.toDays({ integral: false });
  if (!Number.isInteger(days) || days < range.min || days > range.max) {
    problems.add(ValidationErrorCode.OUT_OF_RANGE, prop, value, `allowed: a whole number of days from ${range.min} to ${range.max}`);
  }
}

/**
 * Appends `.fifo` unless the name already ends with it. A token (e.g. a CfnParameter) gets it too,
 * as aws-cdk-lib's Topic does: its value is known at deploy time only, and a FIFO name must end in it.
 */
export function withFifoSuffix(name: string): string {
  return name.endsWith('.fifo') ? name : `${name}.fifo`;
}

/** SNS delivery signatures: '1' (SHA1) or '2' (SHA256). */
export function checkSignatureVersion(problems: Problems, prop: string, value: string | undefined): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!['1', '2'].includes(value)) {
    problems.add(ValidationErrorCode.SIGNATURE_VERSION, prop, value, "allowed: '1' or '2'");
  }
}

/** X-Ray active tracing is for standard topics only. */
export function checkFifoTracing(problems: Problems, prop: string, active: boolean): void {
  if (active) {
    problems.add(ValidationErrorCode.FIFO_TRACING, prop, 'ACTIVE', 'allowed: PASS_THROUGH or unset (active tracing is for standard topics only)');
  }
}

/** The settings the high-throughput rules look at. */
export interface ThroughputSettings {
  readonly deduplicationScope?: string;
  readonly fifoThroughputLimit?: string;
  /** The fan-out's `highThroughput`, for its subscribers. */
  readonly fanoutHighThroughput?: boolean;
}

/**
 * SQS high throughput (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/high-throughput-fifo.html):
 * `perMessageGroupId` throughput requires `messageGroup` deduplication; in a fan-out with
 * `highThroughput`, the queues must not fall back to queue scope or per-queue limits.
 */
const HIGH_THROUGHPUT_RULES: Array<{ when: (s: ThroughputSettings) => boolean; prop: string; value: string; allowed: string }> = [
  {
    when: (s) => s.fifoThroughputLimit === 'perMessageGroupId' && s.deduplicationScope !== 'messageGroup' && !s.fanoutHighThroughput,
    prop: 'fifoThroughputLimit',
    value: 'PER_MESSAGE_GROUP_ID',
    allowed: 'allowed: only with deduplicationScope MESSAGE_GROUP',
  },
  {
    when: (s) => s.fanoutHighThroughput === true && s.deduplicationScope === 'queue',
    prop: 'deduplicationScope',
    value: 'QUEUE',
    allowed: 'allowed: MESSAGE_GROUP or unset when the fan-out has highThroughput: true',
  },
  {
    when: (s) => s.fanoutHighThroughput === true && s.fifoThroughputLimit === 'perQueue',
    prop: 'fifoThroughputLimit',
    value: 'PER_QUEUE',
    allowed: 'allowed: PER_MESSAGE_GROUP_ID or unset when the fan-out has highThroughput: true',
  },
];

/** Checks the high-throughput settings of a queue, or of a subscriber of a high-throughput fan-out. */
export function checkHighThroughput(problems: Problems, settings: ThroughputSettings): void {
  for (const rule of HIGH_THROUGHPUT_RULES.filter((r) => r.when(settings))) {
    problems.add(ValidationErrorCode.HIGH_THROUGHPUT, rule.prop, rule.value, rule.allowed);
  }
}

/**
 * A construct id must be free in its scope (our own children included: 'Resource', 'Key', ...).
 * Returns whether it is.
 */
export function checkIdFree(problems: Problems, scope: IConstruct, id: string, ...derivedIds: string[]): boolean {
  const taken = [id, ...derivedIds].find((candidate) => scope.node.tryFindChild(candidate) !== undefined);
  if (taken !== undefined) {
    problems.add(ValidationErrorCode.ID_TAKEN, 'id', id, `allowed: an id not already used in ${scope.node.path} (${JSON.stringify(taken)} is taken)`);
  }
  return taken === undefined;
}

/** SNS: a topic's display name holds at most 100 characters (SNS API, SetTopicAttributes DisplayName). */
export const DISPLAY_NAME_MAX = 100;

/** Checks a string's length (tokens are not judged). */
export function checkMaxLength(problems: Problems, prop: string, value: string | undefined, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (value.length > max) {
    problems.add(ValidationErrorCode.TOO_LONG, prop, `${value.length} characters`, `allowed: at most ${max} characters`);
  }
}

/**
 * SQS queues and KMS keys cannot be snapshotted: CloudFormation refuses `DeletionPolicy: Snapshot`
 * on them, so `RemovalPolicy.SNAPSHOT` would make the template undeployable.
 */
export function checkRemovalPolicy(problems: Problems, prop: string, value: RemovalPolicy | undefined): void {
  if (value === RemovalPolicy.SNAPSHOT) {
    problems.add(ValidationErrorCode.REMOVAL_POLICY, prop, 'SNAPSHOT', 'allowed: RETAIN, RETAIN_ON_UPDATE_OR_DELETE or DESTROY (SQS queues and KMS keys cannot be snapshotted)');
  }
}

/** A token duration passed on as a number of days must be given in days (`Duration.days(token)`): its unit cannot be converted before deploy time. */
export function checkTokenInDays(problems: Problems, prop: string, value: Duration | undefined): void {
  if (value === undefined || !value.isUnresolved()) {
    return;
  }
  try {
    value.toDays();
  } catch {
    problems.add(ValidationErrorCode.OUT_OF_RANGE, prop, 'a token duration not in days', 'allowed: Duration.days(token) (a deploy-time value can only be passed on in the unit CloudFormation takes)');
  }
}
