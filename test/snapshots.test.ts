import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { platformTeams } from '../examples/platform-teams/stacks';
import { PLACEHOLDER_VPC, PriceUpdatesStack } from '../examples/price-updates/stack';
import { FifoFanout, FifoKey, MessagingEndpoints, SecureFifoQueue, SecureFifoTopic } from '../src';
import { ENV, newApp, newStack } from './util';

// Snapshots pin logical IDs and properties: a change here replaces resources in users' stacks.
// `npx projen test:update` rewrites them deliberately; the normal test run never does.

test('FifoKey', () => {
  const stack = newStack();
  new FifoKey(stack, 'Key', { alias: 'prices' });
  expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
});

test('SecureFifoTopic', () => {
  const stack = newStack();
  new SecureFifoTopic(stack, 'Topic', { topicName: 'prices' });
  expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
});

test('SecureFifoQueue', () => {
  const stack = newStack();
  new SecureFifoQueue(stack, 'Orders', { queueName: 'orders' });
  expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
});

test('FifoFanout with one subscriber', () => {
  const stack = newStack();
  new FifoFanout(stack, 'Prices', { topicName: 'prices' }).addSubscriber('Retail');
  expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
});

test('MessagingEndpoints', () => {
  const stack = newStack();
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-12345678',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    isolatedSubnetIds: ['subnet-aaaa1111', 'subnet-bbbb2222'],
  });
  new MessagingEndpoints(stack, 'Endpoints', { vpc });
  expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
});

test.each([
  ['PriceUpdates', false],
  ['PrivatePriceUpdates', true],
])('example %s', (id, privateNetwork) => {
  const app = newApp();
  const stack = new PriceUpdatesStack(app, id, { env: ENV, privateNetwork: privateNetwork ? PLACEHOLDER_VPC : undefined });
  expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
});

test.each(['platform', 'retail', 'billing'] as const)('example platform-teams: %s stack', (name) => {
  const app = newApp();
  const stacks = platformTeams(app, { platformAccount: '111111111111', consumerAccount: '222222222222', region: 'eu-west-1' });
  expect(Template.fromStack(stacks[name]).toJSON()).toMatchSnapshot();
});
