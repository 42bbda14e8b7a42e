import { ArnFormat, CfnResource, Lazy, Reference, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct, IConstruct } from 'constructs';
import { Scope } from './find';
import { AdoptedQueue, AdoptedTopic, asList, l2Of, nameOf, statementsOf, targetOf } from './model';
import { CONSUMER_KEY_ACTIONS, KeyActions, queueKeyActions, topicKeyActions } from './needs';
import { Dependencies } from './ordering';
import { EditableDocument, documentOf } from './resource-policies';
import { normalized } from './template-values';
import { cannotSecure, keyStatementText } from './warnings';
import { renderForPeople } from '../render';

/**
 * Principals and grants: every identity policy of the whole app (whichever stack it is in) that may
 * publish to an adopted topic, or send, receive or delete on an adopted queue, gets the KMS actions on
 * the keys the resource switches to and on its pending keys; readers also get `kms:Decrypt` on the
 * retired keys. A role's grants go into a policy of their own (`<Role>SecureExistingFifoKeys`, an
 * `AWS::IAM::Policy`) that references only the role and the keys, never the queue or topic, so that
 * the queue or topic can wait for it (`DependsOn`) without a cycle.
 */

/** What a principal holding an adopted resource needs: which resources, which KMS actions, on which keys. */
interface Need {
  readonly resource: CfnResource;
  readonly matches: (resource: unknown, policy: CfnResource) => boolean;
  readonly actions: (action: string) => KeyActions | undefined;
  /** The key it switches to (first, if any) and the pending keys. */
  readonly keys: kms.IKey[];
  /** The key it switches to: grants on it are ordered before the switch. */
  readonly switchTo?: kms.IKey;
}

/** The grants one holder (a role, or a policy document that cannot move) gets. */
interface Wanted {
  readonly keys: Map<kms.IKey, Set<string>>;
  retired: boolean;
  readonly resources: Set<CfnResource>;
}

export interface GrantResult {
  /** For each resource that switches, the resources holding the grants on its new key. */
  readonly grantsFor: Map<CfnResource, Set<CfnResource>>;
  /** The principal (a role, a policy) a grant resource is for, for warnings. */
  readonly principalOf: (grant: CfnResource) => IConstruct;
}

interface GrantPolicy {
  policy: iam.CfnPolicy;
  readonly statements: Map<kms.IKey, Set<string>>;
  retired: boolean;
}

const grantPolicies = new WeakMap<iam.CfnRole, GrantPolicy>();

export function grantKeys(s: Scope, deps: Dependencies, topics: AdoptedTopic[], queues: AdoptedQueue[]): GrantResult {
  const { options, all } = s;
  const pending = options.pendingKeys;
  const needs: Need[] = [];
  for (const t of topics) {
    const keys = [t.switchTo, ...pending].filter((k): k is kms.IKey => k !== undefined);
    if (keys.length > 0) {
      needs.push({ resource: t.cfn, matches: resourceMatcher(t.cfn, [t.cfn.ref, t.arn]), actions: topicKeyActions, keys, switchTo: t.switchTo });
    }
  }
  for (const q of queues) {
    const keys = [q.switchTo, ...pending].filter((k): k is kms.IKey => k !== undefined);
    if (keys.length > 0) {
      const name = nameOf(q.cfn);
      const byName = name === undefined ? [] : [Stack.of(q.cfn).formatArn({ service: 'sqs', resource: name, arnFormat: ArnFormat.NO_RESOURCE_NAME })];
      const matches = resourceMatcher(q.cfn, [q.cfn.attrArn, ...byName]);
      needs.push({ resource: q.cfn, matches, actions: queueKeyActions, keys, switchTo: q.switchTo });
    }
  }
  const wanted = new Map<iam.CfnRole | EditableDocument, Wanted>();
  const docOwner = new Map<EditableDocument, CfnResource>();
  const want = (holder: iam.CfnRole | EditableDocument, need: Need, actions: KeyActions) => {
    const w = wanted.get(holder) ?? { keys: new Map<kms.IKey, Set<string>>(), retired: false, resources: new Set<CfnResource>() };
    wanted.set(holder, w);
    for (const key of need.keys) {
      const set = w.keys.get(key) ?? new Set<string>();
      actions.actions.forEach((a) => set.add(a));
      w.keys.set(key, set);
    }
    // Only readers of a queue whose key changes read a backlog under the retired keys.
    w.retired ||= actions.reads && need.switchTo !== undefined;
    w.resources.add(need.resource);
  };
  for (const policy of all) {
    for (const doc of policyDocumentsOf(policy)) {
      const roles = rolesOf(policy);
      for (const [need, actions] of needsOf(policy, doc.document, needs)) {
        if (roles) {
          roles.forEach((r) => want(r, need, actions));
        } else {
          docOwner.set(doc, policy);
          want(doc, need, actions);
        }
      }
    }
  }
  // Lambda event sources read with the function's role, which may hold only an AWS managed policy.
  for (const mapping of all.filter((c): c is lambda.CfnEventSourceMapping => c instanceof lambda.CfnEventSourceMapping)) {
    const queue = targetOf(mapping.eventSourceArn);
    const need = needs.find((n) => n.resource === queue);
    if (!need) {
      continue;
    }
    const fn = targetOf(mapping.functionName);
    const role = fn instanceof lambda.CfnFunction ? targetOf(fn.role) : undefined;
    if (!(role instanceof iam.CfnRole)) {
      cannotSecure(mapping, 'its function\'s role is not a role of this app: give it kms:Decrypt on the queue\'s new key before the deploy');
      continue;
    }
    want(role, need, { actions: CONSUMER_KEY_ACTIONS, reads: true });
  }

  const grantsFor = new Map<CfnResource, Set<CfnResource>>();
  const principals = new Map<CfnResource, IConstruct>();
  const switchOf = new Map(needs.map((n) => [n.resource, n.switchTo]));
  for (const [holder, w] of wanted) {
    const where = holder instanceof iam.CfnRole ? holder : docOwner.get(holder)!;
    // A grant in a stack the key's stack deploys after would make the stacks depend on each other.
    for (const key of [...w.keys.keys()]) {
      const keyStack = key instanceof kms.Key ? Stack.of(key) : undefined;
      if (keyStack && keyStack !== Stack.of(where) && deps.stackDependsOn(keyStack, Stack.of(where))) {
        cannotSecure([...w.resources][0], `${where.node.path} (stack ${Stack.of(where).stackName}) deploys before the key's stack ${keyStack.stackName}, so it cannot reference the key without a cycle: ` +
          `give it ${keyStatementText(where, key, [...w.keys.get(key)!].sort())} after the PREPARE deploy`);
        w.keys.delete(key);
      }
    }
    if (w.keys.size === 0) {
      continue;
    }
    let grant: CfnResource;
    if (holder instanceof iam.CfnRole) {
      grant = addToGrantPolicy(holder, w, options.retiredKeys);
      principals.set(grant, l2Of(holder));
      // The role's other policies wait for it: where grants made by an earlier version of this aspect
      // move out of them, they are removed only once the grants policy holds them.
      for (const other of all.filter((c): c is iam.CfnPolicy => c instanceof iam.CfnPolicy && c !== grant && Stack.of(c) === Stack.of(holder))) {
        if (rolesOf(other)?.includes(holder) && !deps.reaches(grant, other)) {
          other.addResourceDependency(grant);
        }
      }
    } else {
      holder.add(keyStatements(w.keys, w.retired ? options.retiredKeys : []));
      grant = where;
      principals.set(grant, l2Of(where));
    }
    for (const r of w.resources) {
      const switchTo = switchOf.get(r);
      if (switchTo && w.keys.has(switchTo)) {
        const set = grantsFor.get(r) ?? new Set<CfnResource>();
        set.add(grant);
        grantsFor.set(r, set);
      }
    }
  }
  return { grantsFor, principalOf: (g) => principals.get(g) ?? g };
}

/** The role's own grants policy, created on first use; statements merged per key. */
function addToGrantPolicy(role: iam.CfnRole, w: Wanted, retiredKeys: kms.IKey[]): iam.CfnPolicy {
  let entry = grantPolicies.get(role);
  if (!entry) {
    const l2 = l2Of(role);
    const created: GrantPolicy = { policy: undefined as unknown as iam.CfnPolicy, statements: new Map<kms.IKey, Set<string>>(), retired: false };
    created.policy = new iam.CfnPolicy(l2.node.scope as Construct, `${l2.node.id}SecureExistingFifoKeys`, {
      policyName: 'SecureExistingFifoKeys',
      roles: [role.ref],
      // Rendered at synth from what every adoption added: one statement per key.
      policyDocument: {
        Version: '2012-10-17',
        Statement: Lazy.any({
          produce: () => keyStatements(created.statements, created.retired ? retiredKeys : []).map((st) => st.toStatementJson()),
        }),
      },
    });
    entry = created;
    grantPolicies.set(role, entry);
  }
  for (const [key, actions] of w.keys) {
    const set = entry.statements.get(key) ?? new Set<string>();
    actions.forEach((a) => set.add(a));
    entry.statements.set(key, set);
  }
  entry.retired ||= w.retired;
  return entry.policy;
}

/** The KMS statements for the keys wanted, plus `kms:Decrypt` on retired keys (the backlog). */
function keyStatements(wanted: Map<kms.IKey, Set<string>>, retiredKeys: kms.IKey[]): iam.PolicyStatement[] {
  const statements = [...wanted].map(([key, actions]) => new iam.PolicyStatement({ actions: [...actions].sort(), resources: [key.keyArn] }));
  if (retiredKeys.length > 0) {
    statements.push(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: retiredKeys.map((k) => k.keyArn) }));
  }
  return statements;
}

/** The needs an identity policy document matches, with the KMS actions each asks for. */
function needsOf(policy: CfnResource, document: unknown, needs: Need[]): Array<[Need, KeyActions]> {
  const out: Array<[Need, KeyActions]> = [];
  // Unresolved, so that a reference is matched by its target (see resourceMatcher).
  const unresolved = document instanceof iam.PolicyDocument ? document.toJSON() : document;
  for (const st of statementsOf(unresolved)) {
    if ((st.Effect ?? 'Allow') !== 'Allow') {
      continue;
    }
    for (const need of needs) {
      if (!asList(st.Resource).some((r) => need.matches(r, policy))) {
        continue;
      }
      for (const action of asList(st.Action) as string[]) {
        const actions = need.actions(action);
        if (actions) {
          out.push([need, actions]);
        }
      }
    }
  }
  return out;
}

/** Every identity policy document an L1 holds: iam policies, managed policies, inline role/user/group policies. */
function policyDocumentsOf(c: CfnResource): EditableDocument[] {
  if (c instanceof iam.CfnPolicy || c instanceof iam.CfnManagedPolicy) {
    const doc = documentOf(c, 'policyDocument');
    return doc ? [doc] : [];
  }
  if (c instanceof iam.CfnRole || c instanceof iam.CfnUser || c instanceof iam.CfnGroup) {
    const inline = Array.isArray(c.policies) ? c.policies : [];
    return inline.map((p: any) => (p && !Token.isUnresolved(p) ? documentOf(p, 'policyDocument') : undefined)).filter((d): d is EditableDocument => d !== undefined);
  }
  return [];
}

/**
 * The roles of this app a document's grants can go to, in their own grants policy; undefined when
 * they cannot (a role's inline policy, a managed policy, a user or group, a role given by name), and
 * go into the document.
 */
function rolesOf(c: CfnResource): iam.CfnRole[] | undefined {
  // A role's inline policy keeps its grants: a grants policy would be created after the role's update
  // removed them (it references the role), a moment without them.
  const stack = Stack.of(c);
  if (c instanceof iam.CfnPolicy && asList(stack.resolve(c.users)).length === 0 && asList(stack.resolve(c.groups)).length === 0) {
    // Resolved: the L2 `iam.Policy` gives its roles as one lazy list. A `Ref` names a role of its own stack.
    const refs = asList(stack.resolve(c.roles)).map((r: any) => (r && typeof r === 'object' && Object.keys(r).length === 1 ? r.Ref : undefined));
    const roles = refs.map((id) => (typeof id === 'string' ? rolesByLogicalId(stack).get(id) : undefined));
    return roles.length > 0 && roles.every((r) => r !== undefined) ? roles as iam.CfnRole[] : undefined;
  }
  return undefined;
}

const roleIndex = new WeakMap<Stack, Map<string, iam.CfnRole>>();

function rolesByLogicalId(stack: Stack): Map<string, iam.CfnRole> {
  let index = roleIndex.get(stack);
  if (!index) {
    index = new Map(stack.node.findAll().filter((c): c is iam.CfnRole => c instanceof iam.CfnRole && Stack.of(c) === stack)
      .map((r) => [stack.resolve(r.logicalId) as string, r]));
    roleIndex.set(stack, index);
  }
  return index;
}

/**
 * A matcher for a resource element of an identity policy, before resolution: `*`; a token that
 * references the resource (`Ref`/`Fn::GetAtt` made by the CDK, in any stack: matched by the
 * referenced construct, never by logical ID, which another stack may reuse); a `Ref`/`Fn::GetAtt`
 * written as JSON in the resource's own stack (either `Fn::GetAtt` form); the ARN built from its
 * name; or an ARN pattern that covers its ARN when that is known text.
 */
function resourceMatcher(cfn: CfnResource, forms: string[]): (resource: unknown, policy: CfnResource) => boolean {
  const stack = Stack.of(cfn);
  const resolved = forms.map((f) => stack.resolve(f));
  const exact = new Set(resolved.map((r) => JSON.stringify(normalized(r))));
  // ARNs as text (the partition written out when the region is known), for hand-written ARNs and patterns.
  const literals = resolved.map((r) => renderForPeople(cfn, r)).filter((r): r is string => typeof r === 'string');
  return (resource, policy) => {
    if (resource === '*') {
      return true;
    }
    if (typeof resource === 'string' && Token.isUnresolved(resource)) {
      const tokens = Tokenization.reverseString(resource).tokens;
      if (tokens.some((t) => t instanceof Reference)) {
        return tokens.some((t) => t instanceof Reference && t.target === cfn);
      }
    }
    if (typeof resource === 'string' && !Token.isUnresolved(resource)) {
      return literals.some((l) => matchesArn(resource, l));
    }
    return Stack.of(policy) === stack && exact.has(JSON.stringify(normalized(stack.resolve(resource))));
  };
}

function matchesArn(pattern: string, arn: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
  return re.test(arn);
}

