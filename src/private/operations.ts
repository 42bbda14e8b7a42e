import { Annotations, ArnFormat, Aspects, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { IConstruct } from 'constructs';
import { grantOnPendingKeys, pendingKeysOf } from './pending-keys';
import { isAwsManagedKey, serviceKeyStatement } from './policies';
import { renderForPeople } from './render';
import { grantDecryptOnRetiredKeys, retiredKeysOf } from './retired-keys';
import { Problems } from './validation';
import { WARNING } from './warnings';
import { ValidationErrorCode } from '../errors';
import type { IFifoTopicSubscriber } from '../interfaces';

/**
 * Replay is an operation on the subscription, not a template property: the subscriber sets the
 * subscription's `ReplayPolicy` with `SetSubscriptionAttributes`
 * (https://docs.aws.amazon.com/sns/latest/dg/message-archiving-and-replay-subscriber.html).
 */
export function grantReplay(grantee: iam.IGrantable, subscription: sns.Subscription): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['sns:SetSubscriptionAttributes', 'sns:GetSubscriptionAttributes'],
    // Ref of an AWS::SNS::Subscription is its ARN.
    resourceArns: [(subscription.node.defaultChild as sns.CfnSubscription).ref],
  });
}

/**
 * What a dead-letter-queue redrive (`StartMessageMoveTask`) needs: on each DLQ the move-task
 * actions and receive/delete, on the destination `sqs:SendMessage`, and the key's decrypt and
 * data-key actions (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue-redrive.html),
 * and `kms:Decrypt` on the queues' retired keys; the same key actions on their pending keys.
 */
export function grantRedrive(grantee: iam.IGrantable, queue: sqs.IQueue, deadLetterQueues: sqs.IQueue[]): iam.Grant {
  const grant = iam.Grant.addToPrincipal({
    grantee,
    actions: ['sqs:StartMessageMoveTask', 'sqs:ListMessageMoveTasks', 'sqs:CancelMessageMoveTask', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
    resourceArns: [...new Set(deadLetterQueues)].map((q) => q.queueArn),
  }).combine(iam.Grant.addToPrincipal({ grantee, actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes'], resourceArns: [queue.queueArn] }));
  const key = queue.encryptionMasterKey;
  const withKey = key ? grant.combine(key.grant(grantee, 'kms:Decrypt', 'kms:GenerateDataKey')) : grant;
  // Messages that reached a DLQ before a key change are under a retired key: the move task reads them
  // with the caller's kms:Decrypt and writes them under the queue's current key.
  const retired = grantDecryptOnRetiredKeys(grantee, [...new Set([queue, ...deadLetterQueues].flatMap(retiredKeysOf))]);
  // The keys the queues will switch to: the same actions as on the current key.
  const pending = grantOnPendingKeys(grantee, [...new Set([queue, ...deadLetterQueues].flatMap(pendingKeysOf))], ['kms:Decrypt', 'kms:GenerateDataKey']);
  const all = retired ? withKey.combine(retired) : withKey;
  return pending ? all.combine(pending) : all;
}

/**
 * A dead-letter queue of a subscriber and the time SQS is sure to keep a message in it, counted
 * from when the message arrived there (what `ApproximateAgeOfOldestMessage` of the DLQ measures).
 */
export interface DeadLetterWindow {
  /** The dead-letter queue. */
  readonly queue: sqs.IQueue;
  /** How long the DLQ keeps messages (its retention period), seconds. */
  readonly retentionSeconds: number;
  /** The least time a message has left once it reached the DLQ, seconds. */
  readonly seconds: number;
  /** Whether expiry counts from the message's original send (a standard queue's DLQ). */
  readonly fromOriginalSend: boolean;
}

/**
 * How long each DLQ of a subscriber surely keeps a message, after it arrived
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/setting-up-dead-letter-queue-retention.html):
 * - A standard queue keeps a message's original enqueue time when SQS moves it to the DLQ, so the
 *   DLQ deletes it at its retention counted from the original send. A message can have spent the
 *   queue's whole retention period in the queue first: what is surely left is the DLQ's retention
 *   minus the queue's.
 * - A FIFO queue resets the enqueue time on the move: the DLQ's whole retention is left.
 * - A delivery DLQ (a standard subscriber's FIFO DLQ) gets its messages from SNS, which sends each
 *   undeliverable message into it as a new message
 *   (https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html): the DLQ's whole
 *   retention is left, counted from that send.
 */
export function deadLetterWindows(subscriber: IFifoTopicSubscriber): DeadLetterWindow[] {
  const consumer = subscriber.deadLetterQueue;
  const windows: DeadLetterWindow[] = [];
  const consumerRetention = retentionSecondsOf(consumer);
  const fromOriginalSend = !subscriber.fifo;
  windows.push({
    queue: consumer,
    retentionSeconds: consumerRetention,
    seconds: fromOriginalSend ? consumerRetention - subscriber.retentionPeriod.toSeconds() : consumerRetention,
    fromOriginalSend,
  });
  if (subscriber.deliveryDeadLetterQueue !== consumer) {
    const retention = retentionSecondsOf(subscriber.deliveryDeadLetterQueue);
    windows.push({ queue: subscriber.deliveryDeadLetterQueue, retentionSeconds: retention, seconds: retention, fromOriginalSend: false });
  }
  return windows;
}

/**
 * A DLQ-age alarm must fire while the message can still be redriven: a standard subscriber whose
 * retention period is as long as its DLQ's leaves no time at all (a message that spent it in the
 * queue is deleted as it reaches the DLQ). SQS keeps messages 14 days at most, so the DLQ cannot
 * keep them longer: the queue's retention must be shorter.
 */
export function checkDeadLetterWindows(problems: Problems, subscriber: IFifoTopicSubscriber): void {
  for (const window of deadLetterWindows(subscriber)) {
    if (window.seconds <= 0) {
      problems.add(ValidationErrorCode.DEAD_LETTER_EXPIRY, 'subscribers',
        `${subscriber.node.path} (retentionPeriod ${subscriber.retentionPeriod.toHumanString()})`,
        `allowed: a standard subscriber whose retentionPeriod is shorter than its dead-letter queue's ${window.retentionSeconds} s ` +
        '(14 days, the SQS maximum): a standard queue\'s message expires in the DLQ counted from its original send, so a message that ' +
        'spent its whole retention in the queue would be deleted as it reaches the DLQ, before any alarm; e.g. retentionPeriod: Duration.days(10)');
    }
  }
}

/** A queue's retention period as set on its CfnQueue, in seconds; SQS's default of 4 days when unset or unknown. */
function retentionSecondsOf(queue: sqs.IQueue): number {
  const cfn = queue.node.defaultChild as sqs.CfnQueue | undefined;
  const value = cfn?.messageRetentionPeriod;
  return typeof value === 'number' && !Token.isUnresolved(value) ? value : DEFAULT_RETENTION_SECONDS;
}

/** SQS's default retention period (SQS API, CreateQueue MessageRetentionPeriod). */
const DEFAULT_RETENTION_SECONDS = 345_600;

const alarmKeyStatements = new WeakMap<kms.IKey, true>();
const alarmTopicStatements = new WeakMap<sns.ITopic, Set<string>>();

/**
 * The topic-policy statement that lets CloudWatch alarms of one account and region publish to an
 * alarm topic: `cloudwatch.amazonaws.com`, `sns:Publish`, `aws:SourceArn` like
 * `arn:<partition>:cloudwatch:<region>:<account>:alarm:*` and `aws:SourceAccount` = the account.
 * CloudWatch publishes as the alarm (its ARN is the source:
 * https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger), and the SNS
 * access-control examples scope alarms by `aws:SourceArn` = the alarms' ARN pattern
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html#sns-allow-cloudwatch-alarm-to-publish-to-topic-in-another-account)
 * with `aws:SourceAccount` (same page, "aws:SourceAccount versus aws:SourceOwner"). The alarm names
 * are CloudFormation's, so the statement matches every alarm of the account and region, and names
 * none: no reference from the topic's stack to the alarms'.
 */
export function alarmTopicStatement(scope: IConstruct, topic: sns.ITopic): iam.PolicyStatement {
  const stack = Stack.of(scope);
  return new iam.PolicyStatement({
    sid: 'AllowCloudWatchAlarmsToPublish',
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['sns:Publish'],
    resources: [topic.topicArn],
    conditions: {
      ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
      StringEquals: { 'aws:SourceAccount': stack.account },
    },
  });
}

/**
 * What an alarm action needs when it publishes to an SNS topic.
 *
 * The topic policy: a topic without an `AWS::SNS::TopicPolicy` keeps SNS's default policy, which
 * admits the owner account's AWS services; a topic policy (aws-cdk-lib creates one for `enforceSSL`
 * or any `addToResourcePolicy`) replaces it, and CloudWatch then needs its own Allow
 * (https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger). A topic of this
 * app that has a policy, when FifoAlarms is created or at synthesis, gets `alarmTopicStatement`; one
 * without keeps its default policy (adding a policy would take the default's grants from every other
 * publisher); an imported topic gets a
 * warning on `scope` that prints the statement.
 *
 * The key: AWS services that publish to an encrypted topic need the topic key's policy to let their
 * service principal call `kms:GenerateDataKey*` and `kms:Decrypt`; for CloudWatch that principal is
 * `cloudwatch.amazonaws.com` (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
 * The statement is `serviceKeyStatement`'s for CloudWatch (scoped as that page documents: the
 * alarms' ARN pattern and account; it names no alarm, so it adds no reference from the key's stack
 * to the alarms' either). A key of this app gets the statement; an imported key gets a warning on
 * `scope` that prints it.
 *
 * A FIFO topic warns: SNS requires a `MessageGroupId` on every publish to a FIFO topic (SNS API,
 * Publish), and an alarm action has no way to send one (CloudWatch API, PutMetricAlarm). No AWS page
 * says so in as many words, so this is a warning, not an error.
 *
 * The topic is read from aws-cdk-lib's `SnsAction`, which keeps it in a field named `topic`
 * (test/fifo-alarms.test.ts pins this); other actions are left alone.
 */
export function prepareAlarmTopic(scope: IConstruct, action: cloudwatch.IAlarmAction): void {
  const topic = action instanceof cwActions.SnsAction ? (action as unknown as { topic?: sns.ITopic }).topic : undefined;
  if (!topic) {
    return;
  }
  if (topic.fifo) {
    Annotations.of(scope).addWarningV2(WARNING.alarmTopicFifo,
      `alarmAction publishes to the FIFO topic ${topic.node.path}. SNS requires a MessageGroupId on every publish to a FIFO topic and an alarm cannot send one, ` +
      'so its notifications would be refused: use a standard topic.');
  }
  admitAlarmsOnTopic(scope, topic);
  const key = topic.masterKey;
  if (!key || alarmKeyStatements.has(key)) {
    return;
  }
  alarmKeyStatements.set(key, true);
  const stack = Stack.of(scope);
  const statement = serviceKeyStatement('cloudwatch.amazonaws.com',
    stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }), stack.account);
  const result = isAwsManagedKey(key) ? { statementAdded: false } : key.addToResourcePolicy(statement, true);
  if (!result.statementAdded) {
    const text = renderForPeople(scope, statement.toStatementJson());
    Annotations.of(scope).addWarningV2(WARNING.alarmTopicKeyPolicy,
      `alarmAction publishes to ${topic.node.path}, encrypted with a key this stack cannot change (${isAwsManagedKey(key) ? 'an AWS managed key, whose policy never admits CloudWatch: use a customer managed key' : 'imported'}). ` +
      `Without this statement in its key policy, CloudWatch cannot publish and alarm notifications are lost: ${JSON.stringify(text ?? statement.toStatementJson())}`);
  }
}

/** Adds `alarmTopicStatement` to a topic of this app that has a topic policy, once; warns for an imported topic. */
function admitAlarmsOnTopic(scope: IConstruct, topic: sns.ITopic): void {
  // Once per topic and alarms' account and region (two FifoAlarms of one monitoring stack share it).
  const stack = Stack.of(scope);
  const where = JSON.stringify(stack.resolve([stack.account, stack.region]));
  const seen = alarmTopicStatements.get(topic) ?? new Set<string>();
  if (seen.has(where)) {
    return;
  }
  alarmTopicStatements.set(topic, seen.add(where));
  const statement = alarmTopicStatement(scope, topic);
  if (topic instanceof sns.Topic) {
    // aws-cdk-lib keeps a topic's policy as its child 'Policy' (TopicBase.createTopicPolicy). It may
    // be created after FifoAlarms (a later addToResourcePolicy or grant): checked again at synthesis.
    const hasPolicy = () => topic.node.tryFindChild('Policy') instanceof sns.TopicPolicy;
    if (hasPolicy()) {
      topic.addToResourcePolicy(statement);
      return;
    }
    let decided = false;
    Aspects.of(topic).add({
      visit: () => {
        if (!decided) {
          decided = true;
          if (hasPolicy()) {
            topic.addToResourcePolicy(statement);
          }
        }
      },
    });
    return;
  }
  const text = renderForPeople(scope, statement.toStatementJson());
  Annotations.of(scope).addWarningV2(WARNING.alarmTopicPolicy,
    `alarmAction publishes to ${topic.node.path}, a topic this stack cannot change. If it has a topic policy (enforceSSL, cdk-nag SNS3 and any ` +
    'AWS::SNS::TopicPolicy replace SNS\'s default policy), CloudWatch needs this statement in it, or alarm notifications are lost: ' +
    JSON.stringify(text ?? statement.toStatementJson()));
}
