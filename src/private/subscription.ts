import { Annotations, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, IDependable } from 'constructs';
import { acknowledgeSubscriptionDeadLetterQueue } from './compliance';
import { topicPolicyArn } from './names';
import { admitSnsOnPendingKeys, pendingKeysOf } from './pending-keys';
import { allowServiceOnKey, allowSnsDelivery, checkCmkQueue, checkSameEnvironment, snsDeliveryStatementText } from './policies';
import { arnForPeople } from './render';
import { keepSnsOnRetiredKeys, retiredKeysOf } from './retired-keys';
import { markBuiltByLibrary } from './rules';
import { checkFilterPolicyLimits, checkIdFree, DEAD_LETTER_RETENTION, FIFO_SUBSCRIPTIONS_PER_TOPIC, Problems } from './validation';
import { WARNING } from './warnings';
import { ValidationErrorCode } from '../errors';
import type { ISecureFifoQueue } from '../interfaces';
import type { SubscribeQueueOptions } from '../options';

const subscriptionCounts = new WeakMap<sns.ITopic, number>();

/**
 * Subscribes a queue to a topic: checks it can work, admits the topic (only) in the queue and DLQ
 * policies and keys, and creates the subscription, with a redrive policy, in `scope`: the
 * subscriber's scope, so a subscriber in another stack (or account) makes that stack depend on the
 * topic's, never the reverse, as aws-cdk's `SqsSubscription` does. Written here because
 * `SqsSubscription` cannot reuse the queue's DLQ as the subscription DLQ nor merge SNS statements.
 */
export function subscribeFifoQueue(
  topic: sns.ITopic,
  scope: Construct,
  id: string,
  queue: sqs.IQueue,
  options: SubscribeQueueOptions,
  newKey: (scope: Construct, id: string) => kms.IKey,
): sns.Subscription {
  const problems = new Problems();
  checkIdFree(problems, scope, id, `${id}DeadLetterQueue`, `${id}DeadLetterQueueKey`);
  const queueKnown = checkCmkQueue(problems, 'queue', queue, false);
  checkSameRegion(problems, topic, scope);
  // A standard queue's own DLQ is standard: SNS needs a FIFO one for a FIFO topic's subscription.
  const own = queue.fifo ? ownDeadLetterQueue(queue) : undefined;
  if (options.deadLetterQueue) {
    checkCmkQueue(problems, 'deadLetterQueue', options.deadLetterQueue, true);
    checkSameEnvironment(problems, 'deadLetterQueue', options.deadLetterQueue, scope);
  } else if (own) {
    checkCmkQueue(problems, `deadLetterQueue (the DLQ of ${queue.node.path})`, own, true);
    checkSameEnvironment(problems, `deadLetterQueue (the DLQ of ${queue.node.path})`, own, scope);
  }
  checkFilters(problems, options);
  problems.throwIfAny(scope, `subscribeQueue("${id}")`);

  const topicArn = topicPolicyArn(topic);
  const topicText = arnForPeople(scope, topicArn, topic);
  if (!queueKnown) {
    Annotations.of(scope).addWarningV2(
      WARNING.unknownQueueEncryption,
      `subscribeQueue("${id}"): the encryption of ${queue.node.path} cannot be read here. It must be a FIFO queue encrypted with a customer managed key whose policy lets sns.amazonaws.com use kms:GenerateDataKey* and kms:Decrypt with aws:SourceArn ${topicText}.`,
    );
  }

  const deadLetterQueue = options.deadLetterQueue ?? own ?? newDeadLetterQueue(scope, id, queue, queue.encryptionMasterKey ?? newKey(scope, `${id}DeadLetterQueueKey`));
  const dependencies: IDependable[] = [];
  for (const target of [queue, deadLetterQueue]) {
    const result = allowSnsDelivery(target, topicArn);
    if (result.policyDependable) {
      dependencies.push(result.policyDependable);
    }
    if (!result.statementAdded) {
      Annotations.of(scope).addWarningV2(
        WARNING.importedQueuePolicy,
        `subscribeQueue("${id}"): the policy of ${target.node.path} cannot be changed by this stack, so SNS cannot deliver to it. Add this statement to its queue policy: ${snsDeliveryStatementText(scope, target, topicArn)}`,
      );
    }
    if (target.encryptionMasterKey) {
      allowServiceOnKey(scope, target.encryptionMasterKey, 'sns.amazonaws.com', topicArn);
    }
    // A key the queue retired keeps the statement it had while it encrypted the queue.
    keepSnsOnRetiredKeys(scope, retiredKeysOf(target), topicArn);
    // A key the queue will switch to admits SNS for the topic before it encrypts anything.
    admitSnsOnPendingKeys(scope, pendingKeysOf(target), topicArn);
  }

  const subscription = new sns.Subscription(scope, id, {
    topic,
    protocol: sns.SubscriptionProtocol.SQS,
    endpoint: queue.queueArn,
    rawMessageDelivery: options.rawMessageDelivery ?? true,
    filterPolicy: options.filterPolicy,
    filterPolicyWithMessageBody: options.filterPolicyWithMessageBody,
  });
  // The L2 `deadLetterQueue` prop would add an SNS statement of its own; the merged statement above
  // already admits this topic, so only the redrive policy is set here.
  (subscription.node.defaultChild as sns.CfnSubscription).redrivePolicy = { deadLetterTargetArn: deadLetterQueue.queueArn };
  subscription.node.addDependency(...dependencies);
  markBuiltByLibrary(subscription.node.defaultChild!);

  const filter = options.filterPolicy ? ['filterPolicy', options.filterPolicy] as const
    : options.filterPolicyWithMessageBody ? ['filterPolicyWithMessageBody', options.filterPolicyWithMessageBody] as const : undefined;
  if (filter) {
    Annotations.of(scope).addWarningV2(
      WARNING.filterPolicyAtMostOnce,
      `${filter[0]} on ${JSON.stringify(Object.keys(filter[1]))} makes delivery to this subscriber at-most-once: a message the filter rejects is never delivered to it, and there is nothing to replay for it. Leave ${filter[0]} unset for exactly-once delivery.`,
    );
  }
  if (!queue.fifo) {
    Annotations.of(scope).addWarningV2(
      WARNING.standardQueueAtLeastOnce,
      `${queue.node.path} is a standard queue: SNS delivers to it at least once, in best-effort order, without the message group ID (https://docs.aws.amazon.com/sns/latest/dg/fifo-message-delivery.html). Consumers must tolerate duplicates and reordering; use a FIFO queue for exactly-once, ordered delivery.`,
    );
  }
  const count = (subscriptionCounts.get(topic) ?? 0) + 1;
  subscriptionCounts.set(topic, count);
  if (count > FIFO_SUBSCRIPTIONS_PER_TOPIC) {
    Annotations.of(scope).addWarningV2(
      WARNING.subscriptionQuota,
      `${topicText} has ${count} subscriptions in this app; an SNS FIFO topic allows ${FIFO_SUBSCRIPTIONS_PER_TOPIC} unless the quota was raised for the account.`,
    );
  }
  return subscription;
}

/**
 * SNS delivers cross-region only to subscriptions created in the topic's region
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-cross-region-delivery.html); this library does not
 * build those, so a subscriber must be in the topic's region. Cross-account is supported.
 */
function checkSameRegion(problems: Problems, topic: sns.ITopic, scope: Construct): void {
  const topicRegion = topic.env.region;
  const here = Stack.of(scope).region;
  if (!Token.isUnresolved(topicRegion) && !Token.isUnresolved(here) && topicRegion !== here) {
    problems.add(ValidationErrorCode.CROSS_REGION, 'topic', topic.node.path, `allowed: a topic in the subscriber's region ${here} (it is in ${topicRegion}; cross-region subscriptions are not supported)`);
  }
}

/** One filter scope at a time, within SNS's limits (checked here so the error names our prop). */
function checkFilters(problems: Problems, options: SubscribeQueueOptions): void {
  if (options.filterPolicy && options.filterPolicyWithMessageBody) {
    problems.add(ValidationErrorCode.FILTER_SCOPE, 'filterPolicyWithMessageBody', Object.keys(options.filterPolicyWithMessageBody), 'allowed: unset when filterPolicy is set (a subscription filters on attributes or on the body, not both)');
  }
  if (options.filterPolicy) {
    checkFilterPolicyLimits(problems, 'filterPolicy', Object.fromEntries(Object.entries(options.filterPolicy).map(([key, filter]) => [key, filter.conditions])));
  }
  if (options.filterPolicyWithMessageBody) {
    checkFilterPolicyLimits(problems, 'filterPolicyWithMessageBody', renderBodyPolicy(options.filterPolicyWithMessageBody));
  }
}

/** A message-body filter policy as SNS receives it (nested objects, arrays of conditions at the leaves). */
function renderBodyPolicy(policy: { [key: string]: sns.FilterOrPolicy }): unknown {
  return Object.fromEntries(Object.entries(policy).map(([key, value]) => [
    key,
    value.isPolicy() ? renderBodyPolicy(value.policyDoc) : value.isFilter() ? value.filterDoc.conditions : [],
  ]));
}

function isSecureFifoQueue(queue: sqs.IQueue): queue is ISecureFifoQueue {
  const candidate = queue as Partial<ISecureFifoQueue>;
  return candidate.deadLetterQueue !== undefined && typeof candidate.allowOutsideEndpoints === 'function';
}

function ownDeadLetterQueue(queue: sqs.IQueue): sqs.IQueue | undefined {
  if (isSecureFifoQueue(queue)) {
    return queue.deadLetterQueue;
  }
  if (queue instanceof sqs.Queue) {
    return queue.deadLetterQueue?.queue;
  }
  return undefined;
}

/** A FIFO DLQ for a queue that has none, next to the subscription, on the queue's key (else a new one). */
function newDeadLetterQueue(scope: Construct, id: string, queue: sqs.IQueue, key: kms.IKey): sqs.IQueue {
  const deadLetterQueue = new sqs.Queue(scope, `${id}DeadLetterQueue`, {
    fifo: true,
    // Recognizably a DLQ (Control Tower CT.SQS.PR.1): only the subscribed queue may redrive into it.
    redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.BY_QUEUE, sourceQueues: [queue] },
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: key,
    enforceSSL: true,
    retentionPeriod: DEAD_LETTER_RETENTION,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  acknowledgeSubscriptionDeadLetterQueue(deadLetterQueue);
  return deadLetterQueue;
}

/**
 * The topic's key, when a subscriber may use it for its queue without reaching into another
 * stack: the key of a topic created in the subscriber's own stack (it has a CfnTopic; an imported
 * topic has none). Otherwise (a topic of another stack, or imported) the queue gets a key of its own.
 */
export function sameStackKey(topic: sns.ITopic, subscriber: Construct): kms.IKey | undefined {
  const here = Stack.of(subscriber);
  const key = topic.masterKey;
  const createdHere = topic.node.defaultChild instanceof sns.CfnTopic && Stack.of(topic) === here;
  return createdHere && key !== undefined && Stack.of(key) === here ? key : undefined;
}
