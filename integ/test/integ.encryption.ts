// Encryption: the topic, every queue and every dead-letter queue report the customer managed key
// (KmsMasterKeyId), the fan-out's own key for its subscribers, and a team's own key for a subscriber
// in another stack ("Platform and teams"); SNS can deliver through both keys.
import { ExpectedResult, IApiCall, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { Annotations, App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { FifoFanout, FifoSubscriber } from 'cdk-secure-fifo';
import { inSequence, POLLED_MAX_RECEIVE_COUNT, publish, receiveExactly, shortPendingWindow } from './support';

const app = new App();
const platform = new Stack(app, 'SecureFifoIntegEncryptionPlatform');
const fanout = new FifoFanout(platform, 'Prices', { removalPolicy: RemovalPolicy.DESTROY });
shortPendingWindow(fanout.encryptionKey);
const billing = fanout.addSubscriber('Billing', { maxReceiveCount: POLLED_MAX_RECEIVE_COUNT });
const analytics = fanout.addStandardSubscriber('Analytics', { removalPolicy: RemovalPolicy.DESTROY });
Annotations.of(analytics).acknowledgeWarning('cdk-secure-fifo:standardQueueAtLeastOnce', 'Only its encryption is tested here.');

// A team's subscriber in its own stack: it gets a FifoKey of its own.
const teamStack = new Stack(app, 'SecureFifoIntegEncryptionTeam');
const team = new FifoSubscriber(teamStack, 'Retail', { topic: fanout.topic, maxReceiveCount: POLLED_MAX_RECEIVE_COUNT, removalPolicy: RemovalPolicy.DESTROY });
const teamKey = team.queue.encryptionMasterKey!;
// The queue's removalPolicy covers the queue and its DLQ; its key is retained by design. Not here.
(teamKey as kms.Key).applyRemovalPolicy(RemovalPolicy.DESTROY);
shortPendingWindow(teamKey);

const integ = new IntegTest(app, 'EncryptionTest', { testCases: [platform, teamStack], stackUpdateWorkflow: false });

// assertAtPath keeps only that attribute in the custom resource's response (a whole
// GetTopicAttributes response, with its policy, can exceed CloudFormation's 4 KB).
const topicKey = integ.assertions.awsApiCall('SNS', 'getTopicAttributes', { TopicArn: fanout.topic.topicArn })
  .assertAtPath('Attributes.KmsMasterKeyId', ExpectedResult.exact(fanout.encryptionKey.keyArn));

function queueKey(queue: sqs.IQueue, key: kms.IKey): IApiCall {
  return integ.assertions.awsApiCall('SQS', 'getQueueAttributes', { QueueUrl: queue.queueUrl, AttributeNames: ['KmsMasterKeyId'] })
    .assertAtPath('Attributes.KmsMasterKeyId', ExpectedResult.exact(key.keyArn));
}

const platformKey = fanout.encryptionKey;
const price = '{"sku":"wiper-blade-5","price":"7.90"}';
inSequence(
  topicKey,
  queueKey(billing.queue, platformKey),
  queueKey(billing.deadLetterQueue, platformKey),
  queueKey(analytics.queue, platformKey),
  queueKey(analytics.deadLetterQueue, platformKey),
  queueKey(analytics.deliveryDeadLetterQueue, platformKey),
  queueKey(team.queue, teamKey),
  queueKey(team.deadLetterQueue, teamKey),
  // SNS encrypts with each queue's key: the key policies admit it for this topic.
  publish(integ, fanout.topic.topicArn, platformKey, { body: price, groupId: 'sku-wiper-blade-5', deduplicationId: 'wiper-1' }),
  receiveExactly(integ, billing.queue, platformKey, [price]),
  receiveExactly(integ, team.queue, teamKey, [price]),
);

app.synth();
