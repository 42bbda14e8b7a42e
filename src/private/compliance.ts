import { Validations } from 'aws-cdk-lib';
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
  Validations.of(deadLetterQueue).acknowledge({
    id: TERMINAL_DLQ_RULE,
    reason: 'Terminal FIFO dead-letter queue: it receives the redrives of its source queue and SNS delivery failures; a DLQ of a DLQ would only move the problem one queue further. Redrive it to its source queue instead.',
  });
}

/**
 * A queue that only an SNS subscription's RedrivePolicy points at is a dead-letter queue, but
 * cdk-nag recognizes only SQS-to-SQS dead-letter queues. Scoped to that queue, with the reason.
 */
export function acknowledgeSubscriptionDeadLetterQueue(deadLetterQueue: sqs.IQueue): void {
  acknowledgeTerminalDeadLetterQueue(deadLetterQueue);
  Validations.of(deadLetterQueue).acknowledge({
    id: SQS_DLQ_RULE,
    reason: "The dead-letter queue of an SNS subscription (the subscription's RedrivePolicy targets it); cdk-nag recognizes only SQS-to-SQS dead-letter queues.",
  });
}
