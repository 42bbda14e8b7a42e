import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { FifoAlarms, FifoFanout, FifoKey, ValidationErrorCode } from '../src';
import { ENV, expectRefused, newApp, resourcesOf, warningsWithId } from './util';

/*
 * FifoAlarms against what AWS documents about expiry and alarm actions:
 * - a standard queue's message keeps its original enqueue time in the DLQ, a FIFO message's resets
 *   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/setting-up-dead-letter-queue-retention.html);
 * - a service publishing to an encrypted topic needs the key policy to admit it
 *   (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
 */

function alarmsOn(stack: Stack, queueName: string, metricName = 'ApproximateAgeOfOldestMessage'): any[] {
  return resourcesOf(Template.fromStack(stack), 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties)
    .filter((a) => JSON.stringify(a).includes(`"MetricName":"${metricName}"`) && JSON.stringify(a).includes(`"Value":"${queueName}"`));
}

/** Every CloudWatch alarm of the test account and region, as CloudFormation receives the pattern. */
const ALARMS_OF_ACCOUNT = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudwatch:${ENV.region}:${ENV.account}:alarm:*`]] };

function standardSubscriber(retentionPeriod?: Duration) {
  const stack = new Stack(newApp(), 'Test', { env: ENV });
  const fanout = new FifoFanout(stack, 'Prices', { topicName: 'prices' });
  const analytics = fanout.addStandardSubscriber('Analytics', { queueName: 'analytics', retentionPeriod });
  return { stack, fanout, analytics };
}

describe('the DLQ-age alarm counts from when SQS will delete the message', () => {
  test.each([
    [undefined, 648_000], // 0.75 x (14 - 4) days
    [Duration.days(12), 129_600], // 0.75 x (14 - 12) days
    [Duration.hours(1), 904_500], // 0.75 x (14 days - 1 hour)
  ])('standard subscriber, retention %s: its consumer DLQ alarms at 75 %% of what is left of 14 days (%i s)', (retention, threshold) => {
    const { stack, fanout, analytics } = standardSubscriber(retention);
    new FifoAlarms(stack, 'Alarms', { topic: fanout.topic, subscribers: [analytics] });
    const [alarm] = alarmsOn(stack, 'analytics-dlq');
    expect(alarm.Threshold).toBe(threshold);
  });

  test("a standard subscriber's consumer-DLQ age alarm says expiry counts from the original send", () => {
    const { stack, fanout, analytics } = standardSubscriber();
    new FifoAlarms(stack, 'Alarms', { topic: fanout.topic, subscribers: [analytics] });
    const [alarm] = alarmsOn(stack, 'analytics-dlq');
    expect(alarm.AlarmDescription).toMatch(/original send/);
  });

  test("a standard subscriber's delivery DLQ (FIFO, filled by SNS) keeps the full 14 days: its own alarm at 10.5 days", () => {
    const { stack, fanout, analytics } = standardSubscriber(Duration.days(12));
    const alarms = new FifoAlarms(stack, 'Alarms', { topic: fanout.topic, subscribers: [analytics] });
    const delivery = alarmsOn(stack, 'analytics-delivery-dlq.fifo');
    expect(delivery).toHaveLength(1);
    expect(delivery[0].Threshold).toBe(907_200);
    expect(alarms.alarmsFor(analytics).deliveryDeadLetterAge).toBeDefined();
  });

  test('a FIFO subscriber keeps 10.5 of 14 days whatever its retention: FIFO resets the enqueue time on the move', () => {
    const stack = new Stack(newApp(), 'Test', { env: ENV });
    const fanout = new FifoFanout(stack, 'Prices', { topicName: 'prices' });
    const retail = fanout.addSubscriber('Retail', { queueName: 'retail', retentionPeriod: Duration.days(14) });
    const alarms = new FifoAlarms(stack, 'Alarms', { topic: fanout.topic, subscribers: [retail] });
    expect(alarmsOn(stack, 'retail-dlq.fifo')[0].Threshold).toBe(907_200);
    expect(alarms.alarmsFor(retail).deliveryDeadLetterAge).toBeUndefined();
  });

  test('a standard subscriber that keeps messages 14 days leaves no time in its DLQ: refused, naming the subscriber and the fix', () => {
    const { stack, fanout, analytics } = standardSubscriber(Duration.days(14));
    const error = expectRefused(() => new FifoAlarms(stack, 'Alarms', { topic: fanout.topic, subscribers: [analytics] }), 'Test/Alarms', [
      ['subscribers', ValidationErrorCode.DEAD_LETTER_EXPIRY],
    ]);
    expect(error.message).toContain('Test/Prices/Analytics');
    expect(error.message).toMatch(/retentionPeriod/);
  });
});

describe('alarm actions that publish to an encrypted topic', () => {
  function withAlarmTopic(topicOf: (stack: Stack) => sns.ITopic) {
    const stack = new Stack(newApp(), 'Test', { env: ENV });
    const fanout = new FifoFanout(stack, 'Prices', { topicName: 'prices' });
    const retail = fanout.addSubscriber('Retail');
    const topic = topicOf(stack);
    new FifoAlarms(stack, 'Alarms', { topic: fanout.topic, subscribers: [retail], alarmAction: new cwActions.SnsAction(topic) });
    return stack;
  }

  // The SNS key-management page's statement with the conditions it documents against the confused
  // deputy: aws:SourceAccount and aws:SourceArn (here every alarm of the account and region).
  const CLOUDWATCH_STATEMENT = {
    Effect: 'Allow',
    Principal: { Service: 'cloudwatch.amazonaws.com' },
    Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
    Resource: '*',
    Condition: {
      StringEquals: { 'aws:SourceAccount': ENV.account },
      ArnLike: { 'aws:SourceArn': ALARMS_OF_ACCOUNT },
    },
  };

  test('a topic encrypted with a key of this app: the key admits CloudWatch, as the SNS key-management page documents', () => {
    const stack = withAlarmTopic((s) => new sns.Topic(s, 'OnCall', { masterKey: new FifoKey(s, 'AlarmKey') }));
    const keys = resourcesOf(Template.fromStack(stack), 'AWS::KMS::Key').filter(([id]) => id.startsWith('AlarmKey'));
    expect(keys).toHaveLength(1);
    expect(keys[0][1].Properties.KeyPolicy.Statement).toContainEqual(CLOUDWATCH_STATEMENT);
  });

  test('the fan-out key, which CloudWatch does not publish for, gets no CloudWatch statement', () => {
    const stack = withAlarmTopic((s) => new sns.Topic(s, 'OnCall', { masterKey: new FifoKey(s, 'AlarmKey') }));
    const fanoutKey = resourcesOf(Template.fromStack(stack), 'AWS::KMS::Key').find(([id]) => id.startsWith('Prices'))!;
    expect(JSON.stringify(fanoutKey[1].Properties.KeyPolicy)).not.toContain('cloudwatch.amazonaws.com');
  });

  // The SNS access-control example for alarms (aws:SourceArn like the alarms' ARN) and aws:SourceAccount.
  const TOPIC_STATEMENT = {
    Sid: 'AllowCloudWatchAlarmsToPublish',
    Effect: 'Allow',
    Principal: { Service: 'cloudwatch.amazonaws.com' },
    Action: 'sns:Publish',
    Resource: { Ref: Match.stringLikeRegexp('^OnCall') },
    Condition: {
      ArnLike: { 'aws:SourceArn': ALARMS_OF_ACCOUNT },
      StringEquals: { 'aws:SourceAccount': ENV.account },
    },
  };

  test('a TLS-only alarm topic of this app: its topic policy admits CloudWatch with the documented conditions', () => {
    const stack = withAlarmTopic((s) => new sns.Topic(s, 'OnCall', { enforceSSL: true }));
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([TOPIC_STATEMENT]) },
    });
  });

  test('a topic policy created after FifoAlarms (a later addToResourcePolicy) still gets the statement', () => {
    const stack = withAlarmTopic((s) => new sns.Topic(s, 'OnCall'));
    const onCall = stack.node.findChild('OnCall') as sns.Topic;
    onCall.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.AccountRootPrincipal()], actions: ['sns:Subscribe'], resources: [onCall.topicArn] }));
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([TOPIC_STATEMENT]) },
    });
  });

  test('an alarm topic of this app without a topic policy keeps SNS\'s default policy: no policy is created', () => {
    const stack = withAlarmTopic((s) => new sns.Topic(s, 'OnCall'));
    expect(resourcesOf(Template.fromStack(stack), 'AWS::SNS::TopicPolicy').filter(([id]) => id.startsWith('OnCall'))).toHaveLength(0);
  });

  test('an imported alarm topic: a warning prints the topic-policy statement to add', () => {
    const stack = withAlarmTopic((s) => sns.Topic.fromTopicArn(s, 'OnCall', `arn:aws:sns:${ENV.region}:${ENV.account}:on-call`));
    const [warning] = warningsWithId(stack, 'cdk-secure-fifo:alarmTopicPolicy');
    expect(warning.id).toBe('/Test/Alarms');
    expect(String(warning.entry.data)).toContain('"Service":"cloudwatch.amazonaws.com"');
    expect(String(warning.entry.data)).toContain(`"aws:SourceArn":"arn:aws:cloudwatch:${ENV.region}:${ENV.account}:alarm:*"`);
    expect(String(warning.entry.data)).toContain(`"aws:SourceAccount":"${ENV.account}"`);
  });

  test('a topic encrypted with an imported key: a warning prints the statement to add', () => {
    const stack = withAlarmTopic((s) => new sns.Topic(s, 'OnCall', {
      masterKey: kms.Key.fromKeyArn(s, 'Imported', 'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555'),
    }));
    const [warning] = warningsWithId(stack, 'cdk-secure-fifo:alarmTopicKeyPolicy');
    expect(warning.id).toBe('/Test/Alarms');
    expect(String(warning.entry.data)).toContain('"Service":"cloudwatch.amazonaws.com"');
    expect(String(warning.entry.data)).toContain('kms:GenerateDataKey*');
  });

  test('an unencrypted topic needs no key statement and no warning', () => {
    const stack = withAlarmTopic((s) => new sns.Topic(s, 'OnCall'));
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toContain('cloudwatch.amazonaws.com');
    expect(warningsWithId(stack, 'cdk-secure-fifo:alarmTopicKeyPolicy')).toHaveLength(0);
    expect(warningsWithId(stack, 'cdk-secure-fifo:alarmTopicFifo')).toHaveLength(0);
  });

  test('a FIFO alarm topic warns: an alarm cannot send the message group ID a FIFO topic requires', () => {
    const stack = withAlarmTopic((s) => new sns.Topic(s, 'OnCall', { fifo: true, topicName: 'on-call' }));
    const [warning] = warningsWithId(stack, 'cdk-secure-fifo:alarmTopicFifo');
    expect(warning.id).toBe('/Test/Alarms');
    expect(String(warning.entry.data)).toMatch(/MessageGroupId/);
  });

  test('the key statement names no alarm, so it adds no reference from the key to the alarms (no cycle across stacks)', () => {
    const app = newApp();
    const platform = new Stack(app, 'Platform', { env: ENV });
    const key = new FifoKey(platform, 'AlarmKey');
    const onCall = new sns.Topic(platform, 'OnCall', { masterKey: key });
    const fanout = new FifoFanout(platform, 'Prices', { topicName: 'prices' });
    const monitoring = new Stack(app, 'Monitoring', { env: ENV });
    new FifoAlarms(monitoring, 'Alarms', { topic: fanout.topic, subscribers: [fanout.addSubscriber('Retail')], alarmAction: new cwActions.SnsAction(onCall) });
    const assembly = app.synth();
    expect(assembly.getStackByName('Platform').dependencies.map((d) => d.id).filter((d) => !d.endsWith('.assets'))).toEqual([]);
    Template.fromStack(platform).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } })]) },
    });
  });
});

describe('publisher silence: no message published for N periods', () => {
  function silence(periods?: number) {
    const stack = new Stack(newApp(), 'Test', { env: ENV });
    const fanout = new FifoFanout(stack, 'Prices', { topicName: 'prices' });
    const alarms = new FifoAlarms(stack, 'Alarms', { topic: fanout.topic, subscribers: [fanout.addSubscriber('Retail')], publisherSilencePeriods: periods });
    return { stack, alarms };
  }
  const published = (stack: Stack) => alarmsOn(stack, 'prices.fifo', 'NumberOfMessagesPublished');

  test('off by default', () => {
    expect(published(silence().stack)).toHaveLength(0);
  });

  test('fires when fewer than 1 message is published in each of N periods, missing data breaching', () => {
    const { stack, alarms } = silence(3);
    const [alarm] = published(stack);
    expect(alarm).toMatchObject({
      Namespace: 'AWS/SNS',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'breaching',
    });
    expect(alarms.topicAlarms.NumberOfMessagesPublished).toBeDefined();
  });

  test.each([0, -1, 1.5])('publisherSilencePeriods %p is refused, naming the prop', (periods) => {
    const stack = new Stack(newApp(), 'Test', { env: ENV });
    const fanout = new FifoFanout(stack, 'Prices', { topicName: 'prices' });
    expectRefused(() => new FifoAlarms(stack, 'Alarms', { topic: fanout.topic, subscribers: [fanout.addSubscriber('Retail')], publisherSilencePeriods: periods }),
      'Test/Alarms', [['publisherSilencePeriods', ValidationErrorCode.ALARM_SETTINGS]]);
  });
});

describe('time to drain against the retention headroom', () => {
  function drain(timeToDrain?: boolean) {
    const stack = new Stack(newApp(), 'Test', { env: ENV });
    const fanout = new FifoFanout(stack, 'Prices', { topicName: 'prices' });
    const retail = fanout.addSubscriber('Retail', { queueName: 'retail', retentionPeriod: Duration.days(4) });
    const alarms = new FifoAlarms(stack, 'Alarms', { topic: fanout.topic, subscribers: [retail], timeToDrain });
    const found = resourcesOf(Template.fromStack(stack), 'AWS::CloudWatch::Alarm').filter(([id]) => id.includes('RetailTimeToDrain')).map(([, a]) => a.Properties);
    return { found, alarms, retail };
  }

  test('off by default', () => {
    const { found, alarms, retail } = drain();
    expect(found).toHaveLength(0);
    expect(alarms.alarmsFor(retail).timeToDrain).toBeUndefined();
  });

  test('fires when the drain estimate exceeds retention minus the oldest message age; an idle queue (no data) is not breaching', () => {
    const { found: [alarm] } = drain(true);
    expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
  });

  test('the metric math: visible messages over the deletion rate, and the headroom from the retention period and the oldest age', () => {
    const { found: [alarm] } = drain(true);
    const byId = Object.fromEntries(alarm.Metrics.map((m: any) => [m.Id, m]));
    const returned = alarm.Metrics.filter((m: any) => m.ReturnData !== false);
    expect(returned).toHaveLength(1);
    expect(returned[0].Expression).toBe('drain - (345600 - age)');
    expect(byId.drain.Expression).toBe('IF(deleted > 0, visible / (deleted / PERIOD(deleted)), IF(visible > 0, 345600, 0))');
    const stat = (id: string) => [byId[id].MetricStat.Metric.MetricName, byId[id].MetricStat.Stat, byId[id].MetricStat.Metric.Dimensions[0].Value];
    expect(stat('visible')).toEqual(['ApproximateNumberOfMessagesVisible', 'Maximum', 'retail.fifo']);
    expect(stat('deleted')).toEqual(['NumberOfMessagesDeleted', 'Sum', 'retail.fifo']);
    expect(stat('age')).toEqual(['ApproximateAgeOfOldestMessage', 'Maximum', 'retail.fifo']);
  });
});
