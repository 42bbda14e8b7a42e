import { CfnParameter, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { FifoAlarms, FifoFanout, FifoSubscriber, MessagingEndpoints, SecureFifoTopic, ValidationErrorCode } from '../src';
import { ENV, newApp, newStack, resourcesOf, expectRefused, warningsWithId } from './util';

/*
 * Operations: alarms and a dashboard so that no message is lost unseen, Lambda consumers wired the
 * way AWS documents for SQS event sources, and grants for replay and redrive.
 */

function monitored(options: { retention?: Duration; filter?: boolean } = {}) {
  const app = newApp();
  const platform = new Stack(app, 'Platform', { env: ENV });
  const fanout = new FifoFanout(platform, 'Prices', { topicName: 'prices' });
  const retail = fanout.addSubscriber('Retail', {
    queueName: 'retail',
    retentionPeriod: options.retention,
    filterPolicyWithMessageBody: options.filter ? { business: sns.FilterOrPolicy.filter(sns.SubscriptionFilter.stringFilter({ allowlist: ['retail'] })) } : undefined,
  });
  const analytics = fanout.addStandardSubscriber('Analytics', { queueName: 'analytics' });
  const team = new Stack(app, 'Team', { env: ENV });
  const billing = new FifoSubscriber(team, 'Billing', { topic: fanout.topic, queueName: 'billing' });
  const monitoring = new Stack(app, 'Monitoring', { env: ENV });
  const alerts = new sns.Topic(monitoring, 'Alerts');
  const alarms = new FifoAlarms(monitoring, 'Alarms', {
    topic: fanout.topic,
    subscribers: [retail, analytics, billing],
    alarmAction: new cwActions.SnsAction(alerts),
  });
  return { app, platform, team, monitoring, fanout, retail, analytics, billing, alarms };
}

function alarmOn(template: Template, metricName: string, queueName?: string): any {
  const all = resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
  return all.filter((a) => (a.MetricName === metricName || JSON.stringify(a.Metrics ?? []).includes(`"MetricName":"${metricName}"`))
    && (queueName === undefined || JSON.stringify(a).includes(`"Value":"${queueName}"`)));
}

describe('FifoAlarms', () => {
  test('topic alarms: failed deliveries, deliveries lost before the DLQ, deliveries redriven to a DLQ', () => {
    const { monitoring } = monitored();
    const template = Template.fromStack(monitoring);
    for (const metric of ['NumberOfNotificationsFailed', 'NumberOfNotificationsFailedToRedriveToDlq', 'NumberOfNotificationsRedrivenToDlq']) {
      const [alarm] = alarmOn(template, metric);
      expect(alarm).toMatchObject({
        Namespace: 'AWS/SNS',
        Dimensions: [{ Name: 'TopicName', Value: 'prices.fifo' }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
    expect(alarmOn(template, 'NumberOfNotificationsFilteredOut-InvalidMessageBody')).toHaveLength(0);
  });

  test('with a filtering subscriber, the filtered-out-invalid metrics are alarmed too', () => {
    const { monitoring } = monitored({ filter: true });
    const template = Template.fromStack(monitoring);
    expect(alarmOn(template, 'NumberOfNotificationsFilteredOut-InvalidAttributes')).toHaveLength(1);
    expect(alarmOn(template, 'NumberOfNotificationsFilteredOut-InvalidMessageBody')).toHaveLength(1);
  });

  test("a subscriber's DLQ holding a message raises an alarm (>= 1 visible, state kept when SQS goes quiet)", () => {
    const { monitoring } = monitored();
    const [alarm] = alarmOn(Template.fromStack(monitoring), 'ApproximateNumberOfMessagesVisible', 'retail-dlq.fifo');
    expect(alarm).toMatchObject({ Namespace: 'AWS/SQS', Statistic: 'Maximum', Threshold: 1, TreatMissingData: 'ignore' });
  });

  test("a standard subscriber's two DLQs are watched by one alarm (MAX of both)", () => {
    const { monitoring } = monitored();
    const alarms = alarmOn(Template.fromStack(monitoring), 'ApproximateNumberOfMessagesVisible', 'analytics-dlq');
    expect(alarms).toHaveLength(1);
    expect(JSON.stringify(alarms[0].Metrics)).toContain('"Value":"analytics-delivery-dlq.fifo"');
    expect(JSON.stringify(alarms[0].Metrics)).toContain('MAX([m0, m1])');
  });

  test.each([
    [undefined, 172_800],
    [Duration.days(14), 604_800],
    [Duration.hours(1), 1_800],
  ])('the oldest-message alarm fires at half the queue retention (retention %s -> %i s)', (retention, threshold) => {
    const { monitoring } = monitored({ retention });
    const [alarm] = alarmOn(Template.fromStack(monitoring), 'ApproximateAgeOfOldestMessage', 'retail.fifo');
    expect(alarm).toMatchObject({ Threshold: threshold, Statistic: 'Maximum' });
  });

  test('the DLQ oldest-message alarm fires at 10.5 of its 14 days', () => {
    const { monitoring } = monitored();
    const [alarm] = alarmOn(Template.fromStack(monitoring), 'ApproximateAgeOfOldestMessage', 'retail-dlq.fifo');
    expect(alarm.Threshold).toBe(907_200);
  });

  test('every alarm notifies the alarm action, on alarm and on OK', () => {
    const { monitoring } = monitored();
    const alarms = resourcesOf(Template.fromStack(monitoring), 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBe(3 + 3 * 3 + 1); // the standard subscriber's delivery DLQ has an age alarm of its own
    for (const [, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
      expect(alarm.Properties.OKActions).toEqual(alarm.Properties.AlarmActions);
    }
  });

  test('alarmsFor gives one subscriber its three alarms', () => {
    const { alarms, billing } = monitored();
    const mine = alarms.alarmsFor(billing);
    expect([mine.deadLetterQueueNotEmpty, mine.oldestMessageAge, mine.deadLetterAge].every((a) => a instanceof cloudwatch.Alarm)).toBe(true);
  });

  test('the monitoring stack refers to topics and queues by name: no stack depends on it, it depends on none', () => {
    const { app } = monitored();
    const assembly = app.synth();
    const dependencies = (name: string) => assembly.getStackByName(name).dependencies.map((d) => d.id).filter((d) => !d.endsWith('.assets'));
    expect(dependencies('Monitoring')).toEqual([]);
    expect(dependencies('Platform')).toEqual([]);
  });

  test('a dashboard with the topic row and one row per subscriber', () => {
    const { monitoring } = monitored();
    const [[, dashboard]] = resourcesOf(Template.fromStack(monitoring), 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const title of ['prices.fifo: published, delivered, failed', 'Retail: queue depth', 'Analytics: oldest message age', 'Billing: DLQ depth']) {
      expect(body).toContain(title);
    }
  });

  test('dashboard: false creates none', () => {
    const stack = newStack();
    const fanout = new FifoFanout(stack, 'Prices');
    new FifoAlarms(stack, 'Alarms', { topic: fanout.topic, subscribers: [fanout.addSubscriber('A')], dashboard: false });
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });

  test.each([
    ['queueAgeRatio', { queueAgeRatio: 1.5 }, '1.5'],
    ['deadLetterAgeRatio', { deadLetterAgeRatio: 0 }, '0'],
  ])('%s outside (0, 1) is refused', (prop, extra, value) => {
    const stack = newStack();
    const fanout = new FifoFanout(stack, 'Prices');
    const error = expectRefused(() => new FifoAlarms(stack, 'Alarms', { topic: fanout.topic, subscribers: [fanout.addSubscriber('A')], ...extra }), 'Test/Alarms', [
      [prop, ValidationErrorCode.ALARM_SETTINGS],
    ]);
    expect(error.message).toContain(`${prop}: ${value} is not allowed`);
  });

  test('a token retention period or ratio is refused: the thresholds must be known at synth', () => {
    const stack = newStack();
    const fanout = new FifoFanout(stack, 'Prices');
    const seconds = new CfnParameter(stack, 'Seconds', { type: 'Number' }).valueAsNumber;
    const subscriber = fanout.addSubscriber('A', { retentionPeriod: Duration.seconds(seconds) });
    expectRefused(() => new FifoAlarms(stack, 'Alarms', { topic: fanout.topic, subscribers: [subscriber], queueAgeRatio: new CfnParameter(stack, 'Ratio', { type: 'Number' }).valueAsNumber }),
      'Test/Alarms', [['queueAgeRatio', ValidationErrorCode.ALARM_SETTINGS], ['subscribers', ValidationErrorCode.ALARM_SETTINGS]]);
  });

  test('subscribers with the same construct id in two fan-outs get alarms of their own', () => {
    const stack = newStack();
    const one = new FifoFanout(stack, 'One', { topicName: 'one' });
    const two = new FifoFanout(stack, 'Two', { topicName: 'two' });
    new FifoAlarms(stack, 'Alarms', { topic: one.topic, subscribers: [one.addSubscriber('Retail'), two.addSubscriber('Retail')] });
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Alarm', 3 + 2 * 3);
  });

  test('alarmsFor refuses a subscriber the alarms do not watch, naming both', () => {
    const { alarms, fanout } = monitored();
    const stranger = fanout.addSubscriber('Stranger');
    expect(() => alarms.alarmsFor(stranger)).toThrow(/Monitoring\/Alarms: alarmsFor\(Platform\/Prices\/Stranger\): not one of these alarms' subscribers; allowed: a subscriber passed in the subscribers prop/);
  });

  test('no subscribers is refused', () => {
    const stack = newStack();
    expectRefused(() => new FifoAlarms(stack, 'Alarms', { topic: new SecureFifoTopic(stack, 'T'), subscribers: [] }), 'Test/Alarms', [
      ['subscribers', ValidationErrorCode.ALARM_SETTINGS],
    ]);
  });

  test('100 subscribers: every stack stays within 500 resources, alarms in their own stack', () => {
    const app = newApp();
    const platform = new Stack(app, 'Platform', { env: ENV });
    const fanout = new FifoFanout(platform, 'Prices');
    const subscribers = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? fanout.addSubscriber(`F${i}`) : fanout.addStandardSubscriber(`S${i}`)));
    const monitoring = new Stack(app, 'Monitoring', { env: ENV });
    new FifoAlarms(monitoring, 'Alarms', { topic: fanout.topic, subscribers });
    const count = (stack: Stack) => Object.keys(Template.fromStack(stack).toJSON().Resources).length;
    expect(count(platform)).toBe(453);
    expect(count(monitoring)).toBe(3 + 3 * 50 + 4 * 50 + 1); // topic, FIFO and standard subscribers, dashboard
  });
});

describe('Lambda consumers', () => {
  function withConsumer(timeout: Duration | undefined, visibilityTimeout?: Duration, options = {}) {
    const stack = newStack();
    const fanout = new FifoFanout(stack, 'Prices');
    const retail = fanout.addSubscriber('Retail', { visibilityTimeout });
    const fn = new lambda.Function(stack, 'Consumer', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
      timeout,
    });
    return { stack, retail, fn, add: () => retail.addLambdaConsumer(fn, options) };
  }

  test('a FIFO event source: partial batch responses, 10 per batch, no batching window', () => {
    const { stack, add } = withConsumer(Duration.seconds(5));
    add();
    const [[, mapping]] = resourcesOf(Template.fromStack(stack), 'AWS::Lambda::EventSourceMapping');
    expect(mapping.Properties).toMatchObject({ BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    expect(mapping.Properties.MaximumBatchingWindowInSeconds).toBeUndefined();
  });

  test('maxConcurrency is passed through', () => {
    const { stack, add } = withConsumer(Duration.seconds(5), undefined, { maxConcurrency: 5 });
    add();
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 5 } });
  });

  test('provisionedPollerConfig (provisioned mode) is passed through', () => {
    const { stack, add } = withConsumer(Duration.seconds(5), undefined, { provisionedPollerConfig: { minimumPollers: 2, maximumPollers: 50 } });
    add();
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::EventSourceMapping', { ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 50 } });
  });

  test.each([
    ['minimumPollers 1 (SQS needs at least 2)', { minimumPollers: 1 }, [['provisionedPollerConfig.minimumPollers', ValidationErrorCode.OUT_OF_RANGE]]],
    ['minimumPollers 201', { minimumPollers: 201 }, [['provisionedPollerConfig.minimumPollers', ValidationErrorCode.OUT_OF_RANGE]]],
    ['maximumPollers 2,001', { maximumPollers: 2001 }, [['provisionedPollerConfig.maximumPollers', ValidationErrorCode.OUT_OF_RANGE]]],
    ['minimumPollers above maximumPollers', { minimumPollers: 20, maximumPollers: 10 }, [['provisionedPollerConfig.minimumPollers', ValidationErrorCode.LAMBDA_CONSUMER]]],
  ] as Array<[string, lambda.ProvisionedPollerConfig, Array<[string, ValidationErrorCode]>]>)('provisionedPollerConfig with %s is refused', (_what, provisionedPollerConfig, problems) => {
    const { add } = withConsumer(Duration.seconds(5), undefined, { provisionedPollerConfig });
    expectRefused(add, 'Test/Prices/Retail', problems);
  });

  test('provisionedPollerConfig with maxConcurrency is refused (Lambda takes one or the other)', () => {
    const { add } = withConsumer(Duration.seconds(5), undefined, { maxConcurrency: 5, provisionedPollerConfig: { minimumPollers: 2 } });
    const error = expectRefused(add, 'Test/Prices/Retail', [['provisionedPollerConfig', ValidationErrorCode.LAMBDA_CONSUMER]]);
    expect(error.message).toMatch(/allowed: one of provisionedPollerConfig and maxConcurrency/);
  });

  test("the function's role may receive, delete and change visibility, and decrypt, nothing more on the key", () => {
    const { stack, add } = withConsumer(Duration.seconds(5));
    add();
    const actions = resourcesOf(Template.fromStack(stack), 'AWS::IAM::Policy').flatMap(([, p]) => p.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat()));
    expect(actions).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'kms:Decrypt']));
    expect(actions.filter((a: string) => a.startsWith('kms:'))).toEqual(['kms:Decrypt']);
  });

  test('a visibility timeout under 6 x the function timeout is refused, naming both values and the fix', () => {
    const { add } = withConsumer(Duration.seconds(10), Duration.seconds(30));
    expect(add).toThrow(/Test\/Prices\/Retail: invalid addLambdaConsumer\(Test\/Consumer\) props:\n {2}- visibilityTimeout: 30 seconds is not allowed; allowed: at least 6 x the function timeout \(10 seconds\) = 1 minute\. Set the subscriber's visibilityTimeout to 1 minute or more/);
  });

  test("the 6 x rule counts Lambda's default 3 s timeout when none is set", () => {
    const { add } = withConsumer(undefined, Duration.seconds(17));
    expect(add).toThrow(/visibilityTimeout: 17 seconds is not allowed; allowed: at least 6 x the function timeout \(3 seconds\) = 18 seconds/);
  });

  test('exactly 6 x the function timeout is accepted', () => {
    const { add } = withConsumer(Duration.seconds(5), Duration.seconds(30));
    expect(add).not.toThrow();
  });

  test.each([
    ['batchSize 11 on a FIFO queue', { batchSize: 11 }, 'batchSize: 11 is not allowed; allowed: a whole number from 1 to 10'],
    ['a batching window on a FIFO queue', { maxBatchingWindow: Duration.seconds(5) }, 'maxBatchingWindow: 5 seconds is not allowed; allowed: unset for a FIFO queue'],
    ['maxConcurrency 1', { maxConcurrency: 1 }, 'maxConcurrency: 1 is not allowed; allowed: a whole number from 2 to 1000'],
    ['a batching window over 5 minutes', { maxBatchingWindow: Duration.seconds(301) }, 'maxBatchingWindow: 5 minutes 1 second is not allowed; allowed: at most 5 minutes'],
  ])('%s is refused', (_what, options, message) => {
    const { add } = withConsumer(Duration.seconds(5), undefined, options);
    expect(add).toThrow(message);
  });

  test('a private subscriber exempts the function role from the endpoint-only statements (Lambda polls from outside the VPC)', () => {
    const stack = newStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-12345678', availabilityZones: ['eu-west-1a'], isolatedSubnetIds: ['subnet-aaaa1111'] });
    const fanout = new FifoFanout(stack, 'Prices', { privateEndpoints: new MessagingEndpoints(stack, 'Endpoints', { vpc }) });
    const retail = fanout.addSubscriber('Retail');
    const fn = new lambda.Function(stack, 'Consumer', {
      runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({});'), timeout: Duration.seconds(5),
    });
    retail.addLambdaConsumer(fn);
    const [[, policy]] = resourcesOf(Template.fromStack(stack), 'AWS::SQS::QueuePolicy');
    const denies = policy.Properties.PolicyDocument.Statement.filter((s: any) => s.Condition?.StringNotEquals?.['aws:SourceVpce']);
    expect(denies).toHaveLength(2);
    for (const deny of denies) {
      expect(deny.Condition.ArnNotEquals).toEqual({ 'aws:PrincipalArn': [{ 'Fn::GetAtt': [stack.getLogicalId(fn.role!.node.defaultChild as any), 'Arn'] }] });
    }
  });

  test('a standard subscriber refuses more than 10 per batch without a batching window (our error, not aws-cdk-lib\'s)', () => {
    const stack = newStack();
    const analytics = new FifoFanout(stack, 'Prices').addStandardSubscriber('Analytics', { visibilityTimeout: Duration.minutes(1) });
    const fn = new lambda.Function(stack, 'Consumer', {
      runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({});'), timeout: Duration.seconds(10),
    });
    expectRefused(() => analytics.addLambdaConsumer(fn, { batchSize: 100 }), 'Test/Prices/Analytics', [['batchSize', ValidationErrorCode.LAMBDA_CONSUMER]]);
  });

  test('a standard subscriber takes a Lambda consumer too (batching window allowed)', () => {
    const stack = newStack();
    const analytics = new FifoFanout(stack, 'Prices').addStandardSubscriber('Analytics', { visibilityTimeout: Duration.minutes(1) });
    const fn = new lambda.Function(stack, 'Consumer', {
      runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({});'), timeout: Duration.seconds(10),
    });
    analytics.addLambdaConsumer(fn, { batchSize: 100, maxBatchingWindow: Duration.seconds(5) });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 100, MaximumBatchingWindowInSeconds: 5, FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});

describe('Lambda consumers: the batching window and functions whose timeout cannot be read', () => {
  function standardWithConsumer(visibilityTimeout: Duration) {
    const stack = newStack();
    const analytics = new FifoFanout(stack, 'Prices').addStandardSubscriber('Analytics', { visibilityTimeout });
    const fn = new lambda.Function(stack, 'Consumer', {
      runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({});'), timeout: Duration.seconds(10),
    });
    analytics.addLambdaConsumer(fn, { batchSize: 100, maxBatchingWindow: Duration.seconds(5) });
    return stack;
  }

  test('a standard subscriber counts the batching window: under 6 x the timeout plus the window warns lambdaBatchingWindow', () => {
    const stack = standardWithConsumer(Duration.seconds(60));
    const warnings = warningsWithId(stack, 'cdk-secure-fifo:lambdaBatchingWindow');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].id).toBe('/Test/Prices/Analytics');
    expect(warnings[0].entry.data).toMatch(/6 x the function timeout \(10 seconds\) plus the batching window \(5 seconds\) = 1 minute 5 seconds/);
  });

  test('6 x the timeout plus the batching window gives no warning', () => {
    expect(warningsWithId(standardWithConsumer(Duration.seconds(65)), 'cdk-secure-fifo:lambdaBatchingWindow')).toHaveLength(0);
  });

  test('an imported function (timeout unknown here) warns lambdaTimeoutUnknown with the rule instead of skipping it', () => {
    const stack = newStack();
    const retail = new FifoFanout(stack, 'Prices').addSubscriber('Retail');
    const fn = lambda.Function.fromFunctionAttributes(stack, 'Imported', {
      functionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:consumer',
      role: iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::111111111111:role/consumer'),
    });
    retail.addLambdaConsumer(fn);
    const warnings = warningsWithId(stack, 'cdk-secure-fifo:lambdaTimeoutUnknown');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].id).toBe('/Test/Prices/Retail');
    expect(warnings[0].entry.data).toMatch(/must be at least 6 x the function's timeout/);
  });
});

describe('replay and redrive', () => {
  test('a topic with an archive is retained on removal by default; without one it is not', () => {
    const withArchive = newStack();
    new SecureFifoTopic(withArchive, 'Topic', { archiveRetention: Duration.days(7) });
    Template.fromStack(withArchive).hasResource('AWS::SNS::Topic', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    const without = newStack();
    new SecureFifoTopic(without, 'Topic');
    expect(resourcesOf(Template.fromStack(without), 'AWS::SNS::Topic')[0][1].DeletionPolicy).toBeUndefined();
    const destroyed = newStack();
    new FifoFanout(destroyed, 'Prices', { archiveRetention: Duration.days(7), removalPolicy: RemovalPolicy.DESTROY });
    Template.fromStack(destroyed).hasResource('AWS::SNS::Topic', { DeletionPolicy: 'Delete' });
  });

  test('ReplayPolicy is never put into the template', () => {
    const stack = newStack();
    new FifoFanout(stack, 'Prices', { archiveRetention: Duration.days(7) }).addSubscriber('Retail');
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toContain('ReplayPolicy');
  });

  test('grantReplay allows setting attributes on that subscription only', () => {
    const stack = newStack();
    const retail = new FifoFanout(stack, 'Prices', { archiveRetention: Duration.days(7) }).addSubscriber('Retail');
    const role = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
    retail.grantReplay(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{
          Effect: 'Allow',
          Action: ['sns:SetSubscriptionAttributes', 'sns:GetSubscriptionAttributes'],
          Resource: { Ref: stack.getLogicalId(retail.subscription.node.defaultChild as any) },
        }],
      },
    });
  });

  test('grantRedrive allows the move task on the DLQs, send on the queue, and the key', () => {
    const stack = newStack();
    const analytics = new FifoFanout(stack, 'Prices').addStandardSubscriber('Analytics');
    const role = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
    analytics.grantRedrive(role);
    const statements = resourcesOf(Template.fromStack(stack), 'AWS::IAM::Policy')[0][1].Properties.PolicyDocument.Statement;
    const byAction = (action: string) => statements.filter((s: any) => [s.Action].flat().includes(action));
    expect(byAction('sqs:StartMessageMoveTask')[0].Resource).toHaveLength(2);
    expect(byAction('sqs:SendMessage')[0].Resource).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(analytics.queue.node.defaultChild as any), 'Arn'] });
    expect(byAction('kms:Decrypt')[0].Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });
});
