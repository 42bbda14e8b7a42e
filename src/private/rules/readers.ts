import { DeliveryModel, EVENT_SOURCE_MAPPING, IAM_POLICY, MANAGED_POLICY, QUEUE, QUEUE_POLICY, Res, ROLE, SUBSCRIPTION } from './model';
import { evaluatePolicies, Tri } from './policy-eval';

/** A policy document and the resource it was read from (findings name it). */
export interface PolicyDocument {
  readonly doc: unknown;
  readonly owner: Res;
}

/** A role of the app and the identity policies attached to it, as far as the app shows them. */
export interface RoleIdentity {
  readonly role: Res;
  /** Inline `Policies`, and the `AWS::IAM::Policy`/`AWS::IAM::ManagedPolicy` of the app attached to it. */
  readonly documents: PolicyDocument[];
  /** What else may be attached that the app does not show (a managed policy outside it); undefined when nothing. */
  readonly unseen?: string;
}

/**
 * AWS managed policies known to allow no SQS and no KMS action, so a role with them attached is
 * judged on its other policies: AWSLambdaBasicExecutionRole (CloudWatch Logs only,
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html)
 * and AWSLambdaVPCAccessExecutionRole (CloudWatch Logs and EC2 network interfaces,
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html).
 * Any other policy outside the app may allow anything.
 */
const WITHOUT_SQS_OR_KMS = /^arn:[^:]+:iam::aws:policy\/service-role\/(AWSLambdaBasicExecutionRole|AWSLambdaVPCAccessExecutionRole)$/;

const CACHE = new WeakMap<DeliveryModel, { roles: RoleIdentity[]; unattached: PolicyDocument[] }>();

/**
 * The identity policies of the app's roles (inline `Policies`, `AWS::IAM::Policy` and
 * `AWS::IAM::ManagedPolicy` by `Roles`, `ManagedPolicyArns`), read once per model. `unattached` are
 * policies whose `Roles` cannot be read: any role may have them.
 * Hand-written: no library reads CloudFormation IAM resources back to their roles.
 */
export function roleIdentities(model: DeliveryModel): { roles: RoleIdentity[]; unattached: PolicyDocument[] } {
  let hit = CACHE.get(model);
  if (hit) {
    return hit;
  }
  const policies = [...model.ofType(IAM_POLICY), ...model.ofType(MANAGED_POLICY)];
  const unattached: PolicyDocument[] = [];
  const attached = new Map<Res, string[]>();
  for (const policy of policies) {
    const roles = model.values(policy.raw('Roles'), policy);
    if (roles === undefined) {
      unattached.push({ doc: policy.raw('PolicyDocument'), owner: policy });
    } else {
      attached.set(policy, roles);
    }
  }
  const roles = model.ofType(ROLE).map((role): RoleIdentity => {
    const ref = role.attribute('Ref');
    const documents: PolicyDocument[] = [];
    let unseen: string | undefined;
    const inline = role.raw('Policies');
    if (Array.isArray(inline)) {
      inline.forEach((p: any) => documents.push({ doc: p?.PolicyDocument, owner: role }));
    } else if (inline !== undefined) {
      unseen = `its Policies (${model.whyUnknown(inline)})`;
    }
    const managed = model.values(role.raw('ManagedPolicyArns'), role);
    if (managed === undefined) {
      unseen ??= `its ManagedPolicyArns (${model.whyUnknown(role.raw('ManagedPolicyArns'))})`;
    }
    for (const policy of policies) {
      const byRoles = attached.get(policy)?.includes(ref!) ?? false;
      const byArn = policy.type === MANAGED_POLICY && (managed ?? []).includes(policy.attribute('Ref')!);
      if (byRoles || byArn) {
        documents.push({ doc: policy.raw('PolicyDocument'), owner: policy });
      }
    }
    for (const arn of managed ?? []) {
      if (!WITHOUT_SQS_OR_KMS.test(arn) && !policies.some((p) => p.type === MANAGED_POLICY && p.attribute('Ref') === arn)) {
        unseen ??= `managed policy ${arn}`;
      }
    }
    return { role, documents, unseen };
  });
  hit = { roles, unattached };
  CACHE.set(model, hit);
  return hit;
}

/** Whether a role's own identity policies allow actions on a resource (no condition is read). */
export function identityAllows(
  model: DeliveryModel, identity: RoleIdentity, actions: string[], resource: string, context: Record<string, string | undefined> = {},
): Tri {
  const verdict = evaluatePolicies(model, identity.documents, { identity: true, actions, resource, context });
  if (verdict.allowed === 'no' && identity.unseen !== undefined) {
    return 'unknown';
  }
  return verdict.allowed;
}

const READERS = new WeakMap<Res, RoleIdentity[]>();

/**
 * The roles of the app that surely may `sqs:ReceiveMessage` on the queue: by their identity
 * policies, or by a statement of the queue's policy that names them (a resource policy alone
 * allows a principal of its own account:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
 * A statement with a condition is never taken as a grant (no request context is assumed).
 */
export function readersOf(model: DeliveryModel, queue: Res): RoleIdentity[] {
  let hit = READERS.get(queue);
  if (hit) {
    return hit;
  }
  const arn = queue.queueArn();
  const queuePolicies = model.ofType(QUEUE_POLICY)
    .filter((p) => (model.values(p.raw('Queues'), p) ?? []).some((url) => model.queueNamed(url) === queue))
    .map((p) => ({ doc: p.raw('PolicyDocument'), owner: p }));
  hit = roleIdentities(model).roles.filter((r) => evaluatePolicies(model, r.documents, {
    identity: true, actions: ['sqs:ReceiveMessage'], resource: arn, context: {},
  }).allowed === 'yes' || (queuePolicies.length > 0 && evaluatePolicies(model, queuePolicies, {
    principals: [r.role.attribute('Arn')!], named: true, actions: ['sqs:ReceiveMessage'], resource: arn, context: {},
  }).allowed === 'yes'));
  READERS.set(queue, hit);
  return hit;
}

/** Whether a queue is a dead-letter queue of a queue or subscription of the app (its RedrivePolicy names it). */
export function isDeadLetterQueue(model: DeliveryModel, queue: Res): boolean {
  return [...model.ofType(QUEUE), ...model.ofType(SUBSCRIPTION)].some((r) => {
    let redrive = r.raw('RedrivePolicy') as any;
    if (typeof redrive === 'string') {
      try {
        redrive = JSON.parse(redrive);
      } catch {
        return false;
      }
    }
    const target = redrive?.deadLetterTargetArn;
    const arn = target === undefined ? undefined : model.value(target, r);
    return arn !== undefined && model.queueNamed(arn) === queue;
  });
}

/** The event source mappings of the app that read the queue. */
export function mappingsOf(model: DeliveryModel, queue: Res): Res[] {
  return model.ofType(EVENT_SOURCE_MAPPING).filter((m) => {
    const source = m.str('EventSourceArn');
    return source !== undefined && model.queueNamed(source) === queue;
  });
}
