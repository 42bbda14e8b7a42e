import { Annotations, CfnOutput, CfnResource, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { IConstruct } from 'constructs';
import { Adopted, AdoptedQueue, Stage, l2Of } from './model';
import { CONSUMER_KEY_ACTIONS, PRODUCER_KEY_ACTIONS } from './needs';
import { renderForPeople } from '../render';
import { WARNING } from '../warnings';

/**
 * Warnings of the adoption, each true when it prints. One synth cannot know what is deployed: it
 * sees the app as declared, before the aspect. A transition note therefore prints in the stage that
 * makes the change (ENCRYPT, for a topic or queue whose key this synth changes), and stays until it
 * is acknowledged (on the resource, or once on the stack or the app: acknowledgements cover the
 * construct's children).
 */

const SEED_SOURCE = 'https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html';
const SQS_KEY_SOURCE = 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html';

export function cannotSecure(cfn: CfnResource, reason: string): void {
  Annotations.of(l2Of(cfn)).addWarningV2(WARNING.notSecured, `SecureExistingFifo could not secure ${cfn.node.path}: ${reason}.`);
}

const BEFORE_TEXT = {
  'unencrypted': 'unencrypted',
  'sse-sqs': 'encrypted with SSE-SQS',
  'aws-managed': 'encrypted with an AWS managed key',
  'cmk': 'encrypted with another customer managed key',
} as const;

/**
 * The notes of a key switch (ENCRYPT only): the backlog is not re-encrypted; principals outside the
 * app need the new key. "Keep the previous key enabled" is said only where a customer managed key
 * encrypted the backlog (SSE-SQS and AWS managed keys are not the user's to disable).
 */
export function warnSwitch(r: Adopted<any>, stage: Stage): void {
  const key = r.switchTo;
  if (!key) {
    return;
  }
  const isQueue = r.cfn instanceof sqs.CfnQueue;
  const kind = isQueue ? 'queue' : 'topic';
  const before = BEFORE_TEXT[r.before as keyof typeof BEFORE_TEXT];
  const users = isQueue ? (r as AdoptedQueue).subscribed : true;
  if (stage === 'encrypt') {
    const keep = r.before === 'cmk' ? ' Keep the previous key enabled (and list it in `retiredKeys`) until the backlog is drained.' : '';
    const backlog = isQueue
      ? `Messages already in the queue stay as they are (${before}); only messages sent after the deploy are encrypted with the new key (${SQS_KEY_SOURCE}).${keep}`
      : `Only messages published after the deploy are encrypted (${SEED_SOURCE}); archived messages stay as they are.`;
    Annotations.of(l2Of(r.cfn)).addWarningV2(WARNING.backlogNotReencrypted, `SecureExistingFifo encrypts this ${kind} (${before} until now) with a customer managed key. ${backlog}`);
  }
  // A queue that is only a subscription DLQ has no consumers of its own to tell.
  if (users) {
    const action = isQueue ? 'kms:Decrypt (consumers) or kms:GenerateDataKey and kms:Decrypt (producers)' : 'kms:GenerateDataKey and kms:Decrypt (publishers)';
    const when = stage === 'prepare' ? 'before the ENCRYPT deploy' : 'before this deploy (deploy the PREPARE stage first so that the key exists)';
    Annotations.of(l2Of(r.cfn)).addWarningV2(WARNING.externalConsumersNeedKey,
      `Principals outside this app that use this ${kind} need ${action} on the new key ${when}, or their calls are denied: ` +
      `${keyStatementText(r.cfn, key, isQueue ? CONSUMER_KEY_ACTIONS : PRODUCER_KEY_ACTIONS)}.`);
  }
}

const outputs = new WeakMap<kms.IKey, Map<Stack, string>>();
const outputCount = new WeakMap<Stack, number>();

/**
 * The identity-policy statement a principal needs on a key, as text to paste: the key's ARN when it
 * is known at synth, else the stack output that holds it once the key is deployed (PREPARE).
 */
export function keyStatementText(scope: IConstruct, key: kms.IKey, actions: string[]): string {
  const stack = Stack.of(scope);
  const text = renderForPeople(scope, stack.resolve(key.keyArn));
  if (typeof text === 'string') {
    return JSON.stringify({ Effect: 'Allow', Action: actions, Resource: text });
  }
  // In the key's own stack when it is a key of this app: an output elsewhere would be a cross-stack reference.
  const home = key instanceof kms.Key ? Stack.of(key) : stack;
  const byStack = outputs.get(key) ?? new Map<Stack, string>();
  outputs.set(key, byStack);
  let id = byStack.get(home);
  if (!id) {
    const count = outputCount.get(home) ?? 0;
    outputCount.set(home, count + 1);
    id = `SecureExistingFifoKeyArn${count === 0 ? '' : count + 1}`;
    new CfnOutput(home, id, { value: key.keyArn, description: `The ARN of ${key.node.path}, for the identity policies of principals SecureExistingFifo cannot change` });
    byStack.set(home, id);
  }
  return `${JSON.stringify({ Effect: 'Allow', Action: actions, Resource: `<the ARN of ${key.node.path}: output ${id} of stack ${home.stackName} once deployed>` })}`;
}

/**
 * A key policy set by `addPropertyOverride('KeyPolicy', …)` replaces, at synth, the statements this
 * aspect adds to the key (the override is applied last, to the rendered template).
 */
export function warnKeyPolicyOverridden(key: kms.Key, what: string): void {
  const cfn = key.node.defaultChild as CfnResource;
  const overrides = (cfn as any).rawOverrides?.Properties;
  if (overrides && 'KeyPolicy' in overrides) {
    Annotations.of(key).addWarningV2(WARNING.keyPolicyOverridden,
      `The key policy of ${key.node.path} is set with addPropertyOverride('KeyPolicy…'), which replaces the statements SecureExistingFifo adds for ${what}: ` +
      'SNS (or the principals) would be denied. Remove the override, or write those statements into it (use key.addToResourcePolicy instead of an override).');
  }
}

/** A grant that CloudFormation cannot order before the key switch in this deploy. */
export function warnNotOrdered(resource: CfnResource, principal: IConstruct, why: string): void {
  Annotations.of(l2Of(resource)).addWarningV2(WARNING.grantAfterSwitch,
    `${principal.node.path} gets the new key in the same deploy that switches ${resource.node.path} to it, and ${why}: ` +
    'its calls can be denied in between. Deploy the PREPARE stage (`stage: AdoptionStage.PREPARE`) first, then this one; acknowledge this once PREPARE is deployed.');
}
