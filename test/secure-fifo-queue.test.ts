import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { FifoKey, SecureFifoQueue } from '../src';
import { newStack, references, resourcesOf } from './util';

function queues(stack: ReturnType<typeof newStack>) {
  const template = Template.fromStack(stack);
  const all = resourcesOf(template, 'AWS::SQS::Queue');
  const dlq = all.find(([id]) => id.includes('DeadLetterQueue'))!;
  const main = all.find(([id]) => !id.includes('DeadLetterQueue'))!;
  return { template, main, dlq };
}

test('creates a FIFO queue and a FIFO dead-letter queue', () => {
  const stack = newStack();
  new SecureFifoQueue(stack, 'Orders');
  const { main, dlq } = queues(stack);
  expect(main[1].Properties.FifoQueue).toBe(true);
  expect(dlq[1].Properties.FifoQueue).toBe(true);
});

test('queue and DLQ are encrypted with the same customer managed key (SSE-KMS, never SSE-SQS)', () => {
  const stack = newStack();
  new SecureFifoQueue(stack, 'Orders');
  const { template, main, dlq } = queues(stack);
  const [[keyId]] = resourcesOf(template, 'AWS::KMS::Key');
  for (const [, q] of [main, dlq]) {
    expect(q.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(q.Properties.SqsManagedSseEnabled).toBeUndefined();
  }
});

test('uses the key it is given', () => {
  const stack = newStack();
  const key = new FifoKey(stack, 'Shared');
  const queue = new SecureFifoQueue(stack, 'Orders', { encryptionKey: key });
  Template.fromStack(stack).resourceCountIs('AWS::KMS::Key', 1);
  expect(queue.encryptionMasterKey).toBe(key);
});

test('moves a message to the DLQ after 5 receives by default', () => {
  const stack = newStack();
  new SecureFifoQueue(stack, 'Orders');
  const { main, dlq } = queues(stack);
  expect(main[1].Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [dlq[0], 'Arn'] }, maxReceiveCount: 5 });
});

test('maxReceiveCount is configurable', () => {
  const stack = newStack();
  const queue = new SecureFifoQueue(stack, 'Orders', { maxReceiveCount: 12 });
  expect(queue.maxReceiveCount).toBe(12);
  expect(queues(stack).main[1].Properties.RedrivePolicy.maxReceiveCount).toBe(12);
});

test('the DLQ keeps messages 14 days', () => {
  const stack = newStack();
  new SecureFifoQueue(stack, 'Orders');
  expect(queues(stack).dlq[1].Properties.MessageRetentionPeriod).toBe(1_209_600);
});

test('the DLQ accepts redrives from its source queue only, named by ARN without referencing it', () => {
  const stack = newStack();
  new SecureFifoQueue(stack, 'Orders', { queueName: 'orders' });
  const { main, dlq } = queues(stack);
  expect(dlq[1].Properties.RedriveAllowPolicy).toEqual({
    redrivePermission: 'byQueue',
    sourceQueueArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sqs:eu-west-1:111111111111:orders.fifo']] }],
  });
  expect(references(dlq[1], main[0])).toBe(false);
});

test('names the queue <name>.fifo and the DLQ <name>-dlq.fifo', () => {
  const stack = newStack();
  new SecureFifoQueue(stack, 'Orders', { queueName: 'orders' });
  const { main, dlq } = queues(stack);
  expect(main[1].Properties.QueueName).toBe('orders.fifo');
  expect(dlq[1].Properties.QueueName).toBe('orders-dlq.fifo');
});

test('a name too long for the -dlq suffix gets a generated DLQ name that still fits 80 characters', () => {
  const stack = newStack();
  const name = 'a'.repeat(75);
  new SecureFifoQueue(stack, 'Orders', { queueName: name });
  const { main, dlq } = queues(stack);
  expect(main[1].Properties.QueueName).toBe(`${name}.fifo`);
  expect(dlq[1].Properties.QueueName).toMatch(/^Test-Orders-[A-Za-z0-9]+-dlq\.fifo$/);
  expect(dlq[1].Properties.QueueName.length).toBeLessThanOrEqual(80);
});

test('generated names are the same in every synth and fit 80 characters for deep construct paths', () => {
  const names = () => {
    const stack = newStack('AVeryLongStackNameThatKeepsGoingAndGoingAndGoing');
    new SecureFifoQueue(stack, 'AnotherRatherLongConstructIdForTheOrdersQueueOfTheShop');
    const { main, dlq } = queues(stack);
    return [main[1].Properties.QueueName, dlq[1].Properties.QueueName];
  };
  const [queueName, deadLetterName] = names();
  expect(names()).toEqual([queueName, deadLetterName]);
  expect(queueName).toMatch(/^AVeryLong.*\.fifo$/);
  expect(queueName.length).toBeLessThanOrEqual(80);
  expect(deadLetterName).toBe(queueName.replace(/\.fifo$/, '-dlq.fifo'));
});

test('one queue policy covers queue and DLQ and denies every SQS action without TLS, one resource per statement', () => {
  const stack = newStack();
  new SecureFifoQueue(stack, 'Orders');
  const { template, main, dlq } = queues(stack);
  const policies = resourcesOf(template, 'AWS::SQS::QueuePolicy');
  expect(policies).toHaveLength(1);
  const [[, policy]] = policies;
  expect(policy.Properties.Queues).toEqual([{ Ref: main[0] }, { Ref: dlq[0] }]);
  for (const id of [main[0], dlq[0]]) {
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual({
      Effect: 'Deny',
      Action: 'sqs:*',
      Principal: { AWS: '*' },
      Resource: { 'Fn::GetAtt': [id, 'Arn'] },
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
  }
});

test('statements added through the DLQ escape hatch land in the one shared policy', () => {
  const stack = newStack();
  const queue = new SecureFifoQueue(stack, 'Orders');
  queue.deadLetterQueue.grantConsumeMessages(new iam.AccountPrincipal('222222222222'));
  const policies = resourcesOf(Template.fromStack(stack), 'AWS::SQS::QueuePolicy');
  expect(policies).toHaveLength(1);
  expect(JSON.stringify(policies[0][1].Properties.PolicyDocument)).toContain(':iam::222222222222:root');
});

test('queue, DLQ and key are retained by default', () => {
  const stack = newStack();
  new SecureFifoQueue(stack, 'Orders');
  const template = Template.fromStack(stack);
  for (const type of ['AWS::SQS::Queue', 'AWS::KMS::Key']) {
    for (const [, r] of resourcesOf(template, type)) {
      expect(r.DeletionPolicy).toBe('Retain');
    }
  }
});

test('removalPolicy applies to queue and DLQ', () => {
  const stack = newStack();
  new SecureFifoQueue(stack, 'Orders', { removalPolicy: RemovalPolicy.DESTROY });
  for (const [, q] of resourcesOf(Template.fromStack(stack), 'AWS::SQS::Queue')) {
    expect(q.DeletionPolicy).toBe('Delete');
  }
});

test('passes visibility timeout, retention and data key reuse through', () => {
  const stack = newStack();
  new SecureFifoQueue(stack, 'Orders', {
    visibilityTimeout: Duration.minutes(2),
    retentionPeriod: Duration.days(7),
    dataKeyReuse: Duration.hours(1),
  });
  const { main, dlq } = queues(stack);
  expect(main[1].Properties).toMatchObject({ VisibilityTimeout: 120, MessageRetentionPeriod: 604_800, KmsDataKeyReusePeriodSeconds: 3600 });
  expect(dlq[1].Properties.KmsDataKeyReusePeriodSeconds).toBe(3600);
});

test('high throughput sets deduplication scope and throughput limit on queue and DLQ', () => {
  const stack = newStack();
  new SecureFifoQueue(stack, 'Orders', {
    deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
    fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
  });
  for (const [, q] of resourcesOf(Template.fromStack(stack), 'AWS::SQS::Queue')) {
    expect(q.Properties).toMatchObject({ DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' });
  }
});

test('grantConsumeMessages grants receive, delete and kms:Decrypt', () => {
  const stack = newStack();
  const queue = new SecureFifoQueue(stack, 'Orders');
  queue.grantConsumeMessages(new iam.Role(stack, 'Consumer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
  const statements = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy'))[0].Properties.PolicyDocument.Statement;
  const actions = statements.flatMap((s: any) => [s.Action].flat());
  expect(actions).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'kms:Decrypt']));
  expect(actions).not.toContain('sqs:SendMessage');
});

test('grantSendMessages grants send and the key actions', () => {
  const stack = newStack();
  const queue = new SecureFifoQueue(stack, 'Orders');
  queue.grantSendMessages(new iam.Role(stack, 'Sender', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
  const statements = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy'))[0].Properties.PolicyDocument.Statement;
  const actions = statements.flatMap((s: any) => [s.Action].flat());
  expect(actions).toEqual(expect.arrayContaining(['sqs:SendMessage', 'kms:GenerateDataKey', 'kms:Decrypt']));
  expect(actions).not.toContain('kms:GenerateDataKey*');
  expect(actions).not.toContain('kms:Encrypt');
});

test('works where aws-cdk-lib expects an sqs.IQueue (Lambda event source)', () => {
  const stack = newStack();
  const queue = new SecureFifoQueue(stack, 'Orders');
  const fn = new lambda.Function(stack, 'Consumer', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {}'),
  });
  fn.addEventSource(new sources.SqsEventSource(queue));
  const { template, main } = queues(stack);
  template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: { 'Fn::GetAtt': [main[0], 'Arn'] } });
});

test('addToResourcePolicy writes to the queue policy', () => {
  const stack = newStack();
  const queue = new SecureFifoQueue(stack, 'Orders');
  const result = queue.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.AccountPrincipal('222222222222')],
    actions: ['sqs:GetQueueAttributes'],
    resources: [queue.queueArn],
  }));
  expect(result.statementAdded).toBe(true);
  Template.fromStack(stack).hasResourceProperties('AWS::SQS::QueuePolicy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sqs:GetQueueAttributes' })]) },
  });
});

test('content-based deduplication only ever lands on FIFO resources', () => {
  // Ours are FIFO by construction: the prop cannot reach a standard queue or topic through this API.
  const stack = newStack();
  new SecureFifoQueue(stack, 'Orders', { contentBasedDeduplication: true });
  expect(queues(stack).main[1].Properties).toMatchObject({ FifoQueue: true, ContentBasedDeduplication: true });
  // By hand, aws-cdk-lib makes such a queue FIFO, or refuses it when told fifo: false (its own rule).
  const inferred = newStack();
  new sqs.Queue(inferred, 'Inferred', { contentBasedDeduplication: true });
  expect(queues(inferred).main[1].Properties.FifoQueue).toBe(true);
  expect(() => new sqs.Queue(newStack(), 'Standard', { fifo: false, contentBasedDeduplication: true })).toThrow(/Content-based deduplication can only be defined for FIFO queues/);
});
