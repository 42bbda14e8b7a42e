import { isDeadLetterQueue, mappingsOf, readersOf } from './readers';
import type { DeliveryRule, QueueView, Reporter } from './rule';
import { say } from './text';
import { WARNING } from '../warnings';

/** SQS's page on dead-letter queues: a message that keeps failing is received until retention deletes it. */
export const SQS_DLQ_SOURCE = 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html';

/**
 * A queue that a consumer of the app reads (a Lambda event source mapping, or a role whose identity
 * policy allows `sqs:ReceiveMessage` on it) without a `RedrivePolicy`: a message its consumer cannot
 * process (a poison message) is received again and again until the retention period deletes it,
 * and on a FIFO queue it holds back its message group meanwhile. A warning: a consumer may handle
 * poison messages itself. Dead-letter queues themselves are not asked for one.
 */
export const queueWithoutRedriveRule: DeliveryRule = {
  id: WARNING.queueWithoutRedrivePolicy,
  severity: 'warning',
  source: SQS_DLQ_SOURCE,
  what: 'A queue with a consumer (a Lambda event source mapping, or a role of the app with sqs:ReceiveMessage on it) but no redrive policy (dead-letter queue)',
  checkQueue(view: QueueView, report: Reporter) {
    const { model, queue } = view;
    if (queue.has('RedrivePolicy') || isDeadLetterQueue(model, queue)) {
      return;
    }
    const consumers = [...mappingsOf(model, queue), ...readersOf(model, queue).map((r) => r.role)];
    if (consumers.length === 0) {
      return;
    }
    const fifo = queue.bool('FifoQueue') === true;
    report.warning(queue.cfn, say(
      `${queue.label} is read by ${consumers.map((c) => c.label).join(', ')} but has no redrive policy`,
      `A message its consumer cannot process is received again and again until the retention period deletes it${fifo ? ', and holds back the rest of its message group meanwhile' : ''}`,
      SQS_DLQ_SOURCE,
      `give the queue a dead-letter queue${fifo ? ' (a FIFO queue)' : ''}: RedrivePolicy {"deadLetterTargetArn": <its ARN>, "maxReceiveCount": 5} (aws-cdk-lib: the queue's deadLetterQueue); or acknowledge this warning if the consumer sets poison messages aside itself`,
    ));
  },
};
