import { Annotations, Aspects, Duration, IAspect, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { IConstruct } from 'constructs';
import { allowServiceOnKey } from './policies';
import { DEAD_LETTER_RETENTION, Problems } from './validation';
import { WARNING } from './warnings';
import { ValidationErrorCode } from '../errors';

/**
 * Retired keys: keys that no longer encrypt anything new but may still protect messages written
 * before a key change. AWS: "existing messages encrypted with the old KMS key remain encrypted with
 * that key"; to decrypt them the old key must be retained and usable, and every message under it must
 * be processed before it is disabled or deleted
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).
 * SQS decrypts a message for a consumer with the consumer's own permissions, so every consumer grant
 * must cover the retired keys too.
 *
 * The helpers below take interfaces only, so the constructs and the `SecureExistingFifo` aspect share
 * them.
 */

/** How long SNS may retry a delivery to an SQS queue: 100,015 attempts over 23 days (https://docs.aws.amazon.com/sns/latest/dg/fifo-message-durability.html). */
export const SNS_RETRY_HORIZON = Duration.days(23);

/**
 * One thing a retired key may still protect, and for how long after the key change its messages can
 * still be read (the horizon of that resource).
 */
export interface RetiredKeyUse {
  /** What it is, for people: e.g. `queue Stack/Retail/Queue`. */
  readonly what: string;
  /** How long messages encrypted under the key may live there after the key change. */
  readonly horizon: Duration;
  /** Why that long. */
  readonly why: string;
}

/**
 * A FIFO queue with a FIFO DLQ (14 days): a message may wait `retention` in the queue and then move to
 * the DLQ, where "the enqueue timestamp resets" for FIFO queues, so it can live `retention` + 14 days.
 * A standard queue's DLQ keeps the original enqueue timestamp, so the longer of the two bounds it
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/setting-up-dead-letter-queue-retention.html).
 * Whether SQS re-encrypts a message under the DLQ's current key when it moves it is not documented,
 * so the old key is assumed to stay in use.
 */
export function queueUse(what: string, fifo: boolean, retention: Duration, deadLetterRetention: Duration = DEAD_LETTER_RETENTION): RetiredKeyUse {
  const r = retention.isUnresolved() ? Duration.days(14) : retention;
  const d = deadLetterRetention.isUnresolved() ? DEAD_LETTER_RETENTION : deadLetterRetention;
  if (fifo) {
    return {
      what,
      horizon: Duration.seconds(r.toSeconds() + d.toSeconds()),
      why: `retention ${r.toHumanString()} + ${d.toHumanString()} in its FIFO DLQ (a FIFO DLQ resets the enqueue timestamp)`,
    };
  }
  return {
    what,
    horizon: Duration.seconds(Math.max(r.toSeconds(), d.toSeconds())),
    why: `retention ${r.toHumanString()}, its DLQs ${d.toHumanString()} (a standard DLQ keeps the enqueue timestamp)`,
  };
}

/** A topic the key encrypted: SNS decrypts right before each delivery and retries SQS deliveries for up to 23 days. */
export function topicUse(what: string): RetiredKeyUse {
  return { what, horizon: SNS_RETRY_HORIZON, why: 'SNS retries a delivery for up to 23 days and decrypts right before delivering' };
}

/**
 * A topic archive the key encrypted: replays read archived messages for the archive's retention. The
 * SNS archive pages require key access for an encrypted archive; whether archived messages are
 * re-encrypted after a key change is not documented, so the key is kept for the whole retention.
 */
export function archiveUse(what: string, retention: Duration): RetiredKeyUse {
  const r = retention.isUnresolved() ? Duration.days(365) : retention;
  return { what, horizon: r, why: `archive retention ${r.toHumanString()}: replays read archived messages` };
}

/** The longest horizon of all uses (zero without uses). */
export function retiredKeyHorizon(uses: RetiredKeyUse[]): Duration {
  return Duration.seconds(Math.max(0, ...uses.map((u) => u.horizon.toSeconds())));
}

/** The KMS page that recommends disabling a key before deleting it and alarming on its use. */
export const KMS_DISABLE_FIRST_URL = 'https://docs.aws.amazon.com/kms/latest/developerguide/enabling-keys.html';
/** The KMS page on finding out whether a key is still used (CloudTrail), and the alarm on a key pending deletion. */
export const KMS_DELETING_KEYS_URL = 'https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html';

/** The warning's text for a retired key and what it may still protect. */
export function retiredKeyWarningText(keyText: string, uses: RetiredKeyUse[]): string {
  const horizon = retiredKeyHorizon(uses);
  const list = uses.map((u) => `${u.what}: ${u.horizon.toHumanString()} (${u.why})`).join('; ');
  return `Retired key ${keyText} must stay enabled, with its key policy, for at least ${horizon.toHumanString()} after the deploy that retired it: `
    + `messages written under it before the key change may still be waiting (${list}). `
    + 'Then remove it from retiredKeys, disable it (do not delete it yet) and watch for use: '
    + `an alarm on CloudTrail events for the key (${KMS_DISABLE_FIRST_URL}, ${KMS_DELETING_KEYS_URL}). `
    + 'Schedule deletion only when nothing has tried to use it. See the README runbook "Change the key of a running fan-out".';
}

/** Whether two keys are the same key (the same object, or the same ARN at synth). */
export function sameKey(a: kms.IKey, b: kms.IKey): boolean {
  if (a === b) {
    return true;
  }
  if (Token.isUnresolved(a.keyArn) || Token.isUnresolved(b.keyArn)) {
    const stack = Stack.of(a);
    return JSON.stringify(stack.resolve(a.keyArn)) === JSON.stringify(Stack.of(b).resolve(b.keyArn));
  }
  return a.keyArn === b.keyArn;
}

/** A retired key can never also be the key that encrypts: refused with `RETIRED_KEY`. */
export function checkRetiredKeys(problems: Problems, prop: string, retiredKeys: kms.IKey[] | undefined, encryptionKey: kms.IKey | undefined): void {
  if (!retiredKeys || !encryptionKey) {
    return;
  }
  for (const key of retiredKeys) {
    if (sameKey(key, encryptionKey)) {
      problems.add(ValidationErrorCode.RETIRED_KEY, prop, key.node.path,
        'allowed: keys other than the encryption key (a retired key only decrypts what it encrypted before; it never encrypts)');
    }
  }
}

/**
 * Grants `kms:Decrypt` on each retired key: what a consumer (or a redrive) needs to read a message
 * written under it. Returns undefined without keys.
 */
export function grantDecryptOnRetiredKeys(grantee: iam.IGrantable, retiredKeys: kms.IKey[]): iam.Grant | undefined {
  let grant: iam.Grant | undefined;
  for (const key of retiredKeys) {
    const g = key.grant(grantee, 'kms:Decrypt');
    grant = grant ? grant.combine(g) : g;
  }
  return grant;
}

/**
 * Keeps the SNS statement for one topic on each retired key, as the library wrote it while the key
 * was in use, so its key policy does not change with the key change (and SNS can still decrypt
 * messages it retries or replays).
 */
export function keepSnsOnRetiredKeys(scope: IConstruct, retiredKeys: kms.IKey[], topicArn: string): void {
  for (const key of retiredKeys) {
    allowServiceOnKey(scope, key, 'sns.amazonaws.com', topicArn);
  }
}

const queueRetiredKeys = new WeakMap<object, kms.IKey[]>();

/** Records the retired keys of a queue, so that every consumer grant on it covers them. */
export function setRetiredKeys(queue: sqs.IQueue, retiredKeys: kms.IKey[]): void {
  queueRetiredKeys.set(queue, [...retiredKeys]);
}

/** The retired keys recorded for a queue. */
export function retiredKeysOf(queue: sqs.IQueue): kms.IKey[] {
  return queueRetiredKeys.get(queue) ?? [];
}

/** Whether `actions` (as aws-cdk-lib's queue grants pass them) are a consumer's: `kms:Decrypt` alone. */
export function isConsumerKeyGrant(actions: string[]): boolean {
  return actions.length === 1 && actions[0] === 'kms:Decrypt';
}

const uses = new WeakMap<kms.IKey, RetiredKeyUse[]>();

/**
 * Records what a retired key may still protect. One warning (`cdk-secure-fifo:retiredKey`) per key,
 * on the key, written when the app is synthesized so that it covers every use recorded by then.
 */
export function noteRetiredKeyUse(key: kms.IKey, use: RetiredKeyUse): void {
  const known = uses.get(key);
  if (known) {
    if (!known.some((u) => u.what === use.what)) {
      known.push(use);
    }
    return;
  }
  uses.set(key, [use]);
  Aspects.of(key).add(new RetiredKeyWarning(key));
}

class RetiredKeyWarning implements IAspect {
  private done = false;

  constructor(private readonly key: kms.IKey) {}

  public visit(node: IConstruct): void {
    if (node !== this.key || this.done) {
      return;
    }
    this.done = true;
    const keyArn = Stack.of(this.key).resolve(this.key.keyArn);
    const keyText = typeof keyArn === 'string' ? `${this.key.node.path} (${keyArn})` : this.key.node.path;
    Annotations.of(this.key).addWarningV2(WARNING.retiredKey, retiredKeyWarningText(keyText, uses.get(this.key) ?? []));
  }
}
