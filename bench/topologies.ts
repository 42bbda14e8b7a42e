import { SnsToSqs } from '@aws-solutions-constructs/aws-sns-sqs';
import { Duration, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { FifoFanout } from '../src';

/**
 * The one topology every implementation builds: one SNS FIFO topic encrypted with a customer
 * managed key, N SQS FIFO subscriber queues encrypted with a customer managed key, each with a
 * FIFO dead-letter queue, TLS-only resource policies on the topic and every queue, raw delivery.
 */
export interface Implementation {
  /** Short key used in tables and JSON. */
  readonly id: ImplementationId;
  /** One line: what this implementation is. */
  readonly title: string;
  /** Adds the topology with `n` subscribers to `stack`. */
  build(stack: Stack, n: number): void;
}

export type ImplementationId = 'ours' | 'floor' | 'peer';

/** The topic's base name (all three use it, so names do not skew template size). */
export const TOPIC_NAME = 'bench-fanout';
/** Same as FifoSubscriber's default. */
export const MAX_RECEIVE_COUNT = 5;

/** ours: the library's blueprint. */
export const ours: Implementation = {
  id: 'ours',
  title: 'cdk-secure-fifo FifoFanout + N x addSubscriber',
  build(stack, n) {
    const fanout = new FifoFanout(stack, 'Fanout', { topicName: TOPIC_NAME });
    for (let i = 0; i < n; i++) {
      fanout.addSubscriber(`Sub${i}`, { maxReceiveCount: MAX_RECEIVE_COUNT });
    }
  },
};

/**
 * floor: the same wiring by hand with aws-cdk-lib L2s only, the least any library could add.
 *
 * One shared key for topic, queues and DLQs. `SqsSubscription` writes `aws:SourceArn: <topic>` into
 * the queue key's policy (flag `@aws-cdk/aws-sns-subscriptions:restrictSqsDescryption`, on in new
 * projects). With one shared key that is a `Ref` from the key to the topic that uses the key: a
 * Topic<->Key cycle (aws/aws-cdk#35418) that CloudFormation refuses. The floor avoids it the
 * cheapest honest way: a known topic name, subscriptions made through a reference built from that
 * name (no `Ref`), and an explicit dependency so each subscription is still created after the topic.
 */
export const floor: Implementation = {
  id: 'floor',
  title: 'hand-wired aws-cdk-lib L2s (Key, Topic, Queue, SqsSubscription), one shared key',
  build(stack, n) {
    const topicName = `${TOPIC_NAME}.fifo`;
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const topic = new sns.Topic(stack, 'Topic', { fifo: true, topicName, masterKey: key, enforceSSL: true });
    const topicByName = sns.Topic.fromTopicArn(stack, 'TopicByName', stack.formatArn({ service: 'sns', resource: topicName }));
    for (let i = 0; i < n; i++) {
      const common: sqs.QueueProps = { fifo: true, encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key, enforceSSL: true };
      const deadLetterQueue = new sqs.Queue(stack, `Sub${i}Dlq`, { ...common, retentionPeriod: Duration.days(14) });
      const queue = new sqs.Queue(stack, `Sub${i}Queue`, {
        ...common,
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
      });
      const subscription = topicByName.addSubscription(new subscriptions.SqsSubscription(queue, { rawMessageDelivery: true, deadLetterQueue }));
      subscription.node.addDependency(topic);
    }
  },
};

/**
 * peer: `@aws-solutions-constructs/aws-sns-sqs` SnsToSqs, one instance per subscriber sharing one
 * FIFO topic through `existingTopicObj`, configured as favourably as it deploys.
 *
 * - `existingTopicObj` takes a concrete `sns.Topic`, so the topic is built with L2s (as in floor).
 * - The peer subscribes with `SqsSubscription` on that `sns.Topic`, so its queue key policy `Ref`s the
 *   topic. Sharing the topic's key with the queues is therefore the Topic<->Key cycle, and the peer has
 *   no prop to avoid it: the topic gets its own key, and all queues and DLQs share a second one
 *   (2 keys). Left to its defaults, SnsToSqs would create one more key per instance (N + 1 keys) and
 *   encrypt the DLQ with the AWS managed key alias/aws/sqs, which SNS cannot use.
 * - The DLQ key is passed through `deadLetterQueueProps` (the peer does not share its key with it).
 * - The peer cannot make its own DLQ the subscription's DLQ (it is built inside the construct), so
 *   messages SNS fails to deliver are not kept (ours and floor keep them). No resource difference.
 */
export const peer: Implementation = {
  id: 'peer',
  title: '@aws-solutions-constructs/aws-sns-sqs 2.56.0 SnsToSqs x N on one existingTopicObj, 2 keys',
  build(stack, n) {
    const topicKey = new kms.Key(stack, 'TopicKey', { enableKeyRotation: true });
    const queueKey = new kms.Key(stack, 'QueueKey', { enableKeyRotation: true });
    const topic = new sns.Topic(stack, 'Topic', { fifo: true, topicName: `${TOPIC_NAME}.fifo`, masterKey: topicKey, enforceSSL: true });
    for (let i = 0; i < n; i++) {
      new SnsToSqs(stack, `Sub${i}`, {
        existingTopicObj: topic,
        encryptionKey: queueKey,
        // Documented as ignored when encryptionKey is given; false only avoids a console notice
        // ("Ignoring enableEncryptionWithCustomerManagedKey") per instance. Same template either way.
        enableEncryptionWithCustomerManagedKey: false,
        queueProps: { fifo: true, encryption: sqs.QueueEncryption.KMS },
        deadLetterQueueProps: {
          fifo: true,
          encryption: sqs.QueueEncryption.KMS,
          encryptionMasterKey: queueKey,
          retentionPeriod: Duration.days(14),
        },
        maxReceiveCount: MAX_RECEIVE_COUNT,
        sqsSubscriptionProps: { rawMessageDelivery: true },
      });
    }
  },
};

/** In table order. */
export const IMPLEMENTATIONS: readonly Implementation[] = [ours, floor, peer];
