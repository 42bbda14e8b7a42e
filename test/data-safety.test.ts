import { RemovalPolicy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { PLACEHOLDER_VPC, PriceUpdatesStack } from '../examples/price-updates/stack';
import { FifoFanout, FifoKey, SecureFifoQueue, SecureFifoTopic } from '../src';
import { ENV, newApp, newStack } from './util';

/*
 * Data safety: keys, queues and DLQs survive their removal from a stack unless the user says
 * otherwise, and the example's stateful resources keep their logical IDs and physical names (a
 * change to either makes CloudFormation replace the queue, and its messages are gone).
 */

const STATEFUL = ['AWS::KMS::Key', 'AWS::SQS::Queue'];

/** Every construct with its defaults, including the DLQ subscribeQueue creates for a plain queue. */
function everythingWithDefaults(): Template {
  const stack = newStack();
  new FifoKey(stack, 'Key');
  new SecureFifoQueue(stack, 'Queue');
  new FifoFanout(stack, 'Fanout').addSubscriber('Subscriber');
  const topic = new SecureFifoTopic(stack, 'Topic');
  // The user's own queue (aws-cdk-lib defaults it to DESTROY): retained here, as it is not ours.
  topic.subscribeQueue('Plain', new sqs.Queue(stack, 'Plain', {
    fifo: true,
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: topic.masterKey,
    removalPolicy: RemovalPolicy.RETAIN,
  }));
  return Template.fromStack(stack);
}

function statefulResources(template: Template): Array<[string, any]> {
  return STATEFUL.flatMap((type) => Object.entries(template.findResources(type)));
}

describe('stateful resources are retained by default', () => {
  test('the default stack has the expected keys, queues and DLQs', () => {
    const template = everythingWithDefaults();

    // FifoKey, the queue's key, the fan-out's key, the topic's key.
    template.resourceCountIs('AWS::KMS::Key', 4);
    // Queue + DLQ, subscriber queue + DLQ, the plain queue + the DLQ subscribeQueue creates for it.
    template.resourceCountIs('AWS::SQS::Queue', 6);
  });

  test.each(STATEFUL)('every %s is retained on deletion and on replacement', (type) => {
    const resources = Object.entries<any>(everythingWithDefaults().findResources(type));

    expect(resources.length).toBeGreaterThan(0);
    expect(resources.filter(([, r]) => r.DeletionPolicy !== 'Retain' || r.UpdateReplacePolicy !== 'Retain').map(([id]) => id)).toEqual([]);
  });

  test('one removalPolicy prop overrides the default for a construct and everything it owns', () => {
    const stack = newStack();
    const fanout = new FifoFanout(stack, 'Fanout', { removalPolicy: RemovalPolicy.DESTROY });
    fanout.addSubscriber('Subscriber');
    const resources = statefulResources(Template.fromStack(stack));

    expect(resources).toHaveLength(3);
    expect(resources.map(([, r]) => r.DeletionPolicy)).toEqual(['Delete', 'Delete', 'Delete']);
  });

  test('the example app retains its key, queues and DLQs', () => {
    const stack = new PriceUpdatesStack(newApp(), 'PriceUpdates', { env: ENV });
    const resources = statefulResources(Template.fromStack(stack));

    expect(resources).toHaveLength(8);
    expect(resources.every(([, r]) => r.DeletionPolicy === 'Retain' && r.UpdateReplacePolicy === 'Retain')).toBe(true);
  });
});

/**
 * The example's stateful resources: logical ID → physical name. Changing a logical ID or a name
 * replaces the resource (a new, empty queue); update this list only with a migration plan.
 */
const PINNED: Record<string, Record<string, string>> = {
  'AWS::KMS::Key': {
    PriceUpdatesKey578EAC6A: '',
  },
  'AWS::KMS::Alias': {
    PriceUpdatesKeyAlias5A137B64: 'alias/price-updates',
  },
  'AWS::SNS::Topic': {
    PriceUpdatesTopic02675860: 'price-updates.fifo',
  },
  'AWS::SQS::Queue': {
    PriceUpdatesWholesaleQueue150A4EBB: 'price-updates-wholesale.fifo',
    PriceUpdatesWholesaleQueueDeadLetterQueueA6D258CD: 'price-updates-wholesale-dlq.fifo',
    PriceUpdatesRetailQueueD53B6B67: 'price-updates-retail.fifo',
    PriceUpdatesRetailQueueDeadLetterQueueD970DC81: 'price-updates-retail-dlq.fifo',
    PriceUpdatesAnalyticsQueue49F62089: 'price-updates-analytics',
    PriceUpdatesAnalyticsDeadLetterQueueC34EB194: 'price-updates-analytics-dlq',
    PriceUpdatesAnalyticsDeliveryDeadLetterQueueD93FDD63: 'price-updates-analytics-delivery-dlq.fifo',
  },
};

describe('the example app keeps the logical IDs and names of its stateful resources', () => {
  const rows = ['PriceUpdates', 'PrivatePriceUpdates'].flatMap((stackName) => Object.keys(PINNED).map((type) => [stackName, type] as const));

  test.each(rows)('%s: %s', (stackName, type) => {
    const app = newApp();
    const stack = new PriceUpdatesStack(app, stackName, { env: ENV, privateNetwork: stackName === 'PrivatePriceUpdates' ? PLACEHOLDER_VPC : undefined });
    const resources = Template.fromStack(stack).findResources(type);
    const names = Object.fromEntries(Object.entries<any>(resources).map(([id, r]) => [
      id, r.Properties.QueueName ?? r.Properties.TopicName ?? r.Properties.AliasName ?? '',
    ]));

    expect(names).toEqual(PINNED[type]);
  });
});
