import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { DeliveryStatusLoggingOptions } from '../options';
import { checkIntRange, Problems } from './validation';

/** SNS's success sample rate is a percentage (https://docs.aws.amazon.com/sns/latest/dg/msg-status-sdk.html). */
export const SAMPLE_RATE = { min: 0, max: 100 };

/** Checks the delivery-status logging options of a topic. */
export function checkDeliveryStatusLogging(problems: Problems, prop: string, options: DeliveryStatusLoggingOptions | undefined): void {
  checkIntRange(problems, `${prop}.successSampleRate`, options?.successSampleRate, SAMPLE_RATE);
}

/**
 * The role SNS assumes to write the delivery status of `topicName` to CloudWatch Logs, and the
 * topic's logging configuration for the SQS protocol (the only protocol a FIFO topic delivers to,
 * https://docs.aws.amazon.com/sns/latest/dg/fifo-message-delivery.html).
 *
 * The role may do what AWS lists for it and nothing else: logs:CreateLogGroup, logs:CreateLogStream
 * and logs:PutLogEvents (https://docs.aws.amazon.com/sns/latest/dg/topics-attrib-prereq.html). AWS's
 * example allows them on every log group; here they are limited to the log group SNS names after the
 * topic, `sns/<region>/<account-id>/<topic-name>` (same page), the groups below it (SNS writes failed
 * deliveries to `<that name>/Failure`, which the page does not name, hence `/*` rather than that one
 * name) and their log streams. No other topic's groups match: only FIFO topic names contain a '.',
 * and they end in `.fifo`. Were the naming ever different, only the logs would be missing: SNS
 * delivers whether or not it can log.
 */
export function deliveryStatusLogging(scope: Construct, topicName: string, options: DeliveryStatusLoggingOptions): sns.LoggingConfig {
  const role = new iam.Role(scope, 'DeliveryStatusRole', {
    assumedBy: new iam.ServicePrincipal('sns.amazonaws.com'),
    description: `Lets SNS log the delivery status of ${topicName} to CloudWatch Logs`,
  });
  // A customer managed policy, not an inline one (cdk-nag's NIST/HIPAA/PCI packs refuse inline policies).
  const { partition, region, account } = Stack.of(scope);
  const logGroups = `arn:${partition}:logs:${region}:${account}:log-group:sns/${region}/${account}/${topicName}`;
  new iam.ManagedPolicy(scope, 'DeliveryStatusPolicy', {
    description: `CloudWatch Logs for the delivery status of ${topicName}`,
    roles: [role],
    statements: [
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        // The group, its log streams (log-group:<name>:log-stream:<stream>), the groups below it and theirs.
        resources: [logGroups, `${logGroups}:*`, `${logGroups}/*`],
      }),
    ],
  });
  return {
    protocol: sns.LoggingProtocol.SQS,
    successFeedbackRole: role,
    failureFeedbackRole: role,
    successFeedbackSampleRate: options.successSampleRate ?? 0,
  };
}
