import { Stack } from 'aws-cdk-lib';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ACCOUNT, Actor, ALLOWED, DENIED, evaluate, NOT_GRANTED, REGION, Row, THIRD_ACCOUNT, title, World } from './policy-world';
import { ENV, newApp } from './util';
import { FifoAlarms, FifoFanout, FifoKey } from '../src';

/*
 * CloudWatch publishing an alarm notification to a TLS-only (enforceSSL), encrypted alarm topic of
 * this app, resolved and simulated. The topic policy that enforceSSL creates replaces SNS's default
 * policy, so CloudWatch needs its own Allow.
 *
 * The caller: CloudWatch publishes as the service principal cloudwatch.amazonaws.com, for the alarm
 * (aws:SourceArn = the alarm's ARN, as the denial message quotes it:
 * https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger), in the alarm's
 * account (aws:SourceAccount: the confused-deputy keys AWS documents for services publishing to
 * topics, https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html), over TLS.
 */

const ALARMING = 'cloudwatch.amazonaws.com (an alarm)';
const OUR_ALARM = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:Monitoring-AlarmsRetailOldestMessageAge-ABC123`;
const OTHER_ACCOUNT_ALARM = `arn:aws:cloudwatch:${REGION}:${THIRD_ACCOUNT}:alarm:exfiltration`;

function cloudWatchFor(alarmArn: string): Actor {
  return {
    principal: 'cloudwatch.amazonaws.com',
    identityPolicies: [],
    context: {
      'aws:PrincipalIsAWSService': 'true',
      'aws:PrincipalServiceName': 'cloudwatch.amazonaws.com',
      'aws:SourceAccount': alarmArn.split(':')[4],
    },
    isService: true,
  };
}

function alarmTopicWorld(alarmArn: string): World {
  const stack = new Stack(newApp(), 'Monitoring', { env: ENV });
  const fanout = new FifoFanout(stack, 'Prices', { topicName: 'price-updates' });
  const onCall = new sns.Topic(stack, 'OnCall', { topicName: 'on-call', enforceSSL: true, masterKey: new FifoKey(stack, 'OnCallKey') });
  new FifoAlarms(stack, 'Alarms', { topic: fanout.topic, subscribers: [fanout.addSubscriber('Retail')], alarmAction: new cwActions.SnsAction(onCall) });
  const world = new World(stack, { resources: { 'the alarm topic': onCall.topicArn, 'the alarm key': onCall.masterKey!.keyArn } });
  world.actors[ALARMING] = cloudWatchFor(alarmArn);
  return world;
}

const ROWS: Array<[string, Row]> = [
  [OUR_ALARM, { who: ALARMING, does: 'sns:Publish', on: 'the alarm topic', forTopic: OUR_ALARM, expect: ALLOWED }],
  [OUR_ALARM, { who: ALARMING, does: 'kms:GenerateDataKey', on: 'the alarm key', forTopic: OUR_ALARM, expect: ALLOWED }],
  [OUR_ALARM, { who: ALARMING, does: 'kms:Decrypt', on: 'the alarm key', forTopic: OUR_ALARM, expect: ALLOWED }],
  // TLS only still holds for CloudWatch.
  [OUR_ALARM, { who: ALARMING, does: 'sns:Publish', on: 'the alarm topic', forTopic: OUR_ALARM, tls: false, expect: DENIED }],
  // An alarm of another account (the confused deputy): nothing.
  [OTHER_ACCOUNT_ALARM, { who: ALARMING, does: 'sns:Publish', on: 'the alarm topic', forTopic: OTHER_ACCOUNT_ALARM, expect: NOT_GRANTED }],
  [OTHER_ACCOUNT_ALARM, { who: ALARMING, does: 'kms:GenerateDataKey', on: 'the alarm key', forTopic: OTHER_ACCOUNT_ALARM, expect: NOT_GRANTED }],
];

describe('CloudWatch publishing to a TLS-only, encrypted alarm topic of this app, resolved and simulated', () => {
  test.each(ROWS.map(([alarm, row]) => [title(row), alarm, row] as const))('%s', async (_title, alarm, row) => {
    expect(await evaluate(alarmTopicWorld(alarm), row)).toBe(row.expect);
  });

  test('without the CloudWatch statement, the TLS-only topic policy refuses the alarm\'s publish', async () => {
    const world = alarmTopicWorld(OUR_ALARM);
    const row: Row = { who: ALARMING, does: 'sns:Publish', on: 'the alarm topic', forTopic: OUR_ALARM, expect: ALLOWED };
    expect(await evaluate(world, row)).toBe(ALLOWED);
    expect(world.removeStatements('the alarm topic', (s) => JSON.stringify(s).includes('cloudwatch.amazonaws.com'))).toBe(1);
    expect(await evaluate(world, row)).toBe(NOT_GRANTED);
  });
});
