import { Annotations, Names, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, IConstruct } from 'constructs';
import { sameKey } from './retired-keys';
import { Problems } from './validation';
import { WARNING } from './warnings';
import { ValidationErrorCode } from '../errors';

/**
 * The rules of a key change of a construct that creates its own `FifoKey` (`retireOwnKey`), and the
 * warnings for what synth cannot see (the deployed version). Shared by `FifoFanout`,
 * `SecureFifoQueue`, `FifoSubscriber` and `StandardSubscriber`.
 */

/** What a construct says about its key. */
export interface KeyChangeProps {
  readonly encryptionKey?: kms.IKey;
  readonly retiredKeys?: kms.IKey[];
  readonly retireOwnKey?: boolean;
}

const sharesTopicKey = new WeakSet<IConstruct>();

/**
 * Marks `scope` as a subscriber whose queue takes its topic's key by default (a topic of its own
 * stack): its `SecureFifoQueue` has no key of its own to retire.
 */
export function markSharesTopicKey(scope: IConstruct): void {
  sharesTopicKey.add(scope);
}

/** Whether the construct's parent marked it as sharing its topic's key (see markSharesTopicKey). */
export function sharesKeyOfTopic(construct: IConstruct): boolean {
  const parent = construct.node.scope;
  return parent !== undefined && sharesTopicKey.has(parent);
}

/**
 * The logical ID the construct's own key has (`<scope>/<id>`, its `Resource`), as the stack
 * allocates it (`Stack.allocateLogicalId`: `Names`' unique ID of the path below the stack). Computed
 * on a detached tree of the same ids, so that nothing is added to the app. Used to recognize the
 * own key, constructed again at its logical ID (`overrideLogicalId`), among the retired keys.
 */
export function ownKeyLogicalId(scope: IConstruct, id: string): string {
  const scopes = scope.node.scopes;
  const stackIndex = scopes.indexOf(Stack.of(scope));
  const ids = [...scopes.slice(stackIndex + 1).map((s) => s.node.id), id, 'Resource'];
  let node: Construct = new Construct(undefined as unknown as Construct, 'Detached');
  for (const part of ids) {
    node = new Construct(node, part);
  }
  return Names.nodeUniqueId(node.node);
}

/** The logical ID of a key created in `scope`'s stack (its CfnKey), or undefined. */
function logicalIdInStack(key: kms.IKey, scope: IConstruct): string | undefined {
  const cfn = key.node.defaultChild;
  if (!(cfn instanceof kms.CfnKey) || Stack.of(cfn) !== Stack.of(scope)) {
    return undefined;
  }
  const id = Stack.of(cfn).resolve(cfn.logicalId);
  return typeof id === 'string' ? id : undefined;
}

/**
 * `retireOwnKey` keeps the construct's own key as a retired key, so it needs a key to move to
 * (`encryptionKey`) and a key of its own (a subscriber that shares its topic's key has none). A
 * retired key at the own key's logical ID (the key constructed again with `overrideLogicalId`)
 * would collide with the own key, which `retireOwnKey` keeps there. Refused with `RETIRE_OWN_KEY`.
 */
export function checkRetireOwnKey(problems: Problems, scope: IConstruct, ownKeyId: string, props: KeyChangeProps, hasOwnKey: boolean): void {
  if (!props.retireOwnKey) {
    return;
  }
  if (!hasOwnKey) {
    problems.add(ValidationErrorCode.RETIRE_OWN_KEY, 'retireOwnKey', true,
      'allowed: unset here: this subscriber shares its topic\'s key and has no key of its own (list the key it used in retiredKeys, or set retireOwnKey on the FifoFanout)');
    return;
  }
  if (!props.encryptionKey) {
    problems.add(ValidationErrorCode.RETIRE_OWN_KEY, 'retireOwnKey', true,
      'allowed: only together with encryptionKey, the key to move to (without it the own key still encrypts)');
    return;
  }
  const own = ownKeyLogicalId(scope, ownKeyId);
  for (const key of props.retiredKeys ?? []) {
    if (logicalIdInStack(key, scope) === own) {
      problems.add(ValidationErrorCode.RETIRE_OWN_KEY, 'retiredKeys', key.node.path,
        `allowed: keys other than the own key: retireOwnKey keeps the own key at its logical ID ${own}; remove this copy of it (and its overrideLogicalId)`);
    }
  }
}

/**
 * The case of issue 25's item 6: `encryptionKey` given without `retireOwnKey`, so the construct's
 * own key (if it had one in the deployed version) leaves the stack, while a key created in this app
 * sits in `retiredKeys` at another logical ID. That key may be the one the construct used (its
 * previous `encryptionKey`), or a new, empty key constructed in place of the own key. Synth cannot
 * tell which: a warning (`cdk-secure-fifo:ownKeyLeaves`), not a refusal.
 */
export function warnOwnKeyLeaves(scope: IConstruct, ownKeyId: string, props: KeyChangeProps, hasOwnKey: boolean): void {
  if (props.retireOwnKey || !props.encryptionKey || !hasOwnKey) {
    return;
  }
  const own = ownKeyLogicalId(scope, ownKeyId);
  const suspects = (props.retiredKeys ?? []).filter((k) => {
    const id = logicalIdInStack(k, scope);
    return id !== undefined && id !== own;
  });
  if (suspects.length === 0) {
    return;
  }
  const paths = suspects.map((k) => k.node.path).join(', ');
  Annotations.of(scope).addWarningV2(WARNING.ownKeyLeaves,
    `encryptionKey is given without retireOwnKey, so the key this construct creates by default (logical ID ${own}) is not in this version: `
    + 'if the deployed version encrypted with it, it leaves the stack (retained in the account, no longer managed) and consumers lose kms:Decrypt on the messages under it, '
    + `while retiredKeys holds ${paths}, created in this app at another logical ID, which then encrypted nothing here. `
    + 'If so, set retireOwnKey: true (the own key stays at its logical ID, with its alias, as a retired key) and drop the copy from retiredKeys. '
    + `If ${paths} was this construct's encryptionKey in the deployed version, acknowledge this warning.`);
}

const warnedChanges = new WeakMap<kms.IKey, kms.IKey[]>();

/**
 * A key change (an encryption key with retired keys) that synth cannot prove was prepared: whether
 * the deployed version listed the encryption key in `pendingKeys` is not in this app. One
 * acknowledgeable warning (`cdk-secure-fifo:keyChangeNotStaged`) per encryption key and set of
 * retired keys, on the first construct that declares it (a fan-out before its subscribers).
 */
export function warnKeyChangeNotStaged(scope: IConstruct, encryptionKey: kms.IKey | undefined, retiredKeys: kms.IKey[], ownKey: boolean): void {
  if (!encryptionKey || retiredKeys.length === 0) {
    return;
  }
  const known = warnedChanges.get(encryptionKey) ?? [];
  const fresh = retiredKeys.filter((r) => !known.some((k) => sameKey(k, r)));
  if (fresh.length === 0) {
    return;
  }
  warnedChanges.set(encryptionKey, [...known, ...fresh]);
  Annotations.of(scope).addWarningV2(WARNING.keyChangeNotStaged,
    `This version encrypts with ${encryptionKey.node.path} and retires ${fresh.map((k) => k.node.path).join(', ')}. `
    + `If the deployed version did not list ${encryptionKey.node.path} in pendingKeys, this deploy grants it in the same update that switches to it: `
    + 'CloudFormation updates a queue or topic before the policies that reference it, so consumers can be refused kms:Decrypt and publishers kms:GenerateDataKey until the grants arrive. '
    + (ownKey
      ? 'The key this construct creates by default cannot be listed in pendingKeys: for a staged change, create the key yourself (new FifoKey), deploy it in pendingKeys, then pass it as encryptionKey '
      : `Deploy pendingKeys: [${encryptionKey.node.path}] first `)
    + '(README runbook "Change the key of a running fan-out"); '
    + 'acknowledge this warning once that deploy is done or the switch is deployed.');
}
