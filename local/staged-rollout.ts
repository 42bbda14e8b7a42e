/**
 * Day 1 -> `PREPARE` -> `ENCRYPT` of a hand-wired app of several stacks (examples/hand-wired-two-stack),
 * deployed stage by stage into an SNS/SQS target as CloudFormation would: every stack of a stage in
 * the app's deploy order (`cdk deploy --all` follows stack dependencies), each as an UPDATE of its
 * previous stage, `Fn::ImportValue` read from the exports of the stacks deployed before it. A
 * publisher publishes before and after every stack deployment while a consumer polls the subscribed
 * queue the whole time; it counts failed receives and messages moved to a dead-letter queue.
 *
 * What the target enforces decides what this shows. The embedded emulator (fauxqs) evaluates no key
 * policy or IAM policy and calls no KMS (`KNOWN_GAPS`): on it, this run shows that the rollout's
 * updates keep every resource and deliver every message while deploying, not that access is kept.
 * Access at every moment is proven by test/update-order (the update-order simulator and the
 * iam-simulate evaluation of every intermediate state).
 * Used by local/staged-rollout-demo.ts (`npx projen demo`) and test/e2e/staged-rollout.test.ts.
 */
import { GetTopicAttributesCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, GetQueueUrlCommand, DeleteMessageBatchCommand } from '@aws-sdk/client-sqs';
import { STATEFUL_TYPES } from './brownfield';
import { CfnTemplate, deployTemplate, DeployReport } from './deploy';
import { MessagingTarget } from './emulator';
import { Delivery, publish, receive } from './messaging';
import { Checks, KNOWN_GAPS } from './promises';

/** One stage of the rollout: each stack's template, in the app's deploy order. */
export interface RolloutStage {
  readonly name: string;
  readonly stacks: ReadonlyArray<{ readonly stackName: string; readonly template: CfnTemplate }>;
}

/** What the rollout did, for printing. */
export interface RolloutOutcome {
  /** Per stage, per stack: what its update changed (`undefined` for day 1's creates). */
  readonly updates: ReadonlyArray<{ readonly stage: string; readonly stackName: string; readonly report: DeployReport }>;
  readonly published: number;
  /** Distinct bodies the consumer received and deleted. */
  readonly received: number;
  readonly receiveCalls: number;
  /** ReceiveMessage or DeleteMessage calls the target refused. */
  readonly failedReceives: number;
  /** Published messages not received before the next stack deployment started. */
  readonly lateReceipts: number;
  /** Messages in the app's dead-letter queues at the end (visible and in flight). */
  readonly movedToDlq: number;
  /** KmsMasterKeyId of the topic and the queue after each stage ('' when unset). */
  readonly keys: ReadonlyArray<{ readonly stage: string; readonly topic: string; readonly queue: string }>;
}

/**
 * Play `stages` on `target` and record every promise in `checks`. Throws only when a deployment
 * itself fails.
 *
 * @param timeoutMs how long the consumer keeps polling for the last messages after the last stage
 */
export async function playStagedRollout(
  target: MessagingTarget, stages: readonly RolloutStage[], checks: Checks, timeoutMs = 10_000,
): Promise<RolloutOutcome> {
  const deployed = new Map<string, { template: CfnTemplate; report: DeployReport }>();
  const updates: Array<{ stage: string; stackName: string; report: DeployReport }> = [];

  const deployStage = async (stage: RolloutStage, between: () => Promise<void>) => {
    for (const { stackName, template } of stage.stacks) {
      const imports = Object.assign({}, ...[...deployed.values()].map((d) => d.report.exports));
      const previous = deployed.get(stackName);
      const report = await deployTemplate(template, target, { stackName, previous, imports });
      deployed.set(stackName, { template, report });
      updates.push({ stage: stage.name, stackName, report });
      await between();
    }
  };

  // Day 1, created before anyone publishes.
  await deployStage(stages[0], async () => undefined);
  const all = () => Object.values(Object.fromEntries([...deployed.values()].flatMap((d) => Object.entries(d.report.resources))));
  const subscription = all().find((r) => r.type === 'AWS::SNS::Subscription' && r.attributes.Protocol === 'sqs');
  if (!subscription) throw new Error('day 1 has no SQS subscription');
  const topicArn = subscription.attributes.TopicArn;
  const queueUrl = (await target.sqs.send(new GetQueueUrlCommand({ QueueName: subscription.attributes.Endpoint.split(':').pop()! }))).QueueUrl!;

  // The consumer: polls and deletes from the first publish until every published body is received.
  const published: string[] = [];
  const receivedBodies = new Set<string>();
  let failedReceives = 0;
  let receiveCalls = 0;
  let stop = false;
  const failures: string[] = [];
  const consumer = (async () => {
    while (!stop) {
      let batch: Delivery[] = [];
      try {
        receiveCalls++;
        batch = await receive(target.sqs, queueUrl, 0);
        if (batch.length > 0) {
          await target.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((d, i) => ({ Id: `d${i}`, ReceiptHandle: d.receiptHandle })) }));
        }
      } catch (err) {
        failedReceives++;
        failures.push(String(err));
      }
      for (const d of batch) receivedBodies.add(d.body);
      if (batch.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();

  let sequence = 0;
  const refusals: string[] = [];
  const publishOne = async () => {
    const body = JSON.stringify({ shipment: `SHP-${++sequence}` });
    const refusal = await publish(target.sns, topicArn, { body, groupId: `g${sequence % 3}`, dedupId: `shipment-${sequence}` });
    if (refusal) refusals.push(`${refusal.code}: ${refusal.message}`);
    else published.push(body);
  };

  // Each message is received before the next stack deployment starts: consumption goes on between
  // every two updates, not only at the end.
  const lateReceipts: string[] = [];
  const publishAndAwait = async () => {
    await publishOne();
    const body = published[published.length - 1];
    const until = Date.now() + timeoutMs;
    while (body !== undefined && !receivedBodies.has(body) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    if (body !== undefined && !receivedBodies.has(body)) lateReceipts.push(body);
  };

  const keys: Array<{ stage: string; topic: string; queue: string }> = [];
  const readKeys = async (stage: string) => {
    const topic = (await target.sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }))).Attributes?.KmsMasterKeyId ?? '';
    const queue = (await target.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['KmsMasterKeyId'] }))).Attributes?.KmsMasterKeyId ?? '';
    keys.push({ stage, topic, queue });
  };

  await publishAndAwait();
  await readKeys(stages[0].name);
  for (const stage of stages.slice(1)) {
    await deployStage(stage, publishAndAwait);
    await readKeys(stage.name);
  }

  const deadline = Date.now() + timeoutMs;
  while (published.some((b) => !receivedBodies.has(b)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  stop = true;
  await consumer;

  // Dead-letter queues: every queue a RedrivePolicy (of a queue or a subscription) names.
  const dlqArns = new Set(all().flatMap((r) => {
    const redrive = r.attributes.RedrivePolicy;
    return redrive ? [String((JSON.parse(redrive) as { deadLetterTargetArn?: string }).deadLetterTargetArn)] : [];
  }));
  let movedToDlq = 0;
  for (const dlq of all().filter((r) => r.type === 'AWS::SQS::Queue' && dlqArns.has(r.arn))) {
    const out = await target.sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    movedToDlq += Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  }

  // Lambda functions and their mappings are not emulated (the consumer above stands in for them).
  const problems = updates.flatMap((u) => u.report.problems.filter((p) => /^AWS::(SNS|SQS)::/.test(p.type)).map((p) => `${u.stage} ${u.stackName} ${p.logicalId}: ${p.message}`));
  checks.check('every stage: the deployer understood every SNS and SQS resource and property of every stack', problems.length === 0, problems.join('; '));
  const lost = updates.flatMap((u) => [
    ...(u.report.update?.replaced ?? []).map((r) => `${u.stage} ${u.stackName}: REPLACED ${r.logicalId}`),
    ...(u.report.update?.deleted ?? []).filter((r) => STATEFUL_TYPES.includes(r.type)).map((r) => `${u.stage} ${u.stackName}: DELETED ${r.logicalId}`),
  ]);
  checks.check('every update: no topic, queue, subscription or key replaced or deleted', lost.length === 0, lost.join('; '));
  checks.check(`the topic accepted all ${sequence} publishes, before and after every stack deployment`, refusals.length === 0, refusals.join('; '));
  checks.check(`the consumer polled throughout (${receiveCalls} receives) and no receive or delete was refused`, failedReceives === 0, failures.join('; '));
  checks.check(`every one of the ${published.length} published messages was received before the next stack deployment started`,
    published.every((b) => receivedBodies.has(b)) && lateReceipts.length === 0, `late or missing: ${[...lateReceipts, ...published.filter((b) => !receivedBodies.has(b))].join(', ')}`);
  checks.check('no message moved to a dead-letter queue', movedToDlq === 0, `${movedToDlq} in dead-letter queues`);
  const prepare = keys.find((k) => k.stage === stages[1]?.name);
  checks.check(`${stages[1]?.name ?? 'PREPARE'}: the topic and the queue keep their day-1 encryption (no KmsMasterKeyId)`,
    prepare !== undefined && prepare.topic === '' && prepare.queue === '', JSON.stringify(prepare));
  const last = keys[keys.length - 1];
  checks.check(`${stages[stages.length - 1].name}: KmsMasterKeyId is set on the topic and the queue`, last.topic !== '' && last.queue !== '', JSON.stringify(last));
  checks.notObservable('access: no publisher or consumer was refused by KMS at any moment', KNOWN_GAPS.policiesNotEvaluated,
    'the emulator calls no KMS and evaluates no policy: see test/update-order for the proof of access at every moment');
  return {
    updates,
    published: published.length,
    received: receivedBodies.size,
    receiveCalls,
    failedReceives,
    lateReceipts: lateReceipts.length,
    movedToDlq,
    keys,
  };
}
