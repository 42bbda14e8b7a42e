/** One finding's text: what is wrong, why (with the AWS page), and the fix. */
export function say(what: string, why: string, source: string, fix: string): string {
  return `${what}. ${why} (${source}). Fix: ${fix}.`;
}

/** SNS's page on subscription dead-letter queues. */
export const SNS_DLQ_SOURCE = 'https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html';
