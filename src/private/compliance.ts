import { CfnResource, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';

/** The cdk-nag Serverless rule that wants a redrive policy on every queue. */
export const TERMINAL_DLQ_RULE = 'Serverless-SQSRedrivePolicy';

/** The cdk-nag AwsSolutions rule that wants every queue to have a DLQ or to be another queue's DLQ. */
export const SQS_DLQ_RULE = 'AwsSolutions-SQS3';

/**
 * A dead-letter queue is where redrives end: giving it a DLQ of its own would only move the
 * problem one queue further. This acknowledgement is scoped to the DLQ and says why.
 */
export function acknowledgeTerminalDeadLetterQueue(deadLetterQueue: sqs.IQueue): void {
  // Written into the template of every DLQ (cdk-nag 2 metadata), so kept short: the JSDoc above says why.
  acknowledge(deadLetterQueue, TERMINAL_DLQ_RULE, 'Terminal dead-letter queue: redrive it to its source queue.');
}

/**
 * A queue that only an SNS subscription's RedrivePolicy points at is a dead-letter queue, but
 * cdk-nag recognizes only SQS-to-SQS dead-letter queues. Scoped to that queue, with the reason.
 */
export function acknowledgeSubscriptionDeadLetterQueue(deadLetterQueue: sqs.IQueue): void {
  acknowledgeTerminalDeadLetterQueue(deadLetterQueue);
  acknowledge(deadLetterQueue, SQS_DLQ_RULE, "The dead-letter queue of an SNS subscription (the subscription's RedrivePolicy targets it); cdk-nag recognizes only SQS-to-SQS dead-letter queues.");
}

/**
 * Acknowledges a cdk-nag rule on one queue, for both cdk-nag lines: cdk-nag 3 reads
 * `Validations.acknowledge`; cdk-nag 2 reads the `cdk_nag` metadata of the CloudFormation resource
 * (`rules_to_suppress`, the format its `NagSuppressions` writes).
 */
function acknowledge(queue: sqs.IQueue, id: string, reason: string): void {
  Validations.of(queue).acknowledge({ id, reason });
  const resource = queue.node.defaultChild as CfnResource;
  const existing = (resource.getMetadata('cdk_nag') as { rules_to_suppress?: Array<{ id: string; reason: string }> } | undefined)?.rules_to_suppress ?? [];
  resource.addMetadata('cdk_nag', { rules_to_suppress: [...existing.filter((r) => r.id !== id), { id, reason }] });
}
