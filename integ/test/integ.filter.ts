// The use case's subscribers: wholesale receives only wholesale prices (a filter on the `business`
// key of the JSON body, `filterPolicyWithMessageBody`), retail only retail prices, and analytics (a
// standard queue, `addStandardSubscriber`) every update.
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { Annotations, App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { FifoFanout } from 'cdk-secure-fifo';
import { inSequence, POLLED_MAX_RECEIVE_COUNT, publish, receiveExactly, receiveSome, shortPendingWindow } from './support';

const app = new App();
const stack = new Stack(app, 'SecureFifoIntegFilter');
const fanout = new FifoFanout(stack, 'Prices', { removalPolicy: RemovalPolicy.DESTROY });
shortPendingWindow(fanout.encryptionKey);
const forBusiness = (business: string) => ({
  business: sns.FilterOrPolicy.filter(sns.SubscriptionFilter.stringFilter({ allowlist: [business] })),
});
const wholesale = fanout.addSubscriber('Wholesale', { maxReceiveCount: POLLED_MAX_RECEIVE_COUNT, filterPolicyWithMessageBody: forBusiness('wholesale') });
const retail = fanout.addSubscriber('Retail', { maxReceiveCount: POLLED_MAX_RECEIVE_COUNT, filterPolicyWithMessageBody: forBusiness('retail') });
const analytics = fanout.addStandardSubscriber('Analytics', { maxReceiveCount: POLLED_MAX_RECEIVE_COUNT });
for (const subscriber of [wholesale, retail]) {
  Annotations.of(subscriber).acknowledgeWarning('cdk-secure-fifo:filterPolicyAtMostOnce', 'Each business receives only its own prices.');
}
Annotations.of(analytics).acknowledgeWarning('cdk-secure-fifo:standardQueueAtLeastOnce', 'Analytics tolerates duplicates and reordering.');

const integ = new IntegTest(app, 'FilterTest', { testCases: [stack], stackUpdateWorkflow: false });

const topicArn = fanout.topic.topicArn;
const key = fanout.encryptionKey;
const group = 'sku-spark-plug-9';
const price = (business: string, cents: number) => `{"sku":"spark-plug-9","price":"${(cents / 100).toFixed(2)}","business":"${business}"}`;
const w1 = price('wholesale', 200);
const r1 = price('retail', 350);
const w2 = price('wholesale', 210);
const r2 = price('retail', 360);
const w3 = price('wholesale', 220);
const all = [w1, r1, w2, r2, w3];

inSequence(
  ...all.map((body, i) => publish(integ, topicArn, key, { body, groupId: group, deduplicationId: `price-${i + 1}` })),
  // Wholesale: its prices, in order, and nothing else. Its last price arrives after SNS has
  // evaluated every retail price published before it (FIFO order per subscription).
  receiveExactly(integ, wholesale.queue, key, [w1, w2, w3]),
  // Analytics (standard queue): every update; order and count are not promised, so not asserted.
  ...all.map((body) => receiveSome(integ, analytics.queue, key, body)),
  // Retail, checked last: a wholesale price filtered in wrongly would have arrived by now.
  receiveExactly(integ, retail.queue, key, [r1, r2]),
);

app.synth();
