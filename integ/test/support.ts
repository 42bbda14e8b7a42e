// Shared by the integ.*.ts tests (integ-runner runs only the files named integ.*.ts).
import { AwsApiCall, ExpectedResult, IApiCall, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';

/** How long a waiter keeps calling before the test fails, and how often it calls. */
export const WAIT = { totalTimeout: Duration.minutes(3), interval: Duration.seconds(10) };

/**
 * A high `maxReceiveCount` for queues that the assertions poll: every poll receives with
 * `VisibilityTimeout: 0` (the next poll sees every message again, and a FIFO message group is never
 * blocked by an in-flight message), and every poll that returns a message counts as a receive.
 */
export const POLLED_MAX_RECEIVE_COUNT = 100;

/**
 * Let the assertion Lambda functions use customer managed keys: `kms:GenerateDataKey` to publish to
 * an encrypted topic, `kms:Decrypt` to receive from an encrypted queue. integ-tests-alpha grants
 * the API call itself (e.g. `sns:Publish`, `sqs:ReceiveMessage` on `*`), never a key. A waiter
 * calls the API from a second provider (`waiterProvider`), which needs the grant too; call this
 * after `waitForAssertions`.
 */
export function grantKey(call: IApiCall, ...keys: kms.IKey[]): IApiCall {
  const statement = {
    Effect: 'Allow',
    Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
    Resource: keys.map((k) => k.keyArn),
  };
  call.provider.addToRolePolicy(statement);
  (call as AwsApiCall).waiterProvider?.addToRolePolicy(statement);
  return call;
}

/** One message to publish to a FIFO topic. */
export interface Message {
  readonly body: string;
  readonly groupId: string;
  /** Omit it on a topic with content-based deduplication. */
  readonly deduplicationId?: string;
}

/** Publish one message to a FIFO topic; SNS must accept it (a FIFO topic answers with a sequence number). */
export function publish(integ: IntegTest, topicArn: string, key: kms.IKey, message: Message): IApiCall {
  const call = integ.assertions.awsApiCall('SNS', 'publish', {
    TopicArn: topicArn,
    Message: message.body,
    MessageGroupId: message.groupId,
    ...(message.deduplicationId ? { MessageDeduplicationId: message.deduplicationId } : {}),
  });
  call.expect(ExpectedResult.objectLike({ MessageId: Match.stringLikeRegexp('.+'), SequenceNumber: Match.stringLikeRegexp('^[0-9]+$') }));
  return grantKey(call, key);
}

/**
 * Receive with long polling and `VisibilityTimeout: 0`. No message attributes are asked for: the
 * assertion's custom resource returns the whole response to CloudFormation, which takes at most
 * 4,096 bytes (a message with its receipt handle is about 500).
 */
export function receive(integ: IntegTest, queue: sqs.IQueue, maxMessages: number, extra: Record<string, unknown> = {}): IApiCall {
  return integ.assertions.awsApiCall('SQS', 'receiveMessage', {
    QueueUrl: queue.queueUrl,
    MaxNumberOfMessages: maxMessages,
    WaitTimeSeconds: 5,
    VisibilityTimeout: 0,
    ...extra,
  });
}

/**
 * Receive until the queue returns exactly these bodies, in this order, and nothing else: a plain
 * array inside `objectLike` is matched element by element and in length. With `VisibilityTimeout: 0`
 * every poll sees the whole FIFO message group.
 */
export function receiveExactly(integ: IntegTest, queue: sqs.IQueue, key: kms.IKey, bodies: string[]): IApiCall {
  // One more than expected, so that an extra message shows.
  const call = receive(integ, queue, bodies.length + 1);
  call.expect(ExpectedResult.objectLike({ Messages: bodies.map((Body) => ({ Body })) }));
  call.waitForAssertions(WAIT);
  return grantKey(call, key);
}

/**
 * Receive until one response contains this body (a standard queue: at least once, best-effort
 * order, so no order or count is asserted).
 */
export function receiveSome(integ: IntegTest, queue: sqs.IQueue, key: kms.IKey, body: string): IApiCall {
  // At most 3 per poll keeps the response far below 4 KB even when duplicates are delivered; a
  // standard queue returns a varying sample, so the waiter's next poll sees the others.
  const call = receive(integ, queue, 3);
  call.expect(ExpectedResult.objectLike({ Messages: Match.arrayWith([Match.objectLike({ Body: body })]) }));
  call.waitForAssertions(WAIT);
  return grantKey(call, key);
}

/** Chain calls so that each starts once the previous one succeeded; returns the last. */
export function inSequence(...calls: IApiCall[]): IApiCall {
  return calls.reduce((previous, next) => previous.next(next));
}

/**
 * Shorten the pending window of a key these tests create to KMS's minimum, 7 days (the library's
 * `FifoFanout` leaves it at KMS's default, 30 days): the key is scheduled for deletion when the
 * test's stack is destroyed. Integ stacks only.
 */
export function shortPendingWindow(key: kms.IKey): void {
  (key.node.defaultChild as kms.CfnKey).pendingWindowInDays = 7;
}
