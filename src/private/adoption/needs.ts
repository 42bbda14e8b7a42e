import { actionMatches } from './model';

/** What SNS and SQS call KMS for: producers and publishers encrypt, consumers decrypt (see narrowKeyActions). */
export const PRODUCER_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'];
export const CONSUMER_KEY_ACTIONS = ['kms:Decrypt'];

/** The KMS actions an IAM action on a queue or topic needs, and whether it reads what is already there (a backlog). */
export interface KeyActions {
  readonly actions: string[];
  /** Whether the caller reads messages (a consumer): it also needs `kms:Decrypt` on retired keys. */
  readonly reads: boolean;
}

export function queueKeyActions(action: string): KeyActions | undefined {
  if (['sqs:SendMessage', 'sqs:SendMessageBatch'].some((a) => actionMatches(action, a))) {
    return { actions: PRODUCER_KEY_ACTIONS, reads: ['sqs:ReceiveMessage'].some((a) => actionMatches(action, a)) };
  }
  if (['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:DeleteMessageBatch'].some((a) => actionMatches(action, a))) {
    return { actions: CONSUMER_KEY_ACTIONS, reads: actionMatches(action, 'sqs:ReceiveMessage') || actionMatches(action, 'sqs:DeleteMessage') };
  }
  return undefined;
}

/** Publishers encrypt; they never read a backlog, so retired keys are not theirs. */
export function topicKeyActions(action: string): KeyActions | undefined {
  return actionMatches(action, 'sns:Publish') ? { actions: PRODUCER_KEY_ACTIONS, reads: false } : undefined;
}
