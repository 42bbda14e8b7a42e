/**
 * Day 1 -> day 2 of a hand-wired SNS FIFO stack (examples/hand-wired): day 1 deploys it unencrypted
 * and leaves messages waiting in its queues; day 2 deploys the same app secured by
 * `SecureExistingFifo` as a CloudFormation UPDATE of that stack. What must hold, checked on what
 * the target returns: nothing stateful replaced or deleted, the same ARNs and URLs, the backlog still
 * received, new messages flowing, `KmsMasterKeyId` set on the topic and every queue.
 * Used by local/brownfield-demo.ts (`npx projen demo`) and test/e2e/brownfield.test.ts.
 */
import { GetSubscriptionAttributesCommand, GetTopicAttributesCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { CfnTemplate, deployTemplate, DeployedResource, DeployReport } from './deploy';
import { MessagingTarget } from './emulator';
import { consume, Delivery, publishAll, Publication } from './messaging';
import { Checks, KNOWN_GAPS } from './promises';

/** Types whose replacement or deletion loses messages or subscriptions. */
export const STATEFUL_TYPES = ['AWS::SNS::Topic', 'AWS::SQS::Queue', 'AWS::SNS::Subscription', 'AWS::KMS::Key'];

/** Orders published on day 1 and left waiting; one message group per order. */
export function backlogOrders(): Publication[] {
  return ['ORD-1001', 'ORD-1002', 'ORD-1003'].map((order) => ({
    body: JSON.stringify({ order, placed: 'day 1' }),
    groupId: order,
    dedupId: `${order}-placed`,
  }));
}

/** Orders published on day 2, after the update. */
export function newOrders(): Publication[] {
  return ['ORD-2001', 'ORD-2002'].map((order) => ({
    body: JSON.stringify({ order, placed: 'day 2' }),
    groupId: order,
    dedupId: `${order}-placed`,
  }));
}

/** The hand-wired topic, its SQS subscriptions and the queues they deliver to. */
export interface HandWired {
  readonly topic: DeployedResource;
  readonly subscriptions: readonly DeployedResource[];
  readonly queues: readonly DeployedResource[];
}

/** Find the FIFO topic of a deployed hand-wired stack and what is subscribed to it. */
export function handWiredOf(report: DeployReport): HandWired {
  const resources = Object.values(report.resources);
  const topics = resources.filter((r) => r.type === 'AWS::SNS::Topic');
  if (topics.length !== 1) throw new Error(`expected one topic, found ${topics.length}`);
  const topic = topics[0];
  const subscriptions = resources.filter((r) => r.type === 'AWS::SNS::Subscription' && r.attributes.TopicArn === topic.arn && r.attributes.Protocol === 'sqs');
  const queues = subscriptions.map((s) => {
    const queue = resources.find((r) => r.type === 'AWS::SQS::Queue' && r.arn === s.attributes.Endpoint);
    if (!queue) throw new Error(`no queue for subscription ${s.logicalId}`);
    return queue;
  });
  return { topic, subscriptions, queues };
}

/** What day 1 and day 2 did, for printing. */
export interface BrownfieldOutcome {
  readonly day1: DeployReport;
  readonly day2: DeployReport;
  readonly before: HandWired;
  readonly after: HandWired;
  /** ApproximateNumberOfMessages of each subscribed queue, by name, just before the update. */
  readonly waiting: { readonly [queueName: string]: number };
  /** KmsMasterKeyId read back after the update, by topic or queue name ('' when unset). */
  readonly keys: { readonly [name: string]: string };
  /** What each subscribed queue's consumer received after the update, by queue name. */
  readonly received: { readonly [queueName: string]: readonly Delivery[] };
}


interface Statement {
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly Condition?: unknown;
}

/**
 * Play day 1 and day 2 on `target` and record every promise in `checks`. Throws only when a
 * deployment itself fails (the target refuses a create, or the update would replace a named resource).
 *
 * @param timeoutMs how long each consumer waits for the orders it expects
 */
export async function playBrownfield(
  target: MessagingTarget, day1Template: CfnTemplate, day2Template: CfnTemplate, stackName: string, checks: Checks, timeoutMs = 10_000,
): Promise<BrownfieldOutcome> {
  // Day 1: the hand-wired stack, unencrypted, with orders waiting for consumers that are not running.
  const day1 = await deployTemplate(day1Template, target, { stackName });
  checks.check(`day 1: the deployer understood every resource and property of ${stackName}`, day1.problems.length === 0,
    day1.problems.map((p) => `${p.logicalId}: ${p.message}`).join('; '));
  const before = handWiredOf(day1);
  const backlog = backlogOrders();
  const refused = await publishAll(target.sns, before.topic.arn, backlog);
  const waiting: { [queueName: string]: number } = {};
  for (const queue of before.queues) {
    const out = await target.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['ApproximateNumberOfMessages'] }));
    waiting[queue.name!] = Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
  }
  checks.check(`day 1: ${backlog.length} orders wait in each of the ${before.queues.length} subscribed queues, unconsumed`,
    refused.length === 0 && before.queues.length > 0 && Object.values(waiting).every((n) => n === backlog.length), JSON.stringify(waiting));

  // Day 2: the same app with SecureExistingFifo, deployed as an update of the same stack.
  const day2 = await deployTemplate(day2Template, target, { stackName, previous: { template: day1Template, report: day1 } });
  const update = day2.update!;
  checks.check('day 2: deployed as an update; the deployer understood every resource and property', day2.problems.length === 0,
    day2.problems.map((p) => `${p.logicalId}${p.property ? `.${p.property}` : ''}: ${p.message}`).join('; '));
  checks.check('day 2: no resource replaced (no create-only property changed)', update.replaced.length === 0,
    update.replaced.map((r) => `REPLACED ${r.logicalId} (${r.type}): ${r.properties.join(', ')} changed`).join('; '));
  const statefulDeleted = [
    ...update.deleted.filter((r) => STATEFUL_TYPES.includes(r.type)).map((r) => `DELETED ${r.logicalId} (${r.type})`),
    ...update.replaced.filter((r) => STATEFUL_TYPES.includes(r.type) && !r.oldKept).map((r) => `DELETED the replaced ${r.logicalId} (${r.oldPhysicalId})`),
  ];
  checks.check('day 2: nothing stateful deleted (topics, queues, subscriptions, keys; removed or replaced)', statefulDeleted.length === 0,
    statefulDeleted.join('; '));
  const moved = Object.values(day1.resources)
    .filter((r) => STATEFUL_TYPES.includes(r.type) && day2.resources[r.logicalId]?.physicalId !== r.physicalId);
  checks.check('day 2: the topic ARN, every queue URL and every subscription ARN are those of day 1', moved.length === 0,
    moved.map((r) => `${r.logicalId}: ${r.physicalId} -> ${day2.resources[r.logicalId]?.physicalId ?? 'gone'}`).join('; '));
  const after = handWiredOf(day2);

  const policyCount = (type: string, key: 'Queues' | 'Topics', id: string) => Object.values(day2.resources)
    .filter((r) => r.type === type && (JSON.parse(r.attributes[key] ?? '[]') as string[]).includes(id)).length;
  const doubled = [
    ...Object.values(day2.resources).filter((r) => r.type === 'AWS::SQS::Queue' && policyCount('AWS::SQS::QueuePolicy', 'Queues', r.physicalId) > 1),
    ...Object.values(day2.resources).filter((r) => r.type === 'AWS::SNS::Topic' && policyCount('AWS::SNS::TopicPolicy', 'Topics', r.physicalId) > 1),
  ];
  const day1Policies = Object.values(day1.resources).filter((r) => /Policy$/.test(r.type) && /^AWS::(SQS|SNS)::/.test(r.type));
  const policiesKept = day1Policies.every((p) => day2.resources[p.logicalId]?.physicalId === p.physicalId);
  checks.check('day 2: one policy resource per queue and per topic; day 1\'s policy resources rewritten in place, none added beside them',
    doubled.length === 0 && policiesKept, `more than one policy resource: ${doubled.map((r) => r.name).join(', ')}`);

  // KmsMasterKeyId, read back from the target.
  const keys: { [name: string]: string } = {};
  const topicAttributes = await target.sns.send(new GetTopicAttributesCommand({ TopicArn: after.topic.arn }));
  keys[after.topic.name!] = topicAttributes.Attributes?.KmsMasterKeyId ?? '';
  for (const queue of Object.values(day2.resources).filter((r) => r.type === 'AWS::SQS::Queue')) {
    const out = await target.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['KmsMasterKeyId'] }));
    keys[queue.name!] = out.Attributes?.KmsMasterKeyId ?? '';
  }
  const unencrypted = Object.entries(keys).filter(([, key]) => key === '').map(([name]) => name);
  checks.check(`day 2: KmsMasterKeyId is set on the topic and on all ${Object.keys(keys).length - 1} queues (GetTopicAttributes, GetQueueAttributes)`,
    unencrypted.length === 0, `no key on ${unencrypted.join(', ')}`);

  // The queue policies as stored (read back): TLS-only, and SNS admitted for this topic only.
  const unguarded: string[] = [];
  for (const queue of after.queues) {
    const out = await target.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['Policy'] }));
    const statements = (JSON.parse(out.Attributes?.Policy || '{}') as { Statement?: Statement[] }).Statement ?? [];
    const tlsOnly = statements.some((st) => st.Effect === 'Deny' && JSON.stringify(st.Condition ?? {}).includes('"aws:SecureTransport":"false"'));
    const snsAdmitted = statements.some((st) => st.Effect === 'Allow' && JSON.stringify(st.Principal ?? {}).includes('sns.amazonaws.com')
      && JSON.stringify(st.Condition ?? {}).includes(`"aws:SourceArn":"${after.topic.arn}"`));
    if (!tlsOnly || !snsAdmitted) unguarded.push(queue.name!);
  }
  checks.check('day 2: each subscribed queue\'s policy (read back) is TLS-only and admits SNS for this topic only, by aws:SourceArn',
    unguarded.length === 0, `missing on ${unguarded.join(', ')}`);

  const withoutDlq: string[] = [];
  for (const subscription of after.subscriptions) {
    const out = await target.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscription.arn }));
    const redrive = JSON.parse(out.Attributes?.RedrivePolicy || '{}') as { deadLetterTargetArn?: string };
    if (!Object.values(day2.resources).some((r) => r.type === 'AWS::SQS::Queue' && r.arn === redrive.deadLetterTargetArn)) withoutDlq.push(subscription.logicalId);
  }
  checks.check('day 2: every subscription has a dead-letter queue of the stack (GetSubscriptionAttributes)', withoutDlq.length === 0,
    `no DLQ: ${withoutDlq.join(', ')}`);

  // The backlog and the new orders, received by each queue's consumer.
  const fresh = newOrders();
  const refusedAfter = await publishAll(target.sns, after.topic.arn, fresh);
  checks.check(`day 2: the topic accepted ${fresh.length} new orders`, refusedAfter.length === 0);
  const received: { [queueName: string]: Delivery[] } = {};
  for (const queue of after.queues) {
    const expected = [...backlog, ...fresh].map((p) => p.body);
    const got = await consume(target.sqs, queue.url!, {
      until: (deliveries) => expected.every((body) => deliveries.some((d) => d.body === body)),
      timeoutMs,
    });
    received[queue.name!] = got.deliveries;
  }
  const has = (queue: string, publications: readonly Publication[]) => publications.every((p) => received[queue].some((d) => d.body === p.body));
  checks.check(`after the update: each queue's consumer still received the ${backlog.length} orders that waited since day 1`,
    Object.keys(received).every((q) => has(q, backlog)));
  checks.check(`after the update: the ${fresh.length} new orders flowed through the secured topic to every queue`,
    Object.keys(received).every((q) => has(q, fresh)));

  checks.notObservable('encryption: new messages are encrypted with the key; the day-1 backlog stays unencrypted', KNOWN_GAPS.encryptionAtRest,
    'KmsMasterKeyId was read back, and the consumers received every body');
  checks.notObservable('access: every publisher and consumer of the app can still use the topic and queues under the new key', KNOWN_GAPS.policiesNotEvaluated,
    'keys and IAM are not deployed, queue policies are stored; no policy is evaluated');
  return { day1, day2, before, after, waiting, keys, received };
}
