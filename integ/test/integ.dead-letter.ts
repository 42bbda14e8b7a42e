// Dead-lettering: a message that a consumer received `maxReceiveCount` times without deleting it
// moves to that subscriber's FIFO dead-letter queue, and only that subscriber's.
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { FifoFanout } from 'cdk-secure-fifo';
import { grantKey, inSequence, POLLED_MAX_RECEIVE_COUNT, publish, receive, receiveExactly, shortPendingWindow, WAIT } from './support';

const MAX_RECEIVE_COUNT = 2;

const app = new App();
const stack = new Stack(app, 'SecureFifoIntegDeadLetter');
const fanout = new FifoFanout(stack, 'Orders', { removalPolicy: RemovalPolicy.DESTROY });
shortPendingWindow(fanout.encryptionKey);
const failing = fanout.addSubscriber('Failing', { maxReceiveCount: MAX_RECEIVE_COUNT });
// A second subscriber whose consumer is healthy: the message stays in its queue, not its DLQ.
const healthy = fanout.addSubscriber('Healthy', { maxReceiveCount: POLLED_MAX_RECEIVE_COUNT });

const integ = new IntegTest(app, 'DeadLetterTest', { testCases: [stack], stackUpdateWorkflow: false });

const key = fanout.encryptionKey;
const poison = '{"order":"A-1001","total":"not-a-number"}';
const withCount = (count: number) => ExpectedResult.objectLike({
  Messages: [{ Body: poison, Attributes: { ApproximateReceiveCount: `${count}` } }],
});

// Receive 1 (the waiter returns once the message has arrived: it is the first receive that returns it).
const first = receive(integ, failing.queue, 2, { AttributeNames: ['ApproximateReceiveCount'] });
first.expect(withCount(1));
first.waitForAssertions(WAIT);
grantKey(first, key);

// Receives 2..maxReceiveCount, each without delete (VisibilityTimeout 0: a consumer that failed).
const failedReceives = Array.from({ length: MAX_RECEIVE_COUNT - 1 }, (_, i) => {
  const call = receive(integ, failing.queue, 2, { AttributeNames: ['ApproximateReceiveCount'] });
  call.expect(withCount(i + 2));
  return grantKey(call, key);
});

// The next receive finds the count exceeded: SQS moves the message to the DLQ instead of returning
// it. A second try, in case the first still saw it.
const overflow = [1, 2].map(() => grantKey(receive(integ, failing.queue, 1), key));

const fromDeadLetterQueue = receive(integ, failing.deadLetterQueue, 2);
fromDeadLetterQueue.expect(ExpectedResult.objectLike({ Messages: [{ Body: poison }] }));
fromDeadLetterQueue.waitForAssertions(WAIT);
grantKey(fromDeadLetterQueue, key);

inSequence(
  publish(integ, fanout.topic.topicArn, key, { body: poison, groupId: 'order-A-1001', deduplicationId: 'A-1001' }),
  first,
  ...failedReceives,
  ...overflow,
  fromDeadLetterQueue,
  // The healthy subscriber still has its copy.
  receiveExactly(integ, healthy.queue, key, [poison]),
);

app.synth();
