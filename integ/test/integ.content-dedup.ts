// Content-based deduplication with the business type in the body (the README's "The use case"):
// two updates whose bodies differ only in `business` are both delivered; a publish of an identical
// body within SNS's 5-minute window is dropped. Publishers send no deduplication ID.
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { FifoFanout } from 'cdk-secure-fifo';
import { inSequence, POLLED_MAX_RECEIVE_COUNT, publish, receiveExactly, shortPendingWindow } from './support';

const app = new App();
const stack = new Stack(app, 'SecureFifoIntegContentDedup');
const fanout = new FifoFanout(stack, 'Prices', { contentBasedDeduplication: true, removalPolicy: RemovalPolicy.DESTROY });
shortPendingWindow(fanout.encryptionKey);
const pricing = fanout.addSubscriber('Pricing', { maxReceiveCount: POLLED_MAX_RECEIVE_COUNT });

const integ = new IntegTest(app, 'ContentDedupTest', { testCases: [stack], stackUpdateWorkflow: false });

const topicArn = fanout.topic.topicArn;
const key = fanout.encryptionKey;
const group = 'sku-oil-filter-77';
const wholesale = '{"sku":"oil-filter-77","price":"4.10","business":"wholesale"}';
const retail = '{"sku":"oil-filter-77","price":"4.10","business":"retail"}';
const next = '{"sku":"oil-filter-77","price":"4.25","business":"wholesale"}';

inSequence(
  publish(integ, topicArn, key, { body: wholesale, groupId: group }),
  publish(integ, topicArn, key, { body: retail, groupId: group }),
  // The identical body again (a publisher retry): same SHA-256, so the same deduplication ID.
  publish(integ, topicArn, key, { body: wholesale, groupId: group }),
  // A later update of the group: once it has arrived, the retry would have arrived before it.
  publish(integ, topicArn, key, { body: next, groupId: group }),
  receiveExactly(integ, pricing.queue, key, [wholesale, retail, next]),
);

app.synth();
