import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Template } from 'aws-cdk-lib/assertions';
import { FifoFanout, FifoSubscriber, SecureFifoTopic } from '../src';
const app = new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
const env = { account: '111111111111', region: 'eu-west-1' };
const platform = new Stack(app, 'Platform', { env });
const prices = new FifoFanout(platform, 'Prices', { topicName: 'prices' });
prices.addSubscriber('Retail');
prices.topic.grantSubscribe(new iam.AccountPrincipal('222222222222'));
const team = new Stack(app, 'Team', { env });
new FifoSubscriber(team, 'Billing', { topic: prices.topic });
const consumer = new Stack(app, 'Consumer', { env: { account: '222222222222', region: 'eu-west-1' } });
const topic = SecureFifoTopic.fromTopicArn(consumer, 'Prices', 'arn:aws:sns:eu-west-1:111111111111:prices.fifo');
new FifoSubscriber(consumer, 'Billing', { topic, filterPolicy: {} });
const role = new iam.Role(platform, 'R', { assumedBy: new iam.AccountRootPrincipal() });
prices.topic.grants.publish(role);
for (const s of [platform, team, consumer]) {
  console.log('=====', s.stackName, JSON.stringify(Template.fromStack(s).toJSON(), null, 1).slice(0, 200000));
}
console.log(platform.dependencies.map(d=>d.stackName), team.dependencies.map(d=>d.stackName));
