import { Annotations, ArnFormat, CfnResource, Reference, RemovalPolicy, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, IConstruct } from 'constructs';
import { allowServiceOnKey, allowSnsDelivery, sourceArnCondition } from './policies';
import { renderForPeople } from './render';
import { DEAD_LETTER_RETENTION, QUEUE_NAME_MAX } from './validation';
import { WARNING } from './warnings';

/**
 * In-place adoption of hand-wired SNS FIFO topics, their SQS subscriptions and subscribed queues
 * (`SecureExistingFifo`). Hand-written: no library secures existing L1 resources in place.
 *
 * "In place" is judged by what CloudFormation does on UPDATE: only properties CloudFormation
 * updates without replacement are set (`KmsMasterKeyId`, `SqsManagedSseEnabled`, `RedrivePolicy`,
 * policy documents); no logical ID and no create-only property (resource schemas: Topic
 * `TopicName`/`FifoTopic`, Queue `QueueName`/`FifoQueue`, Subscription `Endpoint`/`Protocol`/`TopicArn`)
 * is touched, and statements go into the policy resource a queue or topic already has: a second
 * `AWS::SQS::QueuePolicy` for one queue would overwrite the first, and deleting either clears the
 * queue's policy.
 */
export interface AdoptionOptions {
  /** Where the aspect was added: only resources under it are changed. */
  readonly root: IConstruct;
  /** The key that replaces every other key, or undefined: one key per stack (`newKey`), existing CMKs kept. */
  readonly encryptionKey?: kms.IKey;
  /** Keys that encrypted a backlog: consumers this adoption grants get `kms:Decrypt` on them. */
  readonly retiredKeys: kms.IKey[];
  /** Whether a construct belongs to a construct of this library (left untouched). */
  readonly isLibraryConstruct: (c: IConstruct) => boolean;
  /** Creates the stack's key when no `encryptionKey` is given. */
  readonly newKey: (stack: Stack) => kms.IKey;
}

/** Resources already adopted (by any instance of the aspect): adopting twice changes nothing. */
const adopted = new WeakSet<CfnResource>();
const stackKeys = new WeakMap<Stack, kms.IKey>();

/** What SNS and SQS call KMS for: producers and publishers encrypt, consumers decrypt (see narrowKeyActions). */
const PRODUCER_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'];
const CONSUMER_KEY_ACTIONS = ['kms:Decrypt'];

const SEED_SOURCE = 'https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html';
const SQS_KEY_SOURCE = 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html';

interface AdoptedQueue {
  readonly cfn: sqs.CfnQueue;
  /** Topics (ARNs built from names) that deliver into this queue: as subscriber or subscription DLQ. */
  readonly topicArns: Map<string, string>;
  /** Whether this queue is a subscription endpoint (not only a DLQ). */
  subscribed: boolean;
  /** The key the queue is encrypted with after adoption, when this adoption set it. */
  newKey?: kms.IKey;
  /** The key it keeps (an existing CMK), when it is one of this app. */
  keptKey?: kms.IKey;
}

/** Runs the adoption once over every hand-wired FIFO topic under `options.root`. */
export function adoptExistingFifo(options: AdoptionOptions): void {
  const root = options.root;
  const inScope = (c: IConstruct) => c.node.path === root.node.path || c.node.scopes.includes(root);
  const all = root.node.root.node.findAll().filter(CfnResource.isCfnResource);
  const mine = all.filter((c) => inScope(c) && !options.isLibraryConstruct(c) && !adopted.has(c));

  const keyFor = (scope: IConstruct): kms.IKey => {
    if (options.encryptionKey) {
      return options.encryptionKey;
    }
    const stack = Stack.of(scope);
    const existing = stackKeys.get(stack);
    if (existing) {
      return existing;
    }
    const key = options.newKey(stack);
    stackKeys.set(stack, key);
    return key;
  };

  // 1. Topics: FIFO, hand-wired, in scope, with a name known at synth.
  const topics = new Map<sns.CfnTopic, { arn: string; ref: string; key?: kms.IKey }>();
  for (const topic of mine.filter((c): c is sns.CfnTopic => c instanceof sns.CfnTopic)) {
    const stack = Stack.of(topic);
    if (stack.resolve(topic.fifoTopic) !== true) {
      continue;
    }
    const name = stack.resolve(topic.topicName);
    if (typeof name !== 'string') {
      cannotSecure(topic, 'its TopicName is not known at synth, so the key policy cannot name it without referencing it (a Topic<->Key dependency cycle). Give the topic a name (renaming replaces it: do so only for a new topic), or add the key statements by hand');
      continue;
    }
    adopted.add(topic);
    // Retained like every stateful resource of this library: an in-place change (no replacement), and
    // what CloudFormation resource import and stack refactoring need to take the topic over later.
    topic.applyRemovalPolicy(RemovalPolicy.RETAIN);
    // The ARN from the name, never a Ref: the key the topic uses admits SNS by this ARN (aws-cdk#35418).
    const arn = stack.formatArn({ service: 'sns', resource: name, arnFormat: ArnFormat.NO_RESOURCE_NAME });
    const key = encryptWithCmk(topic, topic.kmsMasterKeyId, keyFor, options.encryptionKey, (k) => {
      topic.kmsMasterKeyId = k.keyArn;
      setL2(topic, 'masterKey', k);
    }, 'topic');
    topics.set(topic, { arn, ref: topic.ref, key });
    mergeIntoPolicy(topic, 'topic', [tlsStatement('sns:Publish', topic.ref)], all);
  }
  if (topics.size === 0) {
    return;
  }

  // 2. Subscriptions of those topics to SQS, their queues, subscription DLQs and consumer DLQs.
  const queues = new Map<sqs.CfnQueue, AdoptedQueue>();
  const queueEntry = (q: sqs.CfnQueue): AdoptedQueue => {
    const found = queues.get(q) ?? { cfn: q, topicArns: new Map<string, string>(), subscribed: false };
    queues.set(q, found);
    return found;
  };
  for (const sub of mine.filter((c): c is sns.CfnSubscription => c instanceof sns.CfnSubscription)) {
    const topic = targetOf(sub.topicArn);
    const info = topic instanceof sns.CfnTopic ? topics.get(topic) : undefined;
    if (!info || Stack.of(sub).resolve(sub.protocol) !== 'sqs') {
      continue;
    }
    adopted.add(sub);
    const queue = targetOf(sub.endpoint);
    if (!(queue instanceof sqs.CfnQueue) || !inScope(queue) || options.isLibraryConstruct(queue)) {
      cannotSecure(sub, 'its queue is not a hand-wired queue under the aspect\'s scope: encrypt it with a customer managed key whose policy admits SNS for this topic (aws:SourceArn), and let SNS send to it in its queue policy');
      continue;
    }
    const entry = queueEntry(queue);
    entry.subscribed = true;
    entry.topicArns.set(info.arn, info.ref);
    const redrive = Stack.of(sub).resolve(sub.redrivePolicy);
    if (redrive === undefined) {
      // SNS moves what it could not deliver only to a FIFO DLQ for a FIFO topic
      // (https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html).
      const dlq = newDeadLetterQueue(sub, 'DeadLetterQueue', deliveryDlqName(queue), true, keyFor(sub));
      sub.redrivePolicy = { deadLetterTargetArn: dlq.queueArn };
      allowSnsDelivery(dlq, info.arn);
      allowServiceOnKey(sub, keyFor(sub), 'sns.amazonaws.com', info.arn);
    } else {
      const dlq = targetOf(typeof redrive === 'object' ? (sub.redrivePolicy as any)?.deadLetterTargetArn : undefined);
      if (dlq instanceof sqs.CfnQueue && inScope(dlq) && !options.isLibraryConstruct(dlq)) {
        queueEntry(dlq).topicArns.set(info.arn, info.ref);
      }
    }
  }
  // Consumer DLQs of the subscribed queues are encrypted and locked down too.
  for (const entry of [...queues.values()].filter((e) => e.subscribed)) {
    const target = targetOf((entry.cfn.redrivePolicy as any)?.deadLetterTargetArn);
    if (target instanceof sqs.CfnQueue && inScope(target) && !options.isLibraryConstruct(target)) {
      queueEntry(target);
    } else if (entry.cfn.redrivePolicy === undefined && !isDeadLetterTarget(entry.cfn, all)) {
      const fifo = Stack.of(entry.cfn).resolve(entry.cfn.fifoQueue) === true;
      const dlq = newDeadLetterQueue(entry.cfn, 'DeadLetterQueue', consumerDlqName(entry.cfn, fifo), fifo, keyFor(entry.cfn));
      // The same maxReceiveCount SecureFifoQueue uses by default.
      entry.cfn.redrivePolicy = { deadLetterTargetArn: dlq.queueArn, maxReceiveCount: 5 };
    }
  }
  for (const entry of queues.values()) {
    const q = entry.cfn;
    adopted.add(q);
    q.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const stack = Stack.of(q);
    const key = encryptWithCmk(q, q.kmsMasterKeyId, keyFor, options.encryptionKey, (k) => {
      q.kmsMasterKeyId = k.keyArn;
      // SSE-KMS and SSE-SQS exclude each other; an unset SqsManagedSseEnabled means SSE-SQS.
      q.sqsManagedSseEnabled = false;
      setL2(q, 'encryptionMasterKey', k);
      setL2(q, 'encryptionType', sqs.QueueEncryption.KMS);
    }, 'queue');
    if (q.kmsMasterKeyId !== undefined && key === undefined) {
      entry.keptKey = keyOfApp(q.kmsMasterKeyId);
    } else {
      entry.newKey = key;
    }
    const statements = [tlsStatement('sqs:*', queueArnToken(q))];
    const equivalents: iam.PolicyStatement[] = [];
    for (const [topicArn, topicRef] of entry.topicArns) {
      const keyForSns = entry.newKey ?? entry.keptKey;
      if (keyForSns) {
        allowServiceOnKey(l2Of(q), keyForSns, 'sns.amazonaws.com', topicArn);
      } else {
        cannotSecure(q, `it keeps its key ${JSON.stringify(stack.resolve(q.kmsMasterKeyId))}, which is not a key of this app: add to its key policy an Allow for sns.amazonaws.com on kms:GenerateDataKey* and kms:Decrypt with aws:SourceArn = ${JSON.stringify(renderForPeople(q, stack.resolve(topicArn)) ?? topicArn)}`);
      }
      statements.push(new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [queueArnToken(q)],
        conditions: sourceArnCondition(topicArn),
      }));
      // aws-cdk-lib's SqsSubscription admits the topic by its Ref: that statement counts as held.
      equivalents.push(new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [queueArnToken(q)],
        conditions: sourceArnCondition(topicRef),
      }));
    }
    mergeIntoPolicy(q, 'queue', statements, all, equivalents);
  }

  // 3. Principals: every policy of the app in scope that could publish to an adopted topic or
  //    send, receive or delete on an adopted queue gets the KMS actions on the new key.
  const needs: KeyNeed[] = [];
  for (const [topic, info] of topics) {
    if (info.key) {
      needs.push({ matches: resourceMatcher(topic, [topic.ref, info.arn]), actions: (a) => (actionMatches(a, 'sns:Publish') ? PRODUCER_KEY_ACTIONS : undefined), key: info.key });
    }
  }
  for (const entry of queues.values()) {
    if (entry.newKey) {
      needs.push({ matches: resourceMatcher(entry.cfn, [queueArnToken(entry.cfn)]), actions: queueKeyActions, key: entry.newKey });
    }
  }
  const granted = new Set<string>();
  for (const policy of all.filter(inScope)) {
    for (const doc of policyDocumentsOf(policy)) {
      const wanted = keyActionsFor(policy, doc.document, needs);
      if (wanted.size === 0) {
        continue;
      }
      doc.add(keyStatements(wanted, options.retiredKeys));
      for (const role of rolesOf(policy)) {
        granted.add(role);
      }
    }
  }
  // Lambda event sources read with the function's role, which may hold only an AWS managed policy.
  for (const mapping of all.filter((c): c is lambda.CfnEventSourceMapping => c instanceof lambda.CfnEventSourceMapping && inScope(c))) {
    const queue = targetOf(mapping.eventSourceArn);
    const entry = queue instanceof sqs.CfnQueue ? queues.get(queue) : undefined;
    if (!entry?.newKey) {
      continue;
    }
    const fn = targetOf(mapping.functionName);
    const role = fn instanceof lambda.CfnFunction ? targetOf(fn.role) : undefined;
    if (!(role instanceof iam.CfnRole)) {
      cannotSecure(mapping, 'its function\'s role is not a role of this app: give it kms:Decrypt on the queue\'s new key before the deploy');
      continue;
    }
    if (granted.has(role.node.path)) {
      continue;
    }
    granted.add(role.node.path);
    const wanted = new Map<kms.IKey, Set<string>>([[entry.newKey, new Set(CONSUMER_KEY_ACTIONS)]]);
    const l2 = role.node.scope;
    if (l2 instanceof iam.Role) {
      for (const s of keyStatements(wanted, options.retiredKeys)) {
        l2.addToPrincipalPolicy(s);
      }
    } else {
      const doc = new iam.PolicyDocument({ statements: keyStatements(wanted, options.retiredKeys) });
      role.policies = [...(Array.isArray(role.policies) ? role.policies : []), { policyName: 'SecureExistingFifoKeys', policyDocument: doc }];
    }
  }
  // Principals named in the resource policies (imported roles, other accounts): they cannot be
  // changed from here; each gets a warning with the statement its owner must add.
  for (const entry of queues.values()) {
    if (entry.newKey) {
      warnForeignPrincipals(entry.cfn, entry.newKey, all, queueKeyActions);
    }
  }
  for (const [topic, info] of topics) {
    if (info.key) {
      warnForeignPrincipals(topic, info.key, all, (a) => (actionMatches(a, 'sns:Publish') ? PRODUCER_KEY_ACTIONS : undefined));
    }
  }
}

/**
 * Sets a customer managed key on a topic or queue unless it has one to keep. Returns the key when
 * it set one (the backlog stays as it was: warned), undefined when it kept the existing key.
 */
function encryptWithCmk(cfn: CfnResource, current: string | undefined, keyFor: (s: IConstruct) => kms.IKey,
  replacement: kms.IKey | undefined, set: (k: kms.IKey) => void, kind: 'topic' | 'queue'): kms.IKey | undefined {
  const stack = Stack.of(cfn);
  const resolved = stack.resolve(current);
  // AWS managed keys (`alias/aws/sqs`, `alias/aws/sns`), as an alias name or an ARN built by the CDK.
  const awsManaged = resolved !== undefined && /(^|[":/])alias\/aws\//.test(JSON.stringify(resolved));
  if (resolved !== undefined && !awsManaged) {
    if (!replacement || JSON.stringify(resolved) === JSON.stringify(stack.resolve(replacement.keyArn))) {
      return undefined;
    }
  }
  const key = keyFor(cfn);
  const before = resolved === undefined ? (kind === 'queue' && stack.resolve((cfn as sqs.CfnQueue).sqsManagedSseEnabled) === false ? 'unencrypted' : kind === 'queue' ? 'encrypted with SSE-SQS' : 'unencrypted')
    : awsManaged ? 'encrypted with an AWS managed key' : 'encrypted with another key';
  set(key);
  const backlog = kind === 'queue'
    ? `Messages already in the queue stay as they are (${before}); only messages sent after the deploy are encrypted with the new key. Keep any previous key enabled until the backlog is drained (${SQS_KEY_SOURCE}).`
    : `Only messages published after the deploy are encrypted (${SEED_SOURCE}); archived messages stay as they are.`;
  Annotations.of(l2Of(cfn)).addWarningV2(WARNING.backlogNotReencrypted, `SecureExistingFifo encrypts this ${kind} (${before} until now) with a customer managed key. ${backlog}`);
  const action = kind === 'queue' ? 'kms:Decrypt (consumers) or kms:GenerateDataKey and kms:Decrypt (producers)' : 'kms:GenerateDataKey and kms:Decrypt (publishers)';
  Annotations.of(l2Of(cfn)).addWarningV2(WARNING.externalConsumersNeedKey,
    `Principals outside this app that use this ${kind} need ${action} on the new key before the deploy, or their calls are denied: ` +
    `${keyStatementText(cfn, key, kind === 'queue' ? CONSUMER_KEY_ACTIONS : PRODUCER_KEY_ACTIONS)}.`);
  return key;
}

/** The L2 a user knows a resource by (its `defaultChild`), else the L1 itself: where warnings go. */
function l2Of(cfn: CfnResource): IConstruct {
  const scope = cfn.node.scope;
  return scope && scope.node.defaultChild === cfn ? scope : cfn;
}

/** Keeps the L2's view in step with its L1, so that grants made later include the key. */
function setL2(cfn: CfnResource, prop: string, value: unknown): void {
  const l2 = l2Of(cfn);
  if (l2 !== cfn && prop in l2) {
    Object.defineProperty(l2, prop, { value, writable: true, configurable: true, enumerable: true });
  }
}

function cannotSecure(cfn: CfnResource, reason: string): void {
  Annotations.of(l2Of(cfn)).addWarningV2(WARNING.notSecured, `SecureExistingFifo could not secure ${cfn.node.path}: ${reason}.`);
}

/** The resource a token stands for (a `Ref`/`Fn::GetAtt` made by the CDK), if any. */
function targetOf(value: unknown): IConstruct | undefined {
  if (typeof value !== 'string' || !Token.isUnresolved(value)) {
    return undefined;
  }
  const token = Tokenization.reverse(value);
  return token instanceof Reference ? token.target : undefined;
}

function queueArnToken(q: sqs.CfnQueue): string {
  return q.attrArn;
}

function isDeadLetterTarget(q: sqs.CfnQueue, all: CfnResource[]): boolean {
  return all.some((c) => (c instanceof sqs.CfnQueue || c instanceof sns.CfnSubscription)
    && targetOf((c.redrivePolicy as any)?.deadLetterTargetArn) === q);
}

function nameOf(q: sqs.CfnQueue): string | undefined {
  const name = Stack.of(q).resolve(q.queueName);
  return typeof name === 'string' ? name : undefined;
}

/** `<queue>-delivery-dlq.fifo` when the queue has a name and it fits, else a generated name. */
function deliveryDlqName(q: sqs.CfnQueue): string | undefined {
  const name = nameOf(q);
  const base = name?.replace(/\.fifo$/, '');
  const derived = base === undefined ? undefined : `${base}-delivery-dlq.fifo`;
  return derived !== undefined && derived.length <= QUEUE_NAME_MAX ? derived : undefined;
}

/** `<queue>-dlq(.fifo)` when the queue has a name and it fits, else a generated name. */
function consumerDlqName(q: sqs.CfnQueue, fifo: boolean): string | undefined {
  const name = nameOf(q);
  const derived = name === undefined ? undefined : fifo ? `${name.replace(/\.fifo$/, '')}-dlq.fifo` : `${name}-dlq`;
  return derived !== undefined && derived.length <= QUEUE_NAME_MAX ? derived : undefined;
}

/** A new DLQ: CMK-encrypted, TLS only, 14 days, retained. */
function newDeadLetterQueue(owner: CfnResource, id: string, queueName: string | undefined, fifo: boolean, key: kms.IKey): sqs.Queue {
  // A sibling of the resource's L2 (not a child: dependencies added to the L2 stay its own).
  const l2 = l2Of(owner);
  const dlq = new sqs.Queue(l2.node.scope as Construct, `${l2.node.id}${id}`, {
    queueName,
    fifo: fifo ? true : undefined,
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: key,
    retentionPeriod: DEAD_LETTER_RETENTION,
    enforceSSL: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  adopted.add(dlq.node.defaultChild as CfnResource);
  return dlq;
}

/** Denies every request that is not over TLS. */
function tlsStatement(action: string, resource: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: [action],
    resources: [resource],
    conditions: { Bool: { 'aws:SecureTransport': 'false' } },
  });
}

/**
 * Adds statements to the policy resource the topic or queue already has (any `AWS::SNS::TopicPolicy`
 * / `AWS::SQS::QueuePolicy` of its stack naming it), or to a new one when it has none. Statements the
 * policy already holds (same effect, principal, actions, condition) are not added twice.
 */
function mergeIntoPolicy(cfn: sns.CfnTopic | sqs.CfnQueue, kind: 'topic' | 'queue', statements: iam.PolicyStatement[], all: CfnResource[],
  equivalents: iam.PolicyStatement[] = []): void {
  const stack = Stack.of(cfn);
  const ref = JSON.stringify(stack.resolve(cfn.ref));
  const existing = all.find((c) => Stack.of(c) === stack && (kind === 'topic'
    ? c instanceof sns.CfnTopicPolicy && refsOf(stack.resolve(c.topics)).includes(ref)
    : c instanceof sqs.CfnQueuePolicy && refsOf(stack.resolve(c.queues)).includes(ref)));
  const doc = existing ? documentOf(existing as sns.CfnTopicPolicy | sqs.CfnQueuePolicy, 'policyDocument') : undefined;
  const held = doc ? statementsOf(stack.resolve(doc.document)) : [];
  const isHeld = (s: iam.PolicyStatement) => held.some((h) => sameGrant(h, stack.resolve(s.toStatementJson())));
  const fresh = statements.filter((s, i) => !isHeld(s) && !(kind === 'queue' && i > 0 && equivalents[i - 1] && isHeld(equivalents[i - 1])));
  if (fresh.length === 0) {
    return;
  }
  if (doc) {
    doc.add(fresh);
    return;
  }
  if (existing) {
    cannotSecure(cfn, `its ${kind} policy ${existing.node.path} is not a document this aspect can add to: add ${JSON.stringify(fresh.map((s) => renderForPeople(cfn, stack.resolve(s.toStatementJson()))))}`);
    return;
  }
  const l2 = l2Of(cfn);
  if (l2 instanceof sns.Topic || l2 instanceof sqs.Queue) {
    for (const s of fresh) {
      l2.addToResourcePolicy(s);
    }
    return;
  }
  const document = new iam.PolicyDocument({ statements: fresh });
  if (kind === 'topic') {
    new sns.CfnTopicPolicy(cfn.node.scope as Construct, `${cfn.node.id}Policy`, { topics: [cfn.ref], policyDocument: document });
  } else {
    new sqs.CfnQueuePolicy(cfn.node.scope as Construct, `${cfn.node.id}Policy`, { queues: [cfn.ref], policyDocument: document });
  }
}

function refsOf(resolved: unknown): string[] {
  return Array.isArray(resolved) ? resolved.map((r) => JSON.stringify(r)) : [];
}

function statementsOf(document: any): any[] {
  const s = document?.Statement;
  return Array.isArray(s) ? s : s ? [s] : [];
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

/** Whether two resolved statements grant or deny the same thing (resources aside). */
function sameGrant(a: any, b: any): boolean {
  const actions = (s: any) => JSON.stringify(asList(s.Action).sort());
  return a.Effect === b.Effect && JSON.stringify(a.Principal) === JSON.stringify(b.Principal)
    && actions(a) === actions(b) && JSON.stringify(a.Condition) === JSON.stringify(b.Condition)
    && JSON.stringify(asList(a.Resource)) === JSON.stringify(asList(b.Resource));
}

interface EditableDocument {
  readonly document: unknown;
  add(statements: iam.PolicyStatement[]): void;
}

/**
 * A policy document on an L1 property that statements can be added to: an `iam.PolicyDocument`
 * (L2s), or plain JSON (escape hatches, `CfnInclude`), rewritten with the statements appended.
 */
function documentOf(owner: any, prop: string): EditableDocument | undefined {
  const value = owner[prop];
  if (value instanceof iam.PolicyDocument) {
    return { document: value, add: (s) => value.addStatements(...s) };
  }
  if (value && typeof value === 'object' && !Token.isUnresolved(value) && !Array.isArray(value)) {
    return {
      document: value,
      add: (s) => {
        const current = owner[prop];
        owner[prop] = { ...current, Statement: [...statementsOf(current), ...s.map((x) => x.toStatementJson())] };
      },
    };
  }
  return undefined;
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

function rolesOf(c: CfnResource): string[] {
  if (c instanceof iam.CfnRole) {
    return [c.node.path];
  }
  if (c instanceof iam.CfnPolicy || c instanceof iam.CfnManagedPolicy) {
    return asList(c.roles).map((r) => targetOf(r)).filter((r): r is IConstruct => r !== undefined).map((r) => r.node.path);
  }
  return [];
}

/** Whether an IAM action pattern (`sqs:*`, `*`, `sqs:Receive*`) covers `action`. */
function actionMatches(pattern: string, action: string): boolean {
  if (typeof pattern !== 'string') {
    return false;
  }
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
  return re.test(action);
}

function queueKeyActions(action: string): string[] | undefined {
  if (['sqs:SendMessage', 'sqs:SendMessageBatch'].some((a) => actionMatches(action, a))) {
    return PRODUCER_KEY_ACTIONS;
  }
  if (['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:DeleteMessageBatch'].some((a) => actionMatches(action, a))) {
    return CONSUMER_KEY_ACTIONS;
  }
  return undefined;
}

/**
 * A matcher for a resource element of an identity policy, before resolution: `*`; a token that
 * references the resource (`Ref`/`Fn::GetAtt` made by the CDK, in any stack: matched by the
 * referenced construct, never by logical ID, which another stack may reuse); a `Ref`/`Fn::GetAtt`
 * written as JSON in the resource's own stack; the ARN built from its name; or an ARN pattern that
 * covers its ARN when that is known text.
 */
function resourceMatcher(cfn: CfnResource, forms: string[]): (resource: unknown, policy: CfnResource) => boolean {
  const stack = Stack.of(cfn);
  const resolved = forms.map((f) => stack.resolve(f));
  const exact = new Set(resolved.map((r) => JSON.stringify(r)));
  const literals = resolved.filter((r): r is string => typeof r === 'string');
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
      return literals.some((l) => actionMatches(resource, l));
    }
    return Stack.of(policy) === stack && exact.has(JSON.stringify(stack.resolve(resource)));
  };
}

/** What a principal holding an adopted resource needs on a key: which resources, which KMS actions for which action. */
interface KeyNeed {
  readonly matches: (resource: unknown, policy: CfnResource) => boolean;
  readonly actions: (action: string) => string[] | undefined;
  readonly key: kms.IKey;
}

function keyActionsFor(policy: CfnResource, document: unknown, needs: KeyNeed[]): Map<kms.IKey, Set<string>> {
  const wanted = new Map<kms.IKey, Set<string>>();
  // Unresolved, so that a reference is matched by its target (see resourceMatcher).
  const unresolved = document instanceof iam.PolicyDocument ? document.toJSON() : document;
  for (const s of statementsOf(unresolved)) {
    if ((s.Effect ?? 'Allow') !== 'Allow') {
      continue;
    }
    for (const need of needs) {
      if (!asList(s.Resource).some((r) => need.matches(r, policy))) {
        continue;
      }
      for (const action of asList(s.Action) as string[]) {
        for (const a of need.actions(action) ?? []) {
          const set = wanted.get(need.key) ?? new Set<string>();
          set.add(a);
          wanted.set(need.key, set);
        }
      }
    }
  }
  return wanted;
}

/** The KMS statements for the keys wanted, plus `kms:Decrypt` on retired keys (the backlog). */
function keyStatements(wanted: Map<kms.IKey, Set<string>>, retiredKeys: kms.IKey[]): iam.PolicyStatement[] {
  const statements = [...wanted].map(([key, actions]) => new iam.PolicyStatement({ actions: [...actions].sort(), resources: [key.keyArn] }));
  if (retiredKeys.length > 0) {
    statements.push(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: retiredKeys.map((k) => k.keyArn) }));
  }
  return statements;
}

function keyOfApp(keyId: string | undefined): kms.IKey | undefined {
  const target = targetOf(keyId);
  const l2 = target?.node.scope;
  return target instanceof kms.CfnKey && l2 instanceof kms.Key ? l2 : undefined;
}

/** Principals granted by resource policy (other accounts, imported roles): a warning with the statement to add. */
function warnForeignPrincipals(cfn: sns.CfnTopic | sqs.CfnQueue, key: kms.IKey, all: CfnResource[],
  actionsOf: (a: string) => string[] | undefined): void {
  const stack = Stack.of(cfn);
  const ref = JSON.stringify(stack.resolve(cfn.ref));
  for (const policy of all.filter((c) => Stack.of(c) === stack && ((c instanceof sqs.CfnQueuePolicy && refsOf(stack.resolve(c.queues)).includes(ref))
    || (c instanceof sns.CfnTopicPolicy && refsOf(stack.resolve(c.topics)).includes(ref))))) {
    const doc = stack.resolve((policy as any).policyDocument);
    for (const s of statementsOf(doc)) {
      const aws = s.Effect === 'Allow' ? asList(s.Principal?.AWS) : [];
      const actions = new Set(asList(s.Action).flatMap((a) => actionsOf(a as string) ?? []));
      if (aws.length === 0 || actions.size === 0) {
        continue;
      }

      Annotations.of(l2Of(cfn)).addWarningV2(WARNING.principalNeedsKey,
        `${JSON.stringify(renderForPeople(cfn, aws))} may use this ${cfn instanceof sqs.CfnQueue ? 'queue' : 'topic'} by its resource policy, but cannot be changed from this app: ` +
        `before the deploy, add to its identity policy ${keyStatementText(cfn, key, [...actions].sort())}, and, for another account, the same actions for it in the key policy.`);
    }
  }
}

/** The identity-policy statement a principal needs on a key, as text to paste (the key's ARN when known at synth). */
function keyStatementText(scope: IConstruct, key: kms.IKey, actions: string[]): string {
  const arn = renderForPeople(scope, Stack.of(scope).resolve(key.keyArn)) ?? `<the ARN of ${key.node.path}, known once deployed>`;
  return JSON.stringify({ Effect: 'Allow', Action: actions, Resource: arn });
}
