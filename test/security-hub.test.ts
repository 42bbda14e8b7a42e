import { Template } from 'aws-cdk-lib/assertions';
import { newApp, resourcesOf } from './util';
import { PriceUpdatesStack } from '../examples/price-updates/stack';

/*
 * Security Hub controls SNS.1 and SNS.2, evaluated on the synthesized example as the AWS Config rules
 * behind them are written (Security Hub runs the rule; the control passes when the rule is COMPLIANT):
 * - SNS.1 (https://docs.aws.amazon.com/securityhub/latest/userguide/sns-controls.html#sns-1) runs
 *   sns-encrypted-kms (https://docs.aws.amazon.com/config/latest/developerguide/sns-encrypted-kms.html):
 *   NON_COMPLIANT when a topic is not encrypted with AWS KMS; proactively, the topic must carry a
 *   `KmsMasterKeyId`. No `kmsKeyIds` parameter: any KMS key passes.
 * - SNS.2 (https://docs.aws.amazon.com/securityhub/latest/userguide/sns-controls.html#sns-2) runs
 *   sns-topic-message-delivery-notification-enabled
 *   (https://docs.aws.amazon.com/config/latest/developerguide/sns-topic-message-delivery-notification-enabled.html):
 *   NON_COMPLIANT when delivery-status logging is not enabled for the topic's endpoints. A FIFO
 *   topic's endpoints are SQS queues only (https://docs.aws.amazon.com/sns/latest/dg/fifo-message-delivery.html),
 *   so logging is enabled when the SQS delivery-status attributes are set: SQSSuccessFeedbackRoleArn,
 *   SQSFailureFeedbackRoleArn and SQSSuccessFeedbackSampleRate
 *   (https://docs.aws.amazon.com/sns/latest/dg/msg-status-sdk.html), which CloudFormation sets from
 *   `DeliveryStatusLogging` entries with `Protocol: sqs`
 *   (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-sns-topic-loggingconfig.html).
 */

/** sns-encrypted-kms, proactive form: the topic names a KMS key. */
function snsEncryptedKms(topic: any): boolean {
  const keyId = topic.Properties?.KmsMasterKeyId;
  return keyId !== undefined && keyId !== '';
}

/** sns-topic-message-delivery-notification-enabled for a FIFO topic: the sqs protocol's attributes are set. */
function snsDeliveryNotificationEnabled(topic: any): boolean {
  const configs: any[] = topic.Properties?.DeliveryStatusLogging ?? [];
  return configs.some((c) => c.Protocol === 'sqs'
    && c.SuccessFeedbackRoleArn !== undefined
    && c.FailureFeedbackRoleArn !== undefined
    && c.SuccessFeedbackSampleRate !== undefined);
}

function exampleTopics(props: ConstructorParameters<typeof PriceUpdatesStack>[2] = {}): Array<[string, any]> {
  const stack = new PriceUpdatesStack(newApp(), 'PriceUpdates', props);
  const topics = resourcesOf(Template.fromStack(stack), 'AWS::SNS::Topic');
  expect(topics.length).toBeGreaterThan(0);
  return topics;
}

test('SNS.1: the price-updates example passes as shipped (every topic names its KMS key)', () => {
  for (const [id, topic] of exampleTopics()) {
    expect([id, snsEncryptedKms(topic)]).toEqual([id, true]);
  }
});

test('SNS.2: the price-updates example as shipped fails (delivery-status logging is opt-in)', () => {
  for (const [id, topic] of exampleTopics()) {
    expect([id, snsDeliveryNotificationEnabled(topic)]).toEqual([id, false]);
  }
});

test('SNS.1 and SNS.2: the price-updates example with deliveryStatusLogging passes both', () => {
  for (const [id, topic] of exampleTopics({ deliveryStatusLogging: { successSampleRate: 10 } })) {
    expect([id, snsEncryptedKms(topic), snsDeliveryNotificationEnabled(topic)]).toEqual([id, true, true]);
  }
});
