import { Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';

/** The cdk-nag Serverless rule that wants a redrive policy on every queue. */
export const TERMINAL_DLQ_RULE = 'Serverless-SQSRedrivePolicy';

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
