import { Annotations, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, IDependable } from 'constructs';
import { acknowledgeTerminalDeadLetterQueue } from './compliance';
import { topicPolicyArn } from './names';
import { allowServiceOnKey, allowSnsDelivery, checkFifoCmkQueue, checkSameEnvironment, snsDeliveryStatementText } from './policies';
import { arnForPeople } from './render';
import { checkIdFree, DEAD_LETTER_RETENTION, FIFO_SUBSCRIPTIONS_PER_TOPIC, Problems } from './validation';
import { WARNING } from './warnings';
import type { SubscribeQueueOptions } from '../fifo-subscription';
import type { ISecureFifoQueue } from '../interfaces';

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
  const queueKnown = checkFifoCmkQueue(problems, 'queue', queue);
  checkSameRegion(problems, topic, scope);
  const own = ownDeadLetterQueue(queue);
  if (options.deadLetterQueue) {
    checkFifoCmkQueue(problems, 'deadLetterQueue', options.deadLetterQueue);
    checkSameEnvironment(problems, 'deadLetterQueue', options.deadLetterQueue, scope);
  } else if (own) {
    checkFifoCmkQueue(problems, `deadLetterQueue (the DLQ of ${queue.node.path})`, own);
    checkSameEnvironment(problems, `deadLetterQueue (the DLQ of ${queue.node.path})`, own, scope);
  }
  problems.throwIfAny(scope, `subscribeQueue("${id}")`);

  const topicArn = topicPolicyArn(topic);
  const topicText = arnForPeople(scope, topicArn, topic);
  if (!queueKnown) {
    Annotations.of(scope).addWarningV2(
      WARNING.unknownQueueEncryption,
      `subscribeQueue("${id}"): the encryption of ${queue.node.path} cannot be read here. It must be a FIFO queue encrypted with a customer managed key whose policy lets sns.amazonaws.com use kms:GenerateDataKey* and kms:Decrypt with aws:SourceArn ${topicText}.`,
    );
  }

  const deadLetterQueue = options.deadLetterQueue ?? own ?? newDeadLetterQueue(scope, id, queue.encryptionMasterKey ?? newKey(scope, `${id}DeadLetterQueueKey`));
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
  }

  const subscription = new sns.Subscription(scope, id, {
    topic,
    protocol: sns.SubscriptionProtocol.SQS,
    endpoint: queue.queueArn,
    rawMessageDelivery: options.rawMessageDelivery ?? true,
    filterPolicy: options.filterPolicy,
  });
  // The L2 `deadLetterQueue` prop would add an SNS statement of its own; the merged statement above
  // already admits this topic, so only the redrive policy is set here.
  (subscription.node.defaultChild as sns.CfnSubscription).redrivePolicy = { deadLetterTargetArn: deadLetterQueue.queueArn };
  subscription.node.addDependency(...dependencies);

  if (options.filterPolicy) {
    Annotations.of(scope).addWarningV2(
      WARNING.filterPolicyAtMostOnce,
      `filterPolicy on ${JSON.stringify(Object.keys(options.filterPolicy))} makes this FIFO subscription at-most-once (filtered messages are never delivered). Leave filterPolicy unset for exactly-once delivery.`,
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
    problems.add('topic', topic.node.path, `allowed: a topic in the subscriber's region ${here} (it is in ${topicRegion}; cross-region subscriptions are not supported)`);
  }
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
function newDeadLetterQueue(scope: Construct, id: string, key: kms.IKey): sqs.IQueue {
  const deadLetterQueue = new sqs.Queue(scope, `${id}DeadLetterQueue`, {
    fifo: true,
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: key,
    enforceSSL: true,
    retentionPeriod: DEAD_LETTER_RETENTION,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  acknowledgeTerminalDeadLetterQueue(deadLetterQueue);
  return deadLetterQueue;
}
