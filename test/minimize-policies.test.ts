import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { FifoFanout, MessagingEndpoints, SecureFifoQueue } from '../src';
import { ENV, newApp, resourcesOf } from './util';

/*
 * `@aws-cdk/aws-iam:minimizePolicies`, which `cdk init` writes into cdk.json, merges policy
 * statements that differ in one element. AWS documents no SQS queue-policy statement that lists
 * several queues, so the library's queue-policy statements must keep one queue each under the flag,
 * and SQS's policy quotas must be checked on what is emitted, merged or not.
 */

function minimizingStack(): Stack {
  const app = newApp();
  app.node.setContext('@aws-cdk/aws-iam:minimizePolicies', true);
  return new Stack(app, 'Test', { env: ENV });
}

function queuePolicyStatements(stack: Stack): any[] {
  return resourcesOf(Template.fromStack(stack), 'AWS::SQS::QueuePolicy').flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}

test('with the flag on, every queue-policy statement names one queue (FIFO, standard and private subscribers)', () => {
  const stack = minimizingStack();
  const endpoints = MessagingEndpoints.fromEndpointIds(stack, 'Endpoints', { snsEndpointId: 'vpce-0123456789abcdef0', sqsEndpointId: 'vpce-0fedcba9876543210' });
  const fanout = new FifoFanout(stack, 'Prices', { topicName: 'prices', privateEndpoints: endpoints });
  fanout.addSubscriber('Retail');
  fanout.addStandardSubscriber('Analytics');
  const statements = queuePolicyStatements(stack);
  // TLS and endpoint-only per queue (2 + 3 queues), SNS delivery into each queue SNS writes to (2 + 2).
  expect(statements).toHaveLength(2 * 5 + 4);
  for (const statement of statements) {
    expect(Array.isArray(statement.Resource)).toBe(false);
  }
});

test('with the flag on, each statement carries a Sid unique in its policy (aws-cdk-lib never merges a statement with a Sid)', () => {
  const stack = minimizingStack();
  new FifoFanout(stack, 'Prices', { topicName: 'prices' }).addStandardSubscriber('Analytics');
  for (const [, policy] of resourcesOf(Template.fromStack(stack), 'AWS::SQS::QueuePolicy')) {
    const sids = policy.Properties.PolicyDocument.Statement.map((s: any) => s.Sid);
    expect(sids.every((sid: unknown) => typeof sid === 'string')).toBe(true);
    expect(new Set(sids).size).toBe(sids.length);
  }
});

test('the quota check measures the policy as emitted: 25 statements that the flag merges into one pass', () => {
  const stack = minimizingStack();
  const queue = new SecureFifoQueue(stack, 'Orders', { queueName: 'orders' });
  // Through the escape hatch, without Sids: the flag merges these into one statement with 25 principals.
  for (let i = 0; i < 25; i++) {
    queue.resourcePolicy.document.addStatements(new iam.PolicyStatement({
      principals: [new iam.AccountPrincipal(String(200_000_000_000 + i))],
      actions: ['sqs:SendMessage'],
      resources: [queue.queueArn],
    }));
  }
  const statements = queuePolicyStatements(stack);
  expect(statements).toHaveLength(2 + 1); // TLS for the queue and its DLQ, and the merged grant
  expect(statements.find((s) => s.Action === 'sqs:SendMessage').Principal.AWS).toHaveLength(25);
});

test('the quota check still refuses what is emitted over the quota (the flag on, statements it cannot merge)', () => {
  const stack = minimizingStack();
  const queue = new SecureFifoQueue(stack, 'Orders', { queueName: 'orders' });
  for (let i = 0; i < 25; i++) {
    queue.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.AccountPrincipal(String(200_000_000_000 + i))],
      actions: ['sqs:SendMessage'],
      resources: [queue.queueArn],
    }));
  }
  expect(() => Template.fromStack(stack)).toThrow(/has 27 statements; SQS allows at most 20/);
});

test('with the flag off, statements get no Sid: templates stay as they were', () => {
  const stack = new Stack(newApp(), 'Test', { env: ENV });
  new FifoFanout(stack, 'Prices', { topicName: 'prices' }).addStandardSubscriber('Analytics');
  expect(queuePolicyStatements(stack).filter((s) => s.Sid !== undefined)).toEqual([]);
});
