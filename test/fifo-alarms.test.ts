import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
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

  const CLOUDWATCH_STATEMENT = {
    Effect: 'Allow',
    Principal: { Service: 'cloudwatch.amazonaws.com' },
    Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
    Resource: '*',
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
    expect(warningsWithId(stack, 'cdk-secure-fifo:alarmTopic')).toHaveLength(0);
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
