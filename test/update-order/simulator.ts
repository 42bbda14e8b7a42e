import { runSimulation } from '@cloud-copilot/iam-simulate';
import { AppVersion } from './app-version';
import { fakeUuid, ResolvedApp, ResolvedResource, ResourceAddress } from './resolved-app';
import { collectReferences } from '../../local/intrinsics';
import { Actor, allowAll, decryptingThroughSqs, iamActor, SNS_DELIVERING } from '../policy-callers';

type Json = any;

/*
 * The update-order simulator: what CloudFormation can pass through while it updates a deployed app
 * from one synthesized version ("before") to the next ("after"), and whether any principal that used
 * a queue or topic loses access to it at one of those moments.
 *
 * Hand-written: no library models CloudFormation's update order. The model:
 * - `cdk deploy --all` deploys stacks one after another, each after the stacks it depends on
 *   (https://docs.aws.amazon.com/cdk/v2/guide/ref-cli-cmd-deploy.html). A stack that the switching
 *   stack does not depend on may deploy after it, so it is taken in its before state (worst case).
 * - Inside a stack, CloudFormation updates a resource after every resource it references (Ref,
 *   Fn::GetAtt, Fn::Sub) or names in DependsOn, and updates resources with no such order between
 *   them in parallel (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html).
 *   So when a queue or topic switches its key, only what it depends on (transitively) is certainly
 *   updated; everything else of its stack is taken in its before state (the window), and then all of
 *   it in its after state (the end of the stack's update). Resources removed from a stack are deleted
 *   only in the cleanup phase, after every update, so they still exist in the window (and are taken
 *   as gone at the end of the stack's update, the worst case).
 * - Unordered resources are taken all-before or all-after, not every mix: a grant that is removed
 *   from one unordered policy while added to another is not seen.
 *
 * What a principal needs on the key, per use (each decided by @cloud-copilot/iam-simulate over the
 * key policy and the principal's identity policies at that moment):
 * - a consumer (sqs:ReceiveMessage, or a Lambda event source mapping's function role): kms:Decrypt,
 *   as SQS calls KMS with the consumer's credentials, kms:ViaService sqs.<region>.amazonaws.com;
 *   a sender (sqs:SendMessage): kms:GenerateDataKey and kms:Decrypt
 *   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html);
 * - a publisher (sns:Publish): kms:GenerateDataKey and kms:Decrypt on the topic's key, through SNS
 *   (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html);
 * - SNS delivering a subscription into a queue: kms:GenerateDataKey and kms:Decrypt on the queue's
 *   key, as the service principal with aws:SourceArn = the topic
 *   (https://docs.aws.amazon.com/sns/latest/dg/sns-enable-encryption-for-topic-sqs-queue-subscriptions.html);
 * - a principal of an account outside the app that the queue's or topic's policy admits: the same
 *   actions; that account's own identity policies are unknown, so it is taken to grant itself
 *   everything, and the key policy decides.
 * A key outside the app (an imported ARN) has a key policy the app cannot see: it is taken to
 * delegate to its account's IAM (the default key policy) and to admit SNS, so only identity
 * policies are checked for it. AWS managed keys (alias/aws/...) admit every principal of the
 * account that may use the queue or topic, and need no grant.
 *
 * Also checked, the retired-key horizon: a customer managed key a queue used before stays, after the
 * update, in the app and readable by each of the queue's consumers (messages in the queue stay
 * encrypted under the key they were sent with).
 */

/** A principal that uses a queue or topic. */
export interface Principal {
  /** A readable name: `<stack>/<logicalId>` of a role of the app, an ARN, or `SNS for <topic ARN>`. */
  readonly name: string;
  readonly arn: string;
  /** A role of the app: its identity policies are read at each moment. */
  readonly role?: ResourceAddress;
  /** SNS delivering for this topic. */
  readonly forTopic?: string;
  /** A principal of an account outside the app. */
  readonly foreign?: boolean;
}

export type Use = 'consumes' | 'sends to' | 'publishes to' | 'delivers to';

/** What a use of a queue or topic needs on its key. */
export const NEEDS: Record<Use, string[]> = {
  'consumes': ['kms:Decrypt'],
  'sends to': ['kms:GenerateDataKey', 'kms:Decrypt'],
  'publishes to': ['kms:GenerateDataKey', 'kms:Decrypt'],
  'delivers to': ['kms:GenerateDataKey', 'kms:Decrypt'],
};

/** A moment at which a principal is refused an action it needs. */
export interface Window {
  readonly kind: 'switch' | 'retired key';
  /** The queue or topic, `<stack>/<logicalId>`. */
  readonly resource: string;
  /** The key it switches to (switch), or the key it used before (retired key). */
  readonly key: string;
  readonly principal: string;
  readonly use: Use;
  readonly action: string;
  /** When: while the stack's unordered resources are not updated, at the end of the stack's update, or after the whole update. */
  readonly moment: 'window' | 'stack updated' | 'after';
}

/** A human-readable line for a window. */
export function describeWindow(w: Window): string {
  return `${w.kind}: ${w.principal} ${w.use} ${w.resource} but is refused ${w.action} on ${w.key} (${w.moment})`;
}

/** Which version of each resource exists at a moment. */
export type Phase = 'before' | 'after';
/** A moment of an update: which version of each resource exists then. */
export type MomentOf = (address: ResourceAddress) => Phase;

/** Simulates the update of an app from `before` to `after`; returns every window found. */
export async function simulateUpdate(beforeVersion: AppVersion, afterVersion: AppVersion): Promise<Window[]> {
  const before = new ResolvedApp(beforeVersion);
  const after = new ResolvedApp(afterVersion);
  const world = new Worlds(before, after);
  const windows: Window[] = [];
  const users = await usersOf(before);
  for (const resource of before.resources.filter(isMessaging)) {
    const was = encryptionOf(before, resource);
    const now = after.get(resource);
    if (!now) continue;
    const is = encryptionOf(after, now);
    if (is !== undefined && is !== was && !isAwsManaged(is)) {
      const stackDeps = dependencyClosureOfStack(afterVersion, resource.stack);
      const ordered = dependencyClosure(after, now);
      const momentWindow: MomentOf = (a) => (a.stack === resource.stack ? (ordered.has(a.logicalId) ? 'after' : 'before') : stackDeps.has(a.stack) ? 'after' : 'before');
      const momentStack: MomentOf = (a) => (a.stack === resource.stack || stackDeps.has(a.stack) ? 'after' : 'before');
      for (const [moment, at] of [['window', momentWindow], ['stack updated', momentStack]] as const) {
        for (const { principal, use } of users.get(name(resource)) ?? []) {
          for (const action of NEEDS[use]) {
            if (!(await world.allows(at, principal, action, is, resource))) {
              windows.push({ kind: 'switch', resource: name(resource), key: is, principal: principal.name, use, action, moment });
            }
          }
        }
      }
    }
    if (resource.type === 'AWS::SQS::Queue' && was !== undefined && !isAwsManaged(was) && is !== was) {
      for (const { principal, use } of (users.get(name(resource)) ?? []).filter((u) => u.use === 'consumes')) {
        if (!(await world.allows(() => 'after', principal, 'kms:Decrypt', was, resource))) {
          windows.push({ kind: 'retired key', resource: name(resource), key: was, principal: principal.name, use, action: 'kms:Decrypt', moment: 'after' });
        }
      }
    }
  }
  return dedupe(windows);
}

function dedupe(windows: Window[]): Window[] {
  const seen = new Set<string>();
  return windows.filter((w) => {
    const k = JSON.stringify(w);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function name(a: ResourceAddress): string {
  return `${a.stack}/${a.logicalId}`;
}

function isMessaging(r: ResolvedResource): boolean {
  return r.type === 'AWS::SQS::Queue' || r.type === 'AWS::SNS::Topic';
}

function isAwsManaged(key: string): boolean {
  return /^(arn:[^:]+:kms:[^:]*:[^:]*:)?alias\/aws\//.test(key);
}

/** The ARN of a queue or topic. */
export function arnOf(r: ResolvedResource): string {
  const fifo = r.properties?.FifoQueue || r.properties?.FifoTopic ? '.fifo' : '';
  const physicalName = r.properties?.QueueName ?? r.properties?.TopicName ?? `${r.stack}-${r.logicalId}${fifo}`;
  const service = r.type === 'AWS::SQS::Queue' ? 'sqs' : 'sns';
  return `arn:aws:${service}:${r.region}:${r.account}:${physicalName}`;
}

/** The customer managed key (its ARN) or AWS managed key (alias) a queue or topic encrypts with; undefined when none (unencrypted or SSE-SQS). */
export function encryptionOf(app: ResolvedApp, r: ResolvedResource): string | undefined {
  const id = r.properties?.KmsMasterKeyId;
  if (typeof id !== 'string') return undefined;
  return keyArnOf(app, id, r.account, r.region);
}

/** A key's ARN from what KmsMasterKeyId accepts: key ID, key ARN, alias name, alias ARN. */
function keyArnOf(app: ResolvedApp, id: string, account: string, region: string): string {
  const alias = id.match(/^(?:arn:[^:]+:kms:([^:]*):([^:]*):)?(alias\/.+)$/);
  if (alias) {
    if (alias[3].startsWith('alias/aws/')) return `arn:aws:kms:${alias[1] || region}:${alias[2] || account}:${alias[3]}`;
    const target = app.resources.find((r) => r.type === 'AWS::KMS::Alias' && r.properties?.AliasName === alias[3] && r.account === (alias[2] || account));
    if (target && typeof target.properties.TargetKeyId === 'string') return keyArnOf(app, target.properties.TargetKeyId, account, region);
    return `arn:aws:kms:${alias[1] || region}:${alias[2] || account}:${alias[3]}`;
  }
  if (id.startsWith('arn:')) return id;
  return `arn:aws:kms:${region}:${account}:key/${id}`;
}

/** The logical IDs a resource depends on, transitively, in its own stack (references and DependsOn). */
export function dependencyClosure(app: ResolvedApp, r: ResolvedResource): Set<string> {
  const template = app.stack(r.stack)!.template;
  const resources = template.Resources ?? {};
  const out = new Set<string>();
  const visit = (logicalId: string) => {
    const res = resources[logicalId];
    if (!res) return;
    const direct = [
      ...collectReferences(res.Properties ?? {}).map((ref) => ref.logicalId),
      ...[res.DependsOn ?? []].flat(),
    ];
    for (const d of direct) {
      if (d in resources && !out.has(d)) {
        out.add(d);
        visit(d);
      }
    }
  };
  visit(r.logicalId);
  out.add(r.logicalId);
  return out;
}

/** The stacks a stack depends on, transitively. */
export function dependencyClosureOfStack(version: AppVersion, stackName: string): Set<string> {
  const out = new Set<string>();
  const visit = (n: string) => {
    for (const d of version.stacks.find((s) => s.stackName === n)?.dependsOn ?? []) {
      if (!out.has(d)) {
        out.add(d);
        visit(d);
      }
    }
  };
  visit(stackName);
  return out;
}

/** Who used each queue and topic (by `<stack>/<logicalId>`) in an app version, and how. */
export async function usersOf(app: ResolvedApp): Promise<Map<string, Array<{ principal: Principal; use: Use }>>> {
  const world = new Worlds(app, app);
  const at: MomentOf = () => 'before';
  const out = new Map<string, Array<{ principal: Principal; use: Use }>>();
  const add = (r: ResolvedResource, principal: Principal, use: Use) => {
    const list = out.get(name(r)) ?? [];
    const same = (u: { principal: Principal; use: Use }) =>
      u.principal.arn === principal.arn && u.principal.forTopic === principal.forTopic && u.use === use;
    if (!list.some(same)) list.push({ principal, use });
    out.set(name(r), list);
  };
  const messaging = app.resources.filter(isMessaging);
  const appAccounts = new Set(app.version.stacks.map((s) => s.account));
  const candidates: Principal[] = app.resources.filter((r) => r.type === 'AWS::IAM::Role').map((r) => ({
    name: name(r), arn: `arn:aws:iam::${r.account}:role/${r.properties?.RoleName ?? `${r.stack}-${r.logicalId}`}`, role: r,
  }));
  // Principals of other accounts that a queue or topic policy admits.
  for (const policy of app.resources.filter((r) => r.type === 'AWS::SQS::QueuePolicy' || r.type === 'AWS::SNS::TopicPolicy')) {
    for (const statement of [policy.properties?.PolicyDocument?.Statement ?? []].flat()) {
      for (const p of [statement.Principal?.AWS ?? []].flat()) {
        const arn = typeof p === 'string' && /^\d{12}$/.test(p) ? `arn:aws:iam::${p}:root` : String(p);
        const account = arn.split(':')[4];
        if (statement.Effect === 'Allow' && account && !appAccounts.has(account) && !candidates.some((c) => c.arn === representative(arn))) {
          candidates.push({ name: representative(arn), arn: representative(arn), foreign: true });
        }
      }
    }
  }
  for (const r of messaging) {
    const arn = arnOf(r);
    const uses: Array<[string, Use]> = r.type === 'AWS::SQS::Queue' ? [['sqs:ReceiveMessage', 'consumes'], ['sqs:SendMessage', 'sends to']] : [['sns:Publish', 'publishes to']];
    for (const principal of candidates) {
      for (const [action, use] of uses) {
        if (await world.decide(at, principal, action, arn, world.resourcePolicy(at, r), {})) add(r, principal, use);
      }
    }
  }
  for (const s of app.resources.filter((r) => r.type === 'AWS::SNS::Subscription' && r.properties?.Protocol === 'sqs')) {
    const queue = messaging.find((q) => q.type === 'AWS::SQS::Queue' && arnOf(q) === s.properties.Endpoint);
    if (queue) add(queue, { name: `SNS for ${s.properties.TopicArn}`, arn: 'sns.amazonaws.com', forTopic: s.properties.TopicArn }, 'delivers to');
  }
  for (const m of app.resources.filter((r) => r.type === 'AWS::Lambda::EventSourceMapping')) {
    const queue = messaging.find((q) => q.type === 'AWS::SQS::Queue' && arnOf(q) === m.properties?.EventSourceArn);
    const fn = app.resources.find((f) => f.type === 'AWS::Lambda::Function' && (f.properties?.FunctionName ?? `${f.stack}-${f.logicalId}`) === String(m.properties?.FunctionName).split(':').pop());
    const role = candidates.find((c) => c.arn === fn?.properties?.Role);
    if (queue && role) add(queue, role, 'consumes');
  }
  return out;
}

/** The principal the simulation asks as for an account or a role of another account. */
function representative(arn: string): string {
  return arn.endsWith(':root') ? arn.replace(':root', ':role/PartnerRole') : arn;
}

/** The policies in force at a moment, and the decisions of the policy simulator over them. */
export class Worlds {
  constructor(public readonly before: ResolvedApp, public readonly after: ResolvedApp) {}

  /** Whether `principal` may do `action` on `keyArn` when it uses `resource`, at a moment. */
  public async allows(at: MomentOf, principal: Principal, action: string, keyArn: string, resource: ResolvedResource): Promise<boolean> {
    if (isAwsManaged(keyArn)) return true;
    const key = this.keyResource(at, keyArn);
    let keyPolicy: Json;
    if (key === 'absent') {
      return false;
    } else if (key === 'external') {
      const account = keyArn.split(':')[4];
      if (principal.forTopic) return true;
      keyPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }] };
    } else {
      keyPolicy = key.properties?.KeyPolicy;
    }
    const service = resource.type === 'AWS::SQS::Queue' ? 'sqs' : 'sns';
    const context: Record<string, string> = principal.forTopic
      ? { 'aws:SourceArn': principal.forTopic, 'aws:SourceAccount': principal.forTopic.split(':')[4] }
      : { 'kms:ViaService': `${service}.${resource.region}.amazonaws.com` };
    return this.decide(at, principal, action, keyArn, keyPolicy, context);
  }

  /** One decision of the policy simulator. */
  public async decide(
    at: MomentOf, principal: Principal, action: string, resourceArn: string, resourcePolicy: Json, extra: Record<string, string>,
  ): Promise<boolean> {
    const actor = this.actor(at, principal, action.startsWith('kms:'));
    if (!actor) return false;
    const result = await runSimulation({
      request: {
        principal: actor.principal,
        action,
        resource: { resource: resourceArn, accountId: resourceArn.split(':')[4] },
        contextVariables: { ...actor.context, 'aws:SecureTransport': 'true', ...extra },
      },
      identityPolicies: actor.identityPolicies.map((policy, i) => ({ name: `identity-${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: resourcePolicy ?? undefined,
    }, {});
    if (result.resultType !== 'single') throw new Error(`simulation did not run: ${JSON.stringify(result).slice(0, 500)}`);
    return result.overallResult === 'Allowed';
  }

  /** The queue or topic policy of a resource at a moment (the last policy resource naming it, as CloudFormation keeps one). */
  public resourcePolicy(at: MomentOf, r: ResolvedResource): Json | undefined {
    const arn = arnOf(r);
    const url = `https://sqs.${r.region}.amazonaws.com/${r.account}/${arn.split(':')[5]}`;
    const policies = this.present(at).filter((p) =>
      (p.type === 'AWS::SQS::QueuePolicy' && [p.properties?.Queues ?? []].flat().includes(url))
      || (p.type === 'AWS::SNS::TopicPolicy' && [p.properties?.Topics ?? []].flat().includes(arn)));
    return policies.length ? policies[policies.length - 1].properties.PolicyDocument : undefined;
  }

  private actor(at: MomentOf, principal: Principal, throughService: boolean): Actor | undefined {
    if (principal.forTopic) return SNS_DELIVERING;
    if (principal.foreign) return withService(iamActor(principal.arn, [allowAll('*')]), throughService);
    const role = this.version(at, principal.role!);
    if (!role) return undefined;
    return withService(iamActor(principal.arn, this.identityPolicies(at, role)), throughService);
  }

  /** A role's inline policies, the AWS::IAM::Policy resources naming it and the managed policies attached to it. */
  private identityPolicies(at: MomentOf, role: ResolvedResource): Json[] {
    const roleName = role.properties?.RoleName ?? `${role.stack}-${role.logicalId}`;
    const managed: string[] = role.properties?.ManagedPolicyArns ?? [];
    const present = this.present(at);
    return [
      ...(role.properties?.Policies ?? []).map((p: Json) => p.PolicyDocument),
      ...present.filter((p) => p.type === 'AWS::IAM::Policy' && (p.properties?.Roles ?? []).includes(roleName)).map((p) => p.properties.PolicyDocument),
      ...present.filter((p) => p.type === 'AWS::IAM::ManagedPolicy'
        && ((p.properties?.Roles ?? []).includes(roleName) || managed.includes(`arn:aws:iam::${p.account}:policy/${p.properties?.ManagedPolicyName ?? `${p.stack}-${p.logicalId}`}`)))
        .map((p) => p.properties.PolicyDocument),
    ].filter((d) => d !== undefined);
  }

  private keyResource(at: MomentOf, keyArn: string): ResolvedResource | 'absent' | 'external' {
    const inApp = (app: ResolvedApp) => app.resources.find((r) => r.type === 'AWS::KMS::Key'
      && `arn:aws:kms:${r.region}:${r.account}:key/${keyIdOf(app, r)}` === keyArn);
    const declared = inApp(this.after) ?? inApp(this.before);
    if (!declared) return 'external';
    return this.version(at, declared) ?? 'absent';
  }

  /** A resource as it is at a moment, or undefined when it does not exist then. */
  public version(at: MomentOf, a: ResourceAddress): ResolvedResource | undefined {
    return at(a) === 'after' ? this.after.get(a) : this.before.get(a);
  }

  /** Every resource of the app as it is at a moment. */
  private present(at: MomentOf): ResolvedResource[] {
    const out: ResolvedResource[] = [];
    for (const r of this.after.resources) {
      const v = this.version(at, r);
      if (v) out.push(v);
    }
    for (const r of this.before.resources) {
      if (!this.after.get(r) && at(r) === 'before') out.push(r);
    }
    return out;
  }
}

/** The same made-up key ID the resolver gives `Ref` of the key. */
function keyIdOf(app: ResolvedApp, r: ResolvedResource): string {
  const stack = app.stack(r.stack)!;
  return fakeUuid(`${stack.account}/${stack.region}/${stack.stackName}/${r.logicalId}`);
}

/**
 * The request context of a call SQS or SNS makes to KMS with the caller's credentials (forward
 * access sessions; see decryptingThroughSqs in policy-callers.ts for the sources). Its
 * kms:ViaService is set per call (the service of the queue or topic, and its region).
 */
function withService(actor: Actor, throughService: boolean): Actor {
  return throughService ? decryptingThroughSqs(actor, 'region-set-per-call') : actor;
}
