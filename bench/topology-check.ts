import type { TopologyCounts } from './result-types';
import { TOPIC_NAME } from './topologies';
import { firstReferenced } from '../local/intrinsics';

/**
 * Checks that a template holds the bench topology: 1 FIFO topic and 2N FIFO queues, all encrypted
 * with a customer managed key of the template whose rotation is on and whose policy admits SNS;
 * N queues each redriving to its own FIFO DLQ; N SQS subscriptions of the topic, one per queue;
 * a TLS-only (Deny aws:SecureTransport false) policy on the topic and on every queue.
 * Returns the problems found (none means the topology holds).
 */
export function verifyTopology(analysis: { template: any; topology: TopologyCounts }, n: number): string[] {
  const problems: string[] = [];
  const resources: Record<string, any> = analysis.template.Resources ?? {};
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const keys = new Set(ofType('AWS::KMS::Key').map(([id]) => id));
  const t = analysis.topology;
  if (t.topics !== 1) problems.push(`${t.topics} topics, expected 1`);
  if (t.queues !== 2 * n) problems.push(`${t.queues} queues, expected ${2 * n}`);
  if (t.subscriptions !== n) problems.push(`${t.subscriptions} subscriptions, expected ${n}`);
  if (t.deadLetterQueues !== n) problems.push(`${t.deadLetterQueues} queues with a redrive policy, expected ${n}`);

  for (const [id, key] of ofType('AWS::KMS::Key')) {
    if (key.Properties?.EnableKeyRotation !== true) problems.push(`key ${id}: rotation is not on`);
  }
  const snsKeys = new Set([...keys].filter((id) => JSON.stringify(resources[id].Properties?.KeyPolicy ?? {}).includes('sns.amazonaws.com')));

  const topics = ofType('AWS::SNS::Topic');
  const topicIds = new Set(topics.map(([id]) => id));
  for (const [id, topic] of topics) {
    if (topic.Properties?.FifoTopic !== true) problems.push(`topic ${id} is not FIFO`);
    if (!firstReferenced(topic.Properties?.KmsMasterKeyId, keys)) problems.push(`topic ${id} is not encrypted with a customer managed key of the stack`);
  }
  const queues = ofType('AWS::SQS::Queue');
  const queueIds = new Set(queues.map(([id]) => id));
  const dlqTargets = new Set<string>();
  for (const [id, queue] of queues) {
    if (queue.Properties?.FifoQueue !== true) problems.push(`queue ${id} is not FIFO`);
    const key = firstReferenced(queue.Properties?.KmsMasterKeyId, keys);
    if (!key) problems.push(`queue ${id} is not encrypted with a customer managed key of the stack`);
    else if (!snsKeys.has(key)) problems.push(`queue ${id}: the policy of its key ${key} does not admit sns.amazonaws.com`);
    const target = queue.Properties?.RedrivePolicy?.deadLetterTargetArn;
    if (target !== undefined) {
      const dlq = firstReferenced(target, queueIds);
      if (!dlq || dlq === id) problems.push(`queue ${id} does not redrive to another queue of the stack`);
      else dlqTargets.add(dlq);
    }
  }
  if (dlqTargets.size !== n) problems.push(`${dlqTargets.size} distinct dead-letter queues, expected ${n}`);

  const endpoints = new Set<string>();
  for (const [id, sub] of ofType('AWS::SNS::Subscription')) {
    const p = sub.Properties ?? {};
    if (p.Protocol !== 'sqs') problems.push(`subscription ${id} has protocol ${p.Protocol}`);
    const topicArn = JSON.stringify(p.TopicArn ?? null);
    if (!firstReferenced(p.TopicArn, topicIds) && !topicArn.includes(`${TOPIC_NAME}.fifo`)) problems.push(`subscription ${id} is not on the topic`);
    const queue = firstReferenced(p.Endpoint, queueIds);
    if (!queue || dlqTargets.has(queue)) problems.push(`subscription ${id} does not deliver to a subscriber queue`);
    else endpoints.add(queue);
  }
  if (endpoints.size !== n) problems.push(`${endpoints.size} distinct subscribed queues, expected ${n}`);

  const tlsOnly = (policy: any) => (policy?.Statement ?? []).some((s: any) =>
    s.Effect === 'Deny' && String(s.Condition?.Bool?.['aws:SecureTransport']) === 'false');
  const covered = (policyType: string, listProp: string, targets: Set<string>) => {
    const ok = new Set<string>();
    for (const [, p] of ofType(policyType)) {
      if (tlsOnly(p.Properties?.PolicyDocument)) {
        for (const target of p.Properties?.[listProp] ?? []) {
          const id = firstReferenced(target, targets);
          if (id) ok.add(id);
        }
      }
    }
    return ok;
  };
  const tlsQueues = covered('AWS::SQS::QueuePolicy', 'Queues', queueIds);
  for (const id of queueIds) if (!tlsQueues.has(id)) problems.push(`queue ${id} has no TLS-only policy`);
  const tlsTopics = covered('AWS::SNS::TopicPolicy', 'Topics', topicIds);
  for (const id of topicIds) if (!tlsTopics.has(id)) problems.push(`topic ${id} has no TLS-only policy`);
  return problems;
}
