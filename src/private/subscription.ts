import { Annotations, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { IDependable } from 'constructs';
import { acknowledgeTerminalDeadLetterQueue } from './compliance';
import { allowServiceOnKey, checkFifoCmkQueue, checkSameEnvironment, snsDeliveryStatement, WARNING } from './policies';
import { FIFO_SUBSCRIPTIONS_PER_TOPIC, Problems } from './validation';
import type { SubscribeQueueOptions } from '../fifo-subscription';
import { SecureFifoQueue } from '../secure-fifo-queue';
import type { SecureFifoTopic } from '../secure-fifo-topic';


/**
 * Subscribes a queue to a topic: checks it can work, admits the topic (only) in the queue and DLQ
 * policies and keys, and creates the subscription with a redrive policy. Written here because
 * `SqsSubscription` admits SNS without `aws:SourceAccount` and cannot reuse the queue's DLQ.
 */
export function subscribeFifoQueue(
  topic: SecureFifoTopic,
  id: string,
  queue: sqs.IQueue,
  options: SubscribeQueueOptions,
  subscriptionCount: number,
): sns.Subscription {
  const problems = new Problems();
  const queueKnown = checkFifoCmkQueue(problems, 'queue', queue);
  if (options.deadLetterQueue) {
    checkFifoCmkQueue(problems, 'deadLetterQueue', options.deadLetterQueue);
    checkSameEnvironment(problems, 'deadLetterQueue', options.deadLetterQueue, topic);
  } else {
    const own = ownDeadLetterQueue(queue);
    if (own) {
      checkFifoCmkQueue(problems, `deadLetterQueue (the DLQ of ${queue.node.path})`, own);
      checkSameEnvironment(problems, `deadLetterQueue (the DLQ of ${queue.node.path})`, own, topic);
    }
  }
  problems.throwIfAny(topic, `subscribeQueue("${id}")`);

  if (!queueKnown) {
    Annotations.of(topic).addWarningV2(
      WARNING.unknownEncryption,
      `subscribeQueue("${id}"): the encryption of ${queue.node.path} cannot be read here. It must be a FIFO queue encrypted with a customer managed key whose policy lets sns.amazonaws.com use kms:GenerateDataKey* and kms:Decrypt for ${JSON.stringify(Stack.of(topic).resolve(topic.topicArnFromName))}.`,
    );
  }

  const deadLetterQueue = options.deadLetterQueue ?? ownDeadLetterQueue(queue) ?? newDeadLetterQueue(topic, id);
  const dependencies: IDependable[] = [];
  for (const target of [queue, deadLetterQueue]) {
    const result = target.addToResourcePolicy(snsDeliveryStatement(topic, target, topic.topicArnFromName));
    if (result.policyDependable) {
      dependencies.push(result.policyDependable);
    }
    if (!result.statementAdded) {
      Annotations.of(topic).addWarningV2(
        WARNING.importedQueuePolicy,
        `subscribeQueue("${id}"): the policy of ${target.node.path} cannot be changed by this stack. Let sns.amazonaws.com call sqs:SendMessage with aws:SourceArn ${JSON.stringify(Stack.of(topic).resolve(topic.topicArnFromName))} or SNS will drop messages.`,
      );
    }
    if (target.encryptionMasterKey) {
      allowServiceOnKey(topic, target.encryptionMasterKey, 'sns.amazonaws.com', topic.topicArnFromName);
    }
  }

  const subscription = new sns.Subscription(topic, id, {
    topic,
    protocol: sns.SubscriptionProtocol.SQS,
    endpoint: queue.queueArn,
    rawMessageDelivery: options.rawMessageDelivery ?? true,
    filterPolicy: options.filterPolicy,
  });
  // The L2 `deadLetterQueue` prop would add its own SNS statement without aws:SourceAccount; the
  // statement above already admits this topic, so only the redrive policy is set here.
  (subscription.node.defaultChild as sns.CfnSubscription).redrivePolicy = { deadLetterTargetArn: deadLetterQueue.queueArn };
  subscription.node.addDependency(...dependencies);

  if (options.filterPolicy) {
    Annotations.of(subscription).addWarningV2(
      WARNING.filterPolicy,
      `filterPolicy on ${JSON.stringify(Object.keys(options.filterPolicy))} makes this FIFO subscription at-most-once (filtered messages are never delivered). Leave filterPolicy unset for exactly-once delivery.`,
    );
  }
  if (subscriptionCount > FIFO_SUBSCRIPTIONS_PER_TOPIC) {
    Annotations.of(topic).addWarningV2(
      WARNING.subscriptionQuota,
      `This topic has ${subscriptionCount} subscriptions; an SNS FIFO topic allows ${FIFO_SUBSCRIPTIONS_PER_TOPIC} unless the quota was raised for the account.`,
    );
  }
  return subscription;
}

function ownDeadLetterQueue(queue: sqs.IQueue): sqs.IQueue | undefined {
  if (queue instanceof SecureFifoQueue) {
    return queue.deadLetterQueue;
  }
  if (queue instanceof sqs.Queue) {
    return queue.deadLetterQueue?.queue;
  }
  return undefined;
}

function newDeadLetterQueue(topic: SecureFifoTopic, id: string): sqs.IQueue {
  const deadLetterQueue = new sqs.Queue(topic, `${id}DeadLetterQueue`, {
    fifo: true,
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: topic.encryptionKey,
    enforceSSL: true,
    retentionPeriod: SecureFifoQueue.DEAD_LETTER_RETENTION,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  acknowledgeTerminalDeadLetterQueue(deadLetterQueue);
  return deadLetterQueue;
}
