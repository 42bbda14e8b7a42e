// Fan-out: every FIFO subscriber of the topic receives every update of a message group, once and
// in order; a publish that repeats a deduplication ID within SNS's 5-minute window is accepted but
// never delivered again.
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { FifoFanout } from 'cdk-secure-fifo';
import { inSequence, POLLED_MAX_RECEIVE_COUNT, publish, receiveExactly, shortPendingWindow } from './support';

const app = new App();
const stack = new Stack(app, 'SecureFifoIntegFanout');
const fanout = new FifoFanout(stack, 'Prices', { removalPolicy: RemovalPolicy.DESTROY });
shortPendingWindow(fanout.encryptionKey);
const billing = fanout.addSubscriber('Billing', { maxReceiveCount: POLLED_MAX_RECEIVE_COUNT });
const inventory = fanout.addSubscriber('Inventory', { maxReceiveCount: POLLED_MAX_RECEIVE_COUNT });

const integ = new IntegTest(app, 'FanoutTest', {
  testCases: [stack],
  // The committed snapshot is not deployed before the new one (it may never have been deployed).
  stackUpdateWorkflow: false,
});

const topicArn = fanout.topic.topicArn;
const key = fanout.encryptionKey;
const group = 'sku-brake-pad-1234';
const first = '{"sku":"brake-pad-1234","price":"10.00","seq":1}';
const second = '{"sku":"brake-pad-1234","price":"11.00","seq":2}';
const retry = '{"sku":"brake-pad-1234","price":"10.00","seq":1,"retry":true}';
const third = '{"sku":"brake-pad-1234","price":"12.00","seq":3}';

inSequence(
  publish(integ, topicArn, key, { body: first, groupId: group, deduplicationId: 'update-1' }),
  publish(integ, topicArn, key, { body: second, groupId: group, deduplicationId: 'update-2' }),
  // Same deduplication ID as the first update (a publisher retry, even with another body): SNS
  // accepts it and drops it.
  publish(integ, topicArn, key, { body: retry, groupId: group, deduplicationId: 'update-1' }),
  // A later update of the same group: once it has arrived, anything published before it in the
  // group has been delivered (FIFO order), so the retry's absence is not a matter of timing.
  publish(integ, topicArn, key, { body: third, groupId: group, deduplicationId: 'update-3' }),
  receiveExactly(integ, billing.queue, key, [first, second, third]),
  receiveExactly(integ, inventory.queue, key, [first, second, third]),
);

app.synth();
