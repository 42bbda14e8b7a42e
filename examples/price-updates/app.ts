import { App, Stack } from 'aws-cdk-lib';
import { PriceUpdatesStack } from './stack';
import { FifoAlarms } from '../../src';

const app = new App();
const main = new PriceUpdatesStack(app, 'PriceUpdates');
// Its alarms, in a monitoring stack of the same account and region (they name the topic and queues
// by name, so the stacks share no export): deliveries lost or dead-lettered, messages nearing
// expiry, publishers that stopped for 15 minutes, and queues that would not drain in time.
new FifoAlarms(new Stack(app, 'PriceUpdatesMonitoring'), 'Alarms', {
  topic: main.prices.topic,
  subscribers: [main.wholesale, main.retail, main.analytics],
  publisherSilencePeriods: 3,
  timeToDrain: true,
});
// The same use case with the business type in the body and content-based deduplication: no
// deduplication IDs, the wholesale and retail copies still differ, an identical retry is dropped.
new PriceUpdatesStack(app, 'ContentDedupPriceUpdates', { topicName: 'price-updates-content-dedup', contentBasedDeduplication: true });

// The private variant exists only when you say where it goes, so `cdk deploy --all` never deploys
// it against a placeholder:
//   - the platform VPC already has SNS and SQS interface endpoints (the usual case): reuse them
//       cdk deploy PrivatePriceUpdates -c snsEndpointId=vpce-... -c sqsEndpointId=vpce-...
//   - or create endpoints in an existing VPC
//       cdk deploy PrivatePriceUpdates -c vpcId=vpc-... -c availabilityZones=eu-west-1a,eu-west-1b -c privateSubnetIds=subnet-...,subnet-...
const context = (key: string): string | undefined => app.node.tryGetContext(key);
const list = (key: string): string[] | undefined => context(key)?.split(',');
const snsEndpointId = context('snsEndpointId');
const sqsEndpointId = context('sqsEndpointId');
const vpcId = context('vpcId');
// Its topic and queues have names of their own: in one account and region, names are unique.
const topicName = 'private-price-updates';
if (snsEndpointId || sqsEndpointId) {
  new PriceUpdatesStack(app, 'PrivatePriceUpdates', { topicName, existingEndpoints: { snsEndpointId, sqsEndpointId } });
} else if (vpcId) {
  new PriceUpdatesStack(app, 'PrivatePriceUpdates', {
    topicName,
    privateNetwork: { vpcId, availabilityZones: list('availabilityZones') ?? [], privateSubnetIds: list('privateSubnetIds') },
  });
}
app.synth();
