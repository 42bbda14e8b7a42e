import * as path from 'path';
import { App, Aspects, CfnElement, CfnParameter, Annotations as CoreAnnotations, Duration, Fn, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { IConstruct } from 'constructs';
import { floor } from '../bench/topologies';
import { platformTeams } from '../examples/platform-teams/stacks';
import { PLACEHOLDER_VPC, PriceUpdatesStack } from '../examples/price-updates/stack';
import { FifoDeliveryChecks, FifoFanout, SecureExistingFifo, ValidationErrorCode } from '../src';
import { ENV, newApp, newStack } from './util';

const id = (code: string) => `cdk-secure-fifo:${code}`;

interface Finding {
  readonly level: 'error' | 'warning' | 'info';
  readonly path: string;
  readonly text: string;
}

/** Every annotation of a stack's synthesis (the aspect runs at synth). */
function findings(stack: Stack): Finding[] {
  const a = Annotations.fromStack(stack);
  const pick = (level: Finding['level'], list: any[]) => list.map((m) => ({ level, path: m.id, text: String(m.entry.data) }));
  return [
    ...pick('error', a.findError('*', Match.anyValue())),
    ...pick('warning', a.findWarning('*', Match.anyValue())),
    ...pick('info', a.findInfo('*', Match.anyValue())),
  ];
}

/** The findings of the delivery checks (every rule id is `cdk-secure-fifo:<Rule>`), as "level path rule". */
function ruleFindings(stack: Stack, levels: Array<Finding['level']> = ['error', 'warning', 'info']): string[] {
  return findings(stack)
    .filter((f) => levels.includes(f.level))
    .map((f) => `${f.level} ${f.path} ${/cdk-secure-fifo:[A-Za-z_]+/.exec(f.text)?.[0] ?? f.text}`)
    .sort();
}

function pathOf(c: IConstruct): string {
  return `/${c.node.path}`;
}

function l1(c: IConstruct): IConstruct {
  return c.node.defaultChild!;
}

const SNS = new iam.ServicePrincipal('sns.amazonaws.com');

/** The key-policy statement AWS documents for SNS delivering into a CMK queue. */
function snsKeyStatement(topic: sns.ITopic): iam.PolicyStatement {
  return new iam.PolicyStatement({
    principals: [SNS],
    actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
    resources: ['*'],
    conditions: { ArnEquals: { 'aws:SourceArn': topic.topicArn } },
  });
}

/** The queue-policy statement AWS documents for SNS delivering into a queue. */
function snsQueueStatement(queue: sqs.IQueue, topic: sns.ITopic): iam.PolicyStatement {
  return new iam.PolicyStatement({
    principals: [SNS],
    actions: ['sqs:SendMessage'],
    resources: [queue.queueArn],
    conditions: { ArnEquals: { 'aws:SourceArn': topic.topicArn } },
  });
}

interface Wiring {
  readonly stack: Stack;
  readonly key: kms.Key;
  readonly topic: sns.Topic;
  readonly queue: sqs.Queue;
  readonly dlq: sqs.Queue;
  readonly subscription: sns.Subscription;
}

interface Change {
  readonly queue?: Partial<sqs.QueueProps>;
  readonly dlq?: Partial<sqs.QueueProps>;
  readonly subscription?: Partial<subs.SqsSubscriptionProps>;
}

/** A FIFO fan-out hand-wired with aws-cdk-lib's L2s and SqsSubscription, as teams write it; correct unless `change` breaks it. */
function handWired(change: Change = {}): Wiring {
  return handWiredInto(newStack(), change);
}

/** The same fan-out with L1s: CfnSubscription, policies added with addToResourcePolicy (or not). */
function withCfnSubscription(opts: { queuePolicy: boolean; keyPolicy: boolean }) {
  const stack = newStack();
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const topic = new sns.Topic(stack, 'Topic', { fifo: true, topicName: 'prices' });
  const queue = new sqs.Queue(stack, 'Queue', { fifo: true, encryptionMasterKey: key });
  const dlq = new sqs.Queue(stack, 'Dlq', { fifo: true });
  dlq.addToResourcePolicy(snsQueueStatement(dlq, topic));
  if (opts.queuePolicy) {
    queue.addToResourcePolicy(snsQueueStatement(queue, topic));
  }
  if (opts.keyPolicy) {
    key.addToResourcePolicy(snsKeyStatement(topic));
  }
  const subscription = new sns.CfnSubscription(stack, 'Subscription', {
    topicArn: topic.topicArn, protocol: 'sqs', endpoint: queue.queueArn, redrivePolicy: { deadLetterTargetArn: dlq.queueArn },
  });
  Aspects.of(stack).add(new FifoDeliveryChecks());
  return { stack, key, topic, queue, dlq, subscription };
}

describe('correct wiring: no finding', () => {
  test('a FIFO fan-out hand-wired with SqsSubscription, one shared key', () => {
    expect(ruleFindings(handWired().stack)).toEqual([]);
  });

  test('the same with CfnSubscription and statements added with addToResourcePolicy', () => {
    expect(ruleFindings(withCfnSubscription({ queuePolicy: true, keyPolicy: true }).stack)).toEqual([]);
  });

  test("the bench's hand-wired floor (N = 3, raw delivery): no error, no warning, only raw delivery's notes", () => {
    const stack = newStack();
    floor.build(stack, 3);
    Aspects.of(stack).add(new FifoDeliveryChecks());
    expect(ruleFindings(stack, ['error', 'warning'])).toEqual([]);
    const notes = ruleFindings(stack, ['info']);
    expect(notes).toHaveLength(3);
    expect(notes.every((f) => f.endsWith(id('rawDeliveryAttributeLimit')))).toBe(true);
  });

  test.each([false, true])('example price-updates (private network: %s): no error, and no warning the stack does not give without the checks', (privateNetwork) => {
    const build = (checks: boolean) => {
      const stack = new PriceUpdatesStack(newApp(), 'PriceUpdates', { env: ENV, privateNetwork: privateNetwork ? PLACEHOLDER_VPC : undefined });
      if (checks) {
        Aspects.of(stack).add(new FifoDeliveryChecks());
      }
      return findings(stack).filter((f) => f.level !== 'info');
    };
    const withChecks = build(true);
    expect(withChecks.filter((f) => f.level === 'error')).toEqual([]);
    expect(withChecks).toEqual(build(false));
  });

  test('example platform-teams (cross-stack, cross-account): no error in any stack, no extra warning', () => {
    const build = (checks: boolean) => {
      const app = newApp();
      const stacks = platformTeams(app, { platformAccount: '111111111111', consumerAccount: '222222222222', region: 'eu-west-1' });
      if (checks) {
        Aspects.of(app).add(new FifoDeliveryChecks());
      }
      return [stacks.platform, stacks.retail, stacks.billing].flatMap((s) => findings(s).filter((f) => f.level !== 'info'));
    };
    const withChecks = build(true);
    expect(withChecks.filter((f) => f.level === 'error')).toEqual([]);
    expect(withChecks).toEqual(build(false));
  });

  test('every subscriber kind of the library, with a Lambda consumer: no error, no extra warning', () => {
    const build = (checks: boolean) => {
      const stack = newStack();
      const fanout = new FifoFanout(stack, 'Prices');
      const retail = fanout.addSubscriber('Retail', { visibilityTimeout: Duration.minutes(1) });
      fanout.addSubscriber('Wholesale', { filterPolicy: { business: sns.SubscriptionFilter.stringFilter({ allowlist: ['wholesale'] }) } });
      fanout.addStandardSubscriber('Analytics');
      retail.addLambdaConsumer(new lambda.Function(stack, 'Consumer', {
        runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({});'), timeout: Duration.seconds(10),
      }));
      if (checks) {
        Aspects.of(stack).add(new FifoDeliveryChecks());
      }
      return findings(stack);
    };
    const withChecks = build(true);
    expect(withChecks.filter((f) => f.level === 'error')).toEqual([]);
    expect(withChecks).toEqual(build(false));
  });
});

describe('errors: delivery breaks', () => {
  test('AWS_MANAGED_KEY: a subscribed queue on alias/aws/sqs (escape hatch) is an error on that queue', () => {
    const w = handWired();
    (l1(w.queue) as sqs.CfnQueue).kmsMasterKeyId = 'alias/aws/sqs';
    expect(ruleFindings(w.stack)).toEqual([`error ${pathOf(l1(w.queue))} ${id(ValidationErrorCode.AWS_MANAGED_KEY)}`]);
  });

  test('AWS_MANAGED_KEY: a subscription DLQ on the AWS managed key is an error on the DLQ', () => {
    const w = handWired();
    (l1(w.dlq) as sqs.CfnQueue).kmsMasterKeyId = 'arn:aws:kms:eu-west-1:111111111111:alias/aws/sqs';
    expect(ruleFindings(w.stack)).toEqual([`error ${pathOf(l1(w.dlq))} ${id(ValidationErrorCode.AWS_MANAGED_KEY)}`]);
  });

  test('KEY_DISABLED: a queue and DLQ on a disabled key (escape hatch) are an error on the key, one per queue; enabled, no finding', () => {
    const w = handWired();
    (l1(w.key) as kms.CfnKey).enabled = false;
    const line = `error ${pathOf(l1(w.key))} ${id(ValidationErrorCode.KEY_DISABLED)}`;
    expect(ruleFindings(w.stack)).toEqual([line, line]);
    const fixed = handWired();
    (l1(fixed.key) as kms.CfnKey).enabled = true;
    expect(ruleFindings(fixed.stack)).toEqual([]);
  });

  test('SNS_KEY_POLICY: a CMK queue whose key has no SNS statement is an error on the key', () => {
    const { stack, key } = withCfnSubscription({ queuePolicy: true, keyPolicy: false });
    expect(ruleFindings(stack)).toEqual([`error ${pathOf(l1(key))} ${id(ValidationErrorCode.SNS_KEY_POLICY)}`]);
  });

  test('SNS_KEY_POLICY: a key statement for another topic does not admit this one', () => {
    const { stack, key } = withCfnSubscription({ queuePolicy: true, keyPolicy: false });
    key.addToResourcePolicy(snsKeyStatement(sns.Topic.fromTopicArn(stack, 'Other', 'arn:aws:sns:eu-west-1:111111111111:other.fifo')));
    expect(ruleFindings(stack)).toEqual([`error ${pathOf(l1(key))} ${id(ValidationErrorCode.SNS_KEY_POLICY)}`]);
  });

  test('SNS_QUEUE_POLICY: a subscribed queue without a policy for SNS is an error on the queue', () => {
    const { stack, queue } = withCfnSubscription({ queuePolicy: false, keyPolicy: true });
    expect(ruleFindings(stack)).toEqual([`error ${pathOf(l1(queue))} ${id(ValidationErrorCode.SNS_QUEUE_POLICY)}`]);
  });

  test('SNS_QUEUE_POLICY: a TLS-only Deny does not stand between SNS and the queue, a Deny of SNS does', () => {
    const { stack, queue } = withCfnSubscription({ queuePolicy: true, keyPolicy: true });
    queue.addToResourcePolicy(new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['sqs:*'],
      resources: [queue.queueArn],
      conditions: { Bool: { 'aws:SecureTransport': 'false' } },
    }));
    queue.addToResourcePolicy(new iam.PolicyStatement({ effect: iam.Effect.DENY, principals: [SNS], actions: ['sqs:SendMessage'], resources: ['*'] }));
    expect(ruleFindings(stack)).toEqual([`error ${pathOf(l1(queue))} ${id(ValidationErrorCode.SNS_QUEUE_POLICY)}`]);
  });

  test('NOT_FIFO: a standard subscription DLQ on a FIFO topic is an error on the subscription', () => {
    const w = handWired({ dlq: { fifo: false } });
    expect(ruleFindings(w.stack)).toEqual([`error ${pathOf(l1(w.subscription))} ${id(ValidationErrorCode.NOT_FIFO)}`]);
  });

  test('DLQ_ENVIRONMENT: a subscription DLQ in another account is an error on the subscription', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const topic = new sns.Topic(stack, 'Topic', { fifo: true, topicName: 'prices', masterKey: key });
    const queue = new sqs.Queue(stack, 'Queue', { fifo: true, encryptionMasterKey: key });
    const dlq = sqs.Queue.fromQueueArn(stack, 'Dlq', 'arn:aws:sqs:eu-west-1:222222222222:prices-dlq.fifo');
    const subscription = topic.addSubscription(new subs.SqsSubscription(queue, { rawMessageDelivery: false, deadLetterQueue: dlq }));
    Aspects.of(stack).add(new FifoDeliveryChecks());
    expect(ruleFindings(stack, ['error'])).toEqual([`error ${pathOf(l1(subscription))} ${id(ValidationErrorCode.DLQ_ENVIRONMENT)}`]);
  });

  test('SNS_DLQ_ACCESS: a DLQ on a key of its own, which SqsSubscription does not grant SNS, is an error on that key', () => {
    const stack = newStack();
    const dlqKey = new kms.Key(stack, 'DlqKey', { enableKeyRotation: true });
    const w = handWiredInto(stack, { dlq: { encryptionMasterKey: dlqKey } });
    expect(ruleFindings(w.stack)).toEqual([`error ${pathOf(l1(dlqKey))} ${id(ValidationErrorCode.SNS_DLQ_ACCESS)}`]);
    expect(ruleFindings(handWiredFixed())).toEqual([]);
  });

  test('SNS_DLQ_ACCESS: a DLQ whose policy does not admit the topic is an error on the DLQ', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Topic', { fifo: true, topicName: 'prices' });
    const queue = new sqs.Queue(stack, 'Queue', { fifo: true });
    queue.addToResourcePolicy(snsQueueStatement(queue, topic));
    const dlq = new sqs.Queue(stack, 'Dlq', { fifo: true });
    new sns.CfnSubscription(stack, 'Subscription', { topicArn: topic.topicArn, protocol: 'sqs', endpoint: queue.queueArn, redrivePolicy: { deadLetterTargetArn: dlq.queueArn } });
    Aspects.of(stack).add(new FifoDeliveryChecks());
    expect(ruleFindings(stack)).toEqual([`error ${pathOf(l1(dlq))} ${id(ValidationErrorCode.SNS_DLQ_ACCESS)}`]);
  });

  describe('LAMBDA_CONSUMER: a Lambda event source (SqsEventSource)', () => {
    function consumer(visibility: Duration, options: { fifo?: boolean; window?: Duration; stack?: Stack; checks?: boolean } = {}) {
      const stack = options.stack ?? newStack();
      const fifo = options.fifo ?? true;
      const dlq = new sqs.Queue(stack, 'ConsumerDlq', { fifo });
      const queue = new sqs.Queue(stack, 'Queue', { fifo, visibilityTimeout: visibility, deadLetterQueue: { queue: dlq, maxReceiveCount: 5 } });
      const fn = new lambda.Function(stack, 'Consumer', {
        runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({});'), timeout: Duration.seconds(10),
      });
      fn.addEventSource(new sources.SqsEventSource(queue, { maxBatchingWindow: options.window, reportBatchItemFailures: true }));
      if (options.checks ?? true) {
        Aspects.of(stack).add(new FifoDeliveryChecks());
      }
      const mapping = fn.node.findAll().find((c) => c instanceof lambda.CfnEventSourceMapping)!;
      return { stack, mapping };
    }

    test('visibility under the function timeout (Lambda refuses the mapping) is an error on the event source mapping', () => {
      const stack = newStack();
      // aws-cdk-lib's own template validation refuses the same (E3505); acknowledged, to see the aspect's error.
      Validations.of(stack).acknowledge({ id: 'CloudFormation-Validate::E3505', reason: 'the delivery checks report it' });
      const { mapping } = consumer(Duration.seconds(5), { stack });
      expect(ruleFindings(stack)).toEqual([`error ${pathOf(mapping)} ${id(ValidationErrorCode.LAMBDA_CONSUMER)}`]);
    });

    test.each([10, 30, 59])('visibility %d s, from 1 x to under 6 x the function timeout (10 s), is a warning, not an error', (seconds) => {
      const { stack, mapping } = consumer(Duration.seconds(seconds));
      expect(ruleFindings(stack)).toEqual([`warning ${pathOf(mapping)} ${id(ValidationErrorCode.LAMBDA_CONSUMER)}`]);
    });

    test('the 1 x to 6 x warning can be acknowledged with the rule id', () => {
      const { stack, mapping } = consumer(Duration.seconds(30));
      CoreAnnotations.of(mapping).acknowledgeWarning(id(ValidationErrorCode.LAMBDA_CONSUMER), 'retries are rare here');
      expect(ruleFindings(stack)).toEqual([]);
    });

    test('an unrelated 2 x consumer does not make SecureExistingFifo fail synth (it warns)', () => {
      const stack = newStack();
      const { mapping } = consumer(Duration.seconds(20), { stack, checks: false });
      Aspects.of(stack).add(new SecureExistingFifo());
      expect(() => Template.fromStack(stack)).not.toThrow();
      expect(ruleFindings(stack, ['error'])).toEqual([]);
      expect(ruleFindings(stack, ['warning'])).toContain(`warning ${pathOf(mapping)} ${id(ValidationErrorCode.LAMBDA_CONSUMER)}`);
    });

    test('6 x the function timeout: no finding', () => {
      expect(ruleFindings(consumer(Duration.seconds(60)).stack)).toEqual([]);
    });

    test('under 6 x the timeout plus the batching window (standard queue) warns lambdaBatchingWindow; with the window added, no finding', () => {
      const { stack, mapping } = consumer(Duration.seconds(60), { fifo: false, window: Duration.seconds(5) });
      expect(ruleFindings(stack)).toEqual([`warning ${pathOf(mapping)} ${id('lambdaBatchingWindow')}`]);
      expect(ruleFindings(consumer(Duration.seconds(65), { fifo: false, window: Duration.seconds(5) }).stack)).toEqual([]);
    });
  });
});

describe('warnings: the guarantee is weaker', () => {
  test('subscriptionWithoutDeadLetterQueue: a FIFO subscription without a DLQ warns on the subscription', () => {
    const w = handWired({ subscription: { deadLetterQueue: undefined } });
    expect(ruleFindings(w.stack)).toEqual([`warning ${pathOf(l1(w.subscription))} ${id('subscriptionWithoutDeadLetterQueue')}`]);
  });

  test('filterPolicyAtMostOnce: a filter policy warns on the subscription (the id our constructs use)', () => {
    const w = handWired({ subscription: { filterPolicy: { business: sns.SubscriptionFilter.stringFilter({ allowlist: ['retail'] }) } } });
    expect(ruleFindings(w.stack)).toEqual([`warning ${pathOf(l1(w.subscription))} ${id('filterPolicyAtMostOnce')}`]);
  });

  test('standardQueueAtLeastOnce: a standard queue on a FIFO topic warns on the subscription (the id our constructs use)', () => {
    const w = handWired({ queue: { fifo: false } });
    expect(ruleFindings(w.stack)).toEqual([`warning ${pathOf(l1(w.subscription))} ${id('standardQueueAtLeastOnce')}`]);
  });

  test('rawDeliveryAttributeLimit: raw delivery is an info-level note on the subscription, never a warning (nothing in the template clears it)', () => {
    const w = handWired({ subscription: { rawMessageDelivery: true } });
    expect(ruleFindings(w.stack)).toEqual([`info ${pathOf(l1(w.subscription))} ${id('rawDeliveryAttributeLimit')}`]);
  });

  test('a warning can be acknowledged with its id', () => {
    const w = handWired({ subscription: { filterPolicy: { business: sns.SubscriptionFilter.stringFilter({ allowlist: ['retail'] }) } } });
    CoreAnnotations.of(l1(w.subscription)).acknowledgeWarning(id('filterPolicyAtMostOnce'), 'this subscriber tolerates at-most-once');
    expect(ruleFindings(w.stack)).toEqual([]);
  });
});

describe('queueWithoutRedrivePolicy: a queue with a consumer but no dead-letter queue', () => {
  function reader(stack: Stack, name = 'Reader'): iam.Role {
    return new iam.Role(stack, name, { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  }

  test('a queue a role of the app may receive from warns on the queue', () => {
    const stack = newStack();
    const queue = new sqs.Queue(stack, 'Queue');
    queue.grantConsumeMessages(reader(stack));
    Aspects.of(stack).add(new FifoDeliveryChecks());
    expect(ruleFindings(stack)).toEqual([`warning ${pathOf(l1(queue))} ${id('queueWithoutRedrivePolicy')}`]);
  });

  test('a queue a Lambda event source mapping reads warns on the queue, naming the mapping', () => {
    const stack = newStack();
    const queue = new sqs.Queue(stack, 'Queue');
    const fn = new lambda.Function(stack, 'Consumer', {
      runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({});'),
    });
    new lambda.CfnEventSourceMapping(stack, 'Mapping', { eventSourceArn: queue.queueArn, functionName: fn.functionName });
    Aspects.of(stack).add(new FifoDeliveryChecks());
    expect(ruleFindings(stack)).toEqual([`warning ${pathOf(l1(queue))} ${id('queueWithoutRedrivePolicy')}`]);
    expect(findings(stack).find((f) => f.level === 'warning')!.text).toMatch(/is read by AWS::Lambda::EventSourceMapping Test\/Mapping/);
  });

  test('a queue whose policy lets a role of the app receive warns on the queue', () => {
    const stack = newStack();
    const queue = new sqs.Queue(stack, 'Queue');
    const role = reader(stack);
    queue.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.ArnPrincipal(role.roleArn)], actions: ['sqs:ReceiveMessage'], resources: [queue.queueArn] }));
    Aspects.of(stack).add(new FifoDeliveryChecks());
    expect(ruleFindings(stack)).toEqual([`warning ${pathOf(l1(queue))} ${id('queueWithoutRedrivePolicy')}`]);
  });

  test('a queue policy statement for any principal does not make every role of the app a reader', () => {
    const other = newStack();
    const open = new sqs.Queue(other, 'Queue');
    reader(other);
    open.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.AnyPrincipal()], actions: ['sqs:ReceiveMessage'], resources: [open.queueArn] }));
    Aspects.of(other).add(new FifoDeliveryChecks());
    expect(ruleFindings(other)).toEqual([]);
  });

  test('with a redrive policy, no finding; its dead-letter queue, read by a role too, is not asked for one', () => {
    const stack = newStack();
    const dlq = new sqs.Queue(stack, 'Dlq');
    const queue = new sqs.Queue(stack, 'Queue', { deadLetterQueue: { queue: dlq, maxReceiveCount: 5 } });
    const role = reader(stack);
    queue.grantConsumeMessages(role);
    dlq.grantConsumeMessages(role);
    Aspects.of(stack).add(new FifoDeliveryChecks());
    expect(ruleFindings(stack)).toEqual([]);
  });

  test('a queue nobody in the app reads: no finding', () => {
    const stack = newStack();
    const queue = new sqs.Queue(stack, 'Queue');
    queue.grantSendMessages(reader(stack, 'Producer'));
    Aspects.of(stack).add(new FifoDeliveryChecks());
    expect(ruleFindings(stack)).toEqual([]);
  });
});

describe('readerWithoutDecrypt: a role that may receive from a CMK queue but cannot decrypt', () => {
  function cmkQueue(stack: Stack, key: kms.IKey): sqs.Queue {
    const dlq = new sqs.Queue(stack, 'Dlq', { encryptionMasterKey: key });
    return new sqs.Queue(stack, 'Queue', { encryptionMasterKey: key, deadLetterQueue: { queue: dlq, maxReceiveCount: 5 } });
  }

  function handWrittenReader(stack: Stack, queue: sqs.IQueue): iam.Role {
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'], resources: [queue.queueArn] }));
    return role;
  }

  test('sqs:ReceiveMessage in its policy, kms:Decrypt in neither its policy nor the key policy: a warning on the role, with the statement to add', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const role = handWrittenReader(stack, cmkQueue(stack, key));
    Aspects.of(stack).add(new FifoDeliveryChecks());
    expect(ruleFindings(stack)).toEqual([`warning ${pathOf(l1(role))} ${id('readerWithoutDecrypt')}`]);
    const text = findings(stack).find((f) => f.level === 'warning')!.text;
    expect(text).toMatch(/^AWS::IAM::Role Test\/Reader\/Resource \(Reader[0-9A-F]+\) may receive from AWS::SQS::Queue Test\/Queue\/Resource/);
    expect(text).toContain('{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": <the ARN of AWS::KMS::Key Test/Key/Resource');
  });

  test('kms:Decrypt in its policy (grantConsumeMessages): no finding', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    cmkQueue(stack, key).grantConsumeMessages(new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }));
    Aspects.of(stack).add(new FifoDeliveryChecks());
    expect(ruleFindings(stack)).toEqual([]);
  });

  test('kms:Decrypt for the role in the key policy: no finding', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const role = handWrittenReader(stack, cmkQueue(stack, key));
    key.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.ArnPrincipal(role.roleArn)], actions: ['kms:Decrypt'], resources: ['*'] }));
    Aspects.of(stack).add(new FifoDeliveryChecks());
    expect(ruleFindings(stack)).toEqual([]);
  });

  test('a managed policy from outside the app may grant it: no finding', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const role = handWrittenReader(stack, cmkQueue(stack, key));
    role.addManagedPolicy(iam.ManagedPolicy.fromManagedPolicyArn(stack, 'Decrypt', 'arn:aws:iam::111111111111:policy/decrypt-all'));
    Aspects.of(stack).add(new FifoDeliveryChecks());
    expect(ruleFindings(stack)).toEqual([]);
  });

  test('SecureExistingFifo keeps a queue\'s own CMK and cannot fix a hand-written reader of it: it reports the reader (issue 25)', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const role = handWrittenReader(stack, cmkQueue(stack, key));
    Aspects.of(stack).add(new SecureExistingFifo());
    const template = Template.fromStack(stack).toJSON();
    const roleId = stack.getLogicalId(role.node.defaultChild as CfnElement);
    const grantsDecrypt = JSON.stringify(Object.values<any>(template.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(roleId))).includes('kms:Decrypt');
    expect(grantsDecrypt).toBe(false);
    expect(ruleFindings(stack, ['warning'])).toContain(`warning ${pathOf(l1(role))} ${id('readerWithoutDecrypt')}`);
  });

  test('a queue on SSE-SQS: no finding', () => {
    const stack = newStack();
    const dlq = new sqs.Queue(stack, 'Dlq');
    handWrittenReader(stack, new sqs.Queue(stack, 'Queue', { deadLetterQueue: { queue: dlq, maxReceiveCount: 5 } }));
    Aspects.of(stack).add(new FifoDeliveryChecks());
    expect(ruleFindings(stack)).toEqual([]);
  });
});

describe('what a rule cannot decide is an info, never an error', () => {
  test('a key given as a parameter', () => {
    const w = handWired();
    (l1(w.queue) as sqs.CfnQueue).kmsMasterKeyId = new CfnParameter(w.stack, 'QueueKey').valueAsString;
    const found = ruleFindings(w.stack);
    expect(found).toEqual([`info ${pathOf(l1(w.queue))} ${id(ValidationErrorCode.AWS_MANAGED_KEY)}`]);
  });

  test('the same import (Fn::ImportValue) as the subscription\'s topic and the policies\' aws:SourceArn: admitted, decided (no finding)', () => {
    const stack = newStack();
    const topicArn = Fn.importValue('PricesTopicArn');
    const topic = sns.Topic.fromTopicArn(stack, 'Topic', topicArn);
    const queue = new sqs.Queue(stack, 'Queue', { fifo: true });
    const dlq = new sqs.Queue(stack, 'Dlq', { fifo: true });
    new sns.CfnSubscription(stack, 'Subscription', { topicArn, protocol: 'sqs', endpoint: queue.queueArn, redrivePolicy: { deadLetterTargetArn: dlq.queueArn } });
    queue.addToResourcePolicy(snsQueueStatement(queue, topic));
    dlq.addToResourcePolicy(snsQueueStatement(dlq, topic));
    Aspects.of(stack).add(new FifoDeliveryChecks());
    expect(ruleFindings(stack, ['error', 'info'])).toEqual([]);
  });

  test('a policy admitting another import than the subscription\'s topic: info, never an error', () => {
    const stack = newStack();
    const queue = new sqs.Queue(stack, 'Queue', { fifo: true });
    const dlq = new sqs.Queue(stack, 'Dlq', { fifo: true });
    new sns.CfnSubscription(stack, 'Subscription', { topicArn: Fn.importValue('PricesTopicArn'), protocol: 'sqs', endpoint: queue.queueArn, redrivePolicy: { deadLetterTargetArn: dlq.queueArn } });
    const other = sns.Topic.fromTopicArn(stack, 'Other', Fn.importValue('OtherTopicArn'));
    queue.addToResourcePolicy(snsQueueStatement(queue, other));
    dlq.addToResourcePolicy(snsQueueStatement(dlq, other));
    Aspects.of(stack).add(new FifoDeliveryChecks());
    expect(ruleFindings(stack, ['error'])).toEqual([]);
    expect(ruleFindings(stack, ['info'])).toEqual([
      `info ${pathOf(l1(dlq))} ${id(ValidationErrorCode.SNS_DLQ_ACCESS)}`,
      `info ${pathOf(l1(queue))} ${id(ValidationErrorCode.SNS_QUEUE_POLICY)}`,
    ]);
  });

  test('an imported function: info on the event source mapping', () => {
    const stack = newStack();
    const queue = new sqs.Queue(stack, 'Queue', { fifo: true, deadLetterQueue: { queue: new sqs.Queue(stack, 'Dlq', { fifo: true }), maxReceiveCount: 5 } });
    const fn = lambda.Function.fromFunctionAttributes(stack, 'Fn', {
      functionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:consumer', role: iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::111111111111:role/consumer'),
    });
    fn.addEventSource(new sources.SqsEventSource(queue));
    Aspects.of(stack).add(new FifoDeliveryChecks());
    expect(ruleFindings(stack)).toEqual([`info ${pathOf(fn.node.findAll().find((c) => c instanceof lambda.CfnEventSourceMapping)!)} ${id(ValidationErrorCode.LAMBDA_CONSUMER)}`]);
  });
});

test('an error names the resource, what is wrong, why with the AWS page, the fix and the rule id', () => {
  const { stack } = withCfnSubscription({ queuePolicy: false, keyPolicy: true });
  const [error] = findings(stack).filter((f) => f.level === 'error');
  expect(error.text).toMatch(/^AWS::SQS::Queue Test\/Queue\/Resource \(Queue4A7E3555\), the subscribed queue of AWS::SNS::Subscription Test\/Subscription \(Subscription\), has no queue policy that lets sns.amazonaws.com sqs:SendMessage from arn:aws:sns:eu-west-1:111111111111:prices.fifo\. .* \(https:\/\/docs\.aws\.amazon\.com\/sns\/latest\/dg\/subscribe-sqs-queue-to-sns-topic\.html\)\. Fix: add a queue policy statement .* \[cdk-secure-fifo:SNS_QUEUE_POLICY\]$/);
});

test('applied to the app, it checks subscriptions across stacks (a queue of one stack subscribed in another)', () => {
  const app = new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
  const platform = new Stack(app, 'Platform', { env: ENV });
  const topic = new sns.Topic(platform, 'Topic', { fifo: true, topicName: 'prices' });
  const team = new Stack(app, 'Team', { env: ENV });
  const queue = new sqs.Queue(team, 'Queue', { fifo: true, encryption: sqs.QueueEncryption.KMS_MANAGED });
  (l1(queue) as sqs.CfnQueue).kmsMasterKeyId = 'alias/aws/sqs';
  const dlq = new sqs.Queue(team, 'Dlq', { fifo: true });
  new sns.Subscription(team, 'Subscription', { topic, protocol: sns.SubscriptionProtocol.SQS, endpoint: queue.queueArn, deadLetterQueue: dlq });
  Aspects.of(app).add(new FifoDeliveryChecks());
  expect(ruleFindings(team, ['error'])).toEqual([
    `error ${pathOf(l1(queue))} ${id(ValidationErrorCode.AWS_MANAGED_KEY)}`,
    `error ${pathOf(l1(queue))} ${id(ValidationErrorCode.SNS_QUEUE_POLICY)}`,
  ]);
});

test('a CfnInclude\'d template in a CDK app is checked like the rest (plain CloudFormation YAML)', () => {
  const stack = newStack();
  const included = new CfnInclude(stack, 'Legacy', { templateFile: path.join(__dirname, 'fixtures', 'hand-wired-broken.yaml') });
  Aspects.of(stack).add(new FifoDeliveryChecks());
  expect(ruleFindings(stack)).toEqual([
    `error ${pathOf(included.getResource('OrdersQueue'))} ${id(ValidationErrorCode.AWS_MANAGED_KEY)}`,
    `info ${pathOf(included.getResource('AuditQueue'))} ${id(ValidationErrorCode.AWS_MANAGED_KEY)}`,
    `warning ${pathOf(included.getResource('OrdersSubscription'))} ${id('subscriptionWithoutDeadLetterQueue')}`,
  ]);
});

/** handWired's wiring into a given stack (to add a key of the test's own first). */
function handWiredInto(stack: Stack, change: Change): Wiring {
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const topic = new sns.Topic(stack, 'Topic', { fifo: true, topicName: 'prices', masterKey: key });
  const kmsQueue: sqs.QueueProps = { fifo: true, encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key };
  const dlq = new sqs.Queue(stack, 'Dlq', { ...kmsQueue, ...change.dlq });
  const queue = new sqs.Queue(stack, 'Queue', { ...kmsQueue, ...change.queue });
  const subscription = topic.addSubscription(new subs.SqsSubscription(queue, {
    rawMessageDelivery: false, deadLetterQueue: dlq, ...change.subscription,
  }));
  Aspects.of(stack).add(new FifoDeliveryChecks());
  return { stack, key, topic, queue, dlq, subscription };
}

/** The SnsDlqAccess wiring, corrected: the DLQ's own key admits SNS for the topic. */
function handWiredFixed(): Stack {
  const stack = newStack();
  const dlqKey = new kms.Key(stack, 'DlqKey', { enableKeyRotation: true });
  const w = handWiredInto(stack, { dlq: { encryptionMasterKey: dlqKey } });
  dlqKey.addToResourcePolicy(snsKeyStatement(w.topic));
  return stack;
}
