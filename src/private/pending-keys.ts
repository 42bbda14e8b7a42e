import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import { allowServiceOnKey, narrowKeyActions } from './policies';
import { sameKey } from './retired-keys';
import { Problems } from './validation';
import { ValidationErrorCode } from '../errors';

/**
 * Pending keys: keys a topic or queue will switch to in a later deploy. They never encrypt here;
 * every grant on the current key is made on them too, with the same actions, and SNS is admitted to
 * them for the same topics, so that when a later deploy switches the resource, every caller already
 * holds the new key. CloudFormation updates a resource only after what it references and everything
 * else in parallel (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html),
 * and a consumer's policy references its queue, so a grant made in the deploy that switches can
 * arrive after the switch; SQS refuses a consumer without `kms:Decrypt` on the key of a message
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).
 * A deploy earlier is the only order that holds for every caller, in every stack.
 *
 * The same shape as retired-keys.ts: records per topic or queue, read by the grants. Interfaces only.
 */

const pending = new WeakMap<object, kms.IKey[]>();

/** Records the pending keys of a queue or topic, so that every grant on its key covers them. */
export function setPendingKeys(resource: object, keys: kms.IKey[]): void {
  pending.set(resource, [...keys]);
}

/** The pending keys recorded for a queue or topic. */
export function pendingKeysOf(resource: object): kms.IKey[] {
  return pending.get(resource) ?? [];
}

/**
 * Grants on each pending key what the grant on the current key gives (`actions` as aws-cdk-lib's
 * grants pass them, narrowed as for the current key). Returns undefined without keys or actions.
 */
export function grantOnPendingKeys(grantee: iam.IGrantable, keys: kms.IKey[], actions: string[]): iam.Grant | undefined {
  const narrowed = narrowKeyActions(actions);
  if (narrowed.length === 0) {
    return undefined;
  }
  let grant: iam.Grant | undefined;
  for (const key of keys) {
    const g = key.grant(grantee, ...narrowed);
    grant = grant ? grant.combine(g) : g;
  }
  return grant;
}

/** Combines a grant on the current key with the grant on the pending keys. */
export function withPendingKeys(result: iam.GrantOnKeyResult, grantee: iam.IGrantable, keys: kms.IKey[], actions: string[]): iam.GrantOnKeyResult {
  const extra = grantOnPendingKeys(grantee, keys, actions);
  return extra ? { grant: result.grant ? result.grant.combine(extra) : extra } : result;
}

/**
 * Admits SNS for one topic on each pending key, with the statement the current key has
 * (`aws:SourceArn` = the topic); a key this app cannot change gets the `importedKeyPolicy` warning
 * with the statement, as the current key does.
 */
export function admitSnsOnPendingKeys(scope: IConstruct, keys: kms.IKey[], topicArn: string): void {
  for (const key of keys) {
    allowServiceOnKey(scope, key, 'sns.amazonaws.com', topicArn);
  }
}

/**
 * A pending key is neither the key that encrypts (it is already switched to) nor a retired key (a
 * key leaves or arrives, not both): refused with `PENDING_KEY`.
 */
export function checkPendingKeys(
  problems: Problems,
  prop: string,
  pendingKeys: kms.IKey[] | undefined,
  encryptionKey: kms.IKey | undefined,
  retiredKeys: kms.IKey[] | undefined,
): void {
  for (const key of pendingKeys ?? []) {
    if (encryptionKey && sameKey(key, encryptionKey)) {
      problems.add(ValidationErrorCode.PENDING_KEY, prop, key.node.path,
        'allowed: keys other than the encryption key (a pending key is one the resource switches to in a later deploy; once it is the encryptionKey, remove it from pendingKeys)');
    } else if ((retiredKeys ?? []).some((r) => sameKey(r, key))) {
      problems.add(ValidationErrorCode.PENDING_KEY, prop, key.node.path,
        'allowed: keys not in retiredKeys (a pending key is one the resource switches to; a retired key one it switched away from)');
    }
  }
}
