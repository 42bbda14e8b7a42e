import { Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sns from 'aws-cdk-lib/aws-sns';
import { platformTeams } from '../examples/platform-teams/stacks';
import { PLACEHOLDER_VPC, PriceUpdatesStack } from '../examples/price-updates/stack';
import { FifoFanout, FifoKey, FifoSubscriber, MessagingEndpoints, SecureFifoQueue, SecureFifoTopic } from '../src';
import { newApp } from './util';

export { newApp };

/*
 * Every configuration the library ships, built with the library only: the compliance layers
 * (cdk-nag packs, AWS Control Tower proactive controls) check each of them.
 */

/** A VPC owned by the platform team, imported: only what the library creates is checked. */
function importedVpc(stack: Stack): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0123456789abcdef0',
    vpcCidrBlock: '10.0.0.0/16',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    isolatedSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
    isolatedSubnetRouteTableIds: ['rtb-0123456789abcdef0', 'rtb-0123456789abcdef1'],
  });
}

/** Each configuration the library ships, built with the library only. */
export const LIBRARY_CONFIGURATIONS: Record<string, (stack: Stack) => void> = {
  'FifoFanout defaults': (stack) => {
    new FifoFanout(stack, 'Fanout').addSubscriber('Subscriber');
  },
  'FifoFanout with a per-subscriber key': (stack) => {
    const fanout = new FifoFanout(stack, 'Fanout');
    fanout.addSubscriber('Shared');
    fanout.addSubscriber('Own', { encryptionKey: new FifoKey(stack, 'SubscriberKey') });
  },
  'FifoFanout highThroughput: true': (stack) => {
    new FifoFanout(stack, 'Fanout', { highThroughput: true }).addSubscriber('Subscriber');
  },
  'FifoFanout with archiveRetention': (stack) => {
    new FifoFanout(stack, 'Fanout', { archiveRetention: Duration.days(7) }).addSubscriber('Subscriber');
  },
  'FifoFanout with private endpoints': (stack) => {
    const endpoints = new MessagingEndpoints(stack, 'Endpoints', { vpc: importedVpc(stack) });
    const fanout = new FifoFanout(stack, 'Fanout', { privateEndpoints: endpoints });
    fanout.addSubscriber('First');
    fanout.addSubscriber('Second');
  },
  'SecureFifoTopic alone': (stack) => {
    new SecureFifoTopic(stack, 'Topic');
  },
  'SecureFifoQueue alone': (stack) => {
    new SecureFifoQueue(stack, 'Queue');
  },
  'FifoFanout with a standard subscriber and body-filtered FIFO subscribers': (stack) => {
    const fanout = new FifoFanout(stack, 'Fanout');
    const business = (value: string) => ({ business: sns.FilterOrPolicy.filter(sns.SubscriptionFilter.stringFilter({ allowlist: [value] })) });
    fanout.addSubscriber('Wholesale', { filterPolicyWithMessageBody: business('wholesale') });
    fanout.addSubscriber('Retail', { filterPolicyWithMessageBody: business('retail') });
    fanout.addStandardSubscriber('Analytics');
  },
  'FifoFanout restricted to existing endpoints (fromEndpointIds)': (stack) => {
    const endpoints = MessagingEndpoints.fromEndpointIds(stack, 'Endpoints', { snsEndpointId: 'vpce-0aaa1111bbbb2222c', sqsEndpointId: 'vpce-0ddd3333eeee4444f' });
    new FifoFanout(stack, 'Fanout', { privateEndpoints: endpoints }).addSubscriber('Subscriber');
  },
  'FifoSubscriber of a topic imported from another account': (stack) => {
    const topic = SecureFifoTopic.fromTopicArn(stack, 'Prices', 'arn:aws:sns:eu-west-1:111111111111:price-updates.fifo');
    new FifoSubscriber(stack, 'Billing', { topic });
  },
  'SecureFifoTopic.subscribeQueue(SecureFifoQueue), a key each': (stack) => {
    new SecureFifoTopic(stack, 'Topic').subscribeQueue('Orders', new SecureFifoQueue(stack, 'Queue'));
  },
};


/** Every shipped stack: each library configuration in a stack of its own, and every example stack. */
export const SHIPPED_STACKS: Record<string, () => Stack> = {
  ...Object.fromEntries(Object.entries(LIBRARY_CONFIGURATIONS).map(([name, build]) => [name, () => {
    const stack = new Stack(newApp(), 'Configuration');
    build(stack);
    return stack;
  }])),
  'example PriceUpdates': () => new PriceUpdatesStack(newApp(), 'PriceUpdates'),
  'example ContentDedupPriceUpdates': () => new PriceUpdatesStack(newApp(), 'ContentDedupPriceUpdates', {
    topicName: 'price-updates-content-dedup', contentBasedDeduplication: true,
  }),
  'example PrivatePriceUpdates (new endpoints)': () => new PriceUpdatesStack(newApp(), 'PrivatePriceUpdates', { privateNetwork: PLACEHOLDER_VPC }),
  'example PrivatePriceUpdates (existing endpoints)': () => new PriceUpdatesStack(newApp(), 'PrivatePriceUpdates', {
    existingEndpoints: { snsEndpointId: 'vpce-0aaa1111bbbb2222c', sqsEndpointId: 'vpce-0ddd3333eeee4444f' },
  }),
  ...Object.fromEntries((['platform', 'retail', 'billing'] as const).map((name) => [`example platform-teams: ${name}`, () =>
    platformTeams(newApp(), { platformAccount: '111111111111', consumerAccount: '222222222222', region: 'eu-west-1' })[name]])),
};
