import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { replacements, sharedPolicies } from './update-safety';
import { ENV, newApp, resourcesOf } from './util';
import { ExistingFifoStack, Phase } from '../examples/existing-fifo/stack';
import { FifoFanout } from '../src';

/**
 * Resource types CloudFormation can import, among those a hand-wired fan-out uses: AWS's list
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resource-import-supported-resources.html,
 * as archived in awsdocs/aws-cloudformation-user-guide) names AWS::SNS::Topic and AWS::SQS::Queue
 * only; CloudFormation refuses AWS::SNS::Subscription ("not supported for resource import", reported
 * in aws-samples/communication-developer-services-reference-architectures#21) and AWS::SNS::TopicPolicy
 * (cloudformation-coverage-roadmap#1476).
 */
const IMPORTABLE = ['AWS::SNS::Topic', 'AWS::SQS::Queue'];

const template = (phase: Phase) => Template.fromStack(new ExistingFifoStack(newApp(), 'ExistingOrders', { env: ENV, phase }));

describe('resources created outside CloudFormation: cdk import, then SecureExistingFifo', () => {
  test('the import phase holds only importable resources, each with a static name and DeletionPolicy Retain', () => {
    const resources = Object.values<any>(template(Phase.IMPORT).toJSON().Resources).filter((r) => r.Type !== 'AWS::CDK::Metadata');
    expect(resources.map((r) => r.Type).sort()).toEqual(['AWS::SNS::Topic', 'AWS::SQS::Queue', 'AWS::SQS::Queue']);
    for (const r of resources) {
      expect(IMPORTABLE).toContain(r.Type);
      expect(r.DeletionPolicy).toBe('Retain');
      expect(typeof (r.Properties.TopicName ?? r.Properties.QueueName)).toBe('string');
    }
  });

  test('each later phase updates the imported resources in place', () => {
    const imported = template(Phase.IMPORT);
    const handWired = template(Phase.HAND_WIRED);
    const secured = template(Phase.SECURED);
    expect(replacements(imported, handWired)).toEqual([]);
    expect(replacements(handWired, secured)).toEqual([]);
    expect(sharedPolicies(secured)).toEqual({});
  });

  test('our templates keep DeletionPolicy Retain on every queue, DLQ and key; the aspect on every topic and queue it secures', () => {
    const stack = new Stack(newApp(), 'Prices', { env: ENV });
    const fanout = new FifoFanout(stack, 'Prices', { topicName: 'prices' });
    fanout.addSubscriber('Retail');
    fanout.addStandardSubscriber('Analytics');
    const ours = Template.fromStack(stack);
    const secured = template(Phase.SECURED);
    for (const [t, types] of [[ours, ['AWS::SQS::Queue', 'AWS::KMS::Key']], [secured, ['AWS::SNS::Topic', 'AWS::SQS::Queue', 'AWS::KMS::Key']]] as const) {
      for (const type of types) {
        const found = resourcesOf(t, type);
        expect(found.length).toBeGreaterThan(0);
        for (const [, r] of found) {
          expect(r.DeletionPolicy).toBe('Retain');
        }
      }
    }
  });
});

describe('cdk refactor from the secured hand-wired stack to FifoFanout', () => {
  /** (type, physical name) of each named resource, and the count of each type: what a refactor must find identical. */
  const inventory = (t: Template) => {
    const all = Object.values<any>(t.toJSON().Resources).filter((r) => r.Type !== 'AWS::CDK::Metadata');
    const named = all.map((r) => `${r.Type} ${r.Properties?.TopicName ?? r.Properties?.QueueName ?? ''}`.trim()).sort();
    return named;
  };

  test('the resource sets differ, so cdk refactor refuses the move: staying on the aspect is the way', () => {
    const secured = template(Phase.SECURED);
    const stack = new Stack(newApp(), 'ExistingOrders', { env: ENV });
    const fanout = new FifoFanout(stack, 'Orders', { topicName: 'orders' });
    fanout.addSubscriber('Billing', { queueName: 'orders-billing', rawMessageDelivery: true });
    fanout.addSubscriber('Shipping', { queueName: 'orders-shipping', rawMessageDelivery: true });
    const ours = Template.fromStack(stack);
    // The physical names of the topic, the queues and their DLQs are the same...
    const names = (t: Template) => inventory(t).filter((n) => / \S+\.fifo$/.test(n) && !n.includes('delivery-dlq'));
    expect(names(ours)).toEqual(names(secured));
    // ...but the aspect adds a subscription DLQ per subscription (FifoFanout reuses the queue's DLQ),
    // keeps the roles and policies of the hand-wired app, and writes other policy documents: cdk
    // refactor accepts only the same set of resources with the same properties
    // (https://docs.aws.amazon.com/cdk/v2/guide/refactor.html,
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stack-refactoring.html).
    expect(inventory(secured).filter((n) => n.endsWith('delivery-dlq.fifo'))).toEqual([
      'AWS::SQS::Queue orders-billing-delivery-dlq.fifo', 'AWS::SQS::Queue orders-shipping-delivery-dlq.fifo',
    ]);
    expect(inventory(ours)).not.toEqual(inventory(secured));
  });
});
