import { PublishBatchCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';

/** A message to publish to a FIFO topic. */
export interface Publication {
  readonly body: string;
  readonly groupId: string;
  /** @default - none (the topic must use content-based deduplication) */
  readonly dedupId?: string;
  /** String message attributes. */
  readonly attributes?: { readonly [name: string]: string };
}

/** A publication the topic refused. */
export interface Refusal {
  readonly publication: Publication;
  readonly code: string;
  readonly message: string;
}

/** A message as a consumer received it. */
export interface Delivery {
  readonly messageId: string;
  readonly body: string;
  readonly groupId?: string;
  readonly dedupId?: string;
  readonly sequenceNumber?: string;
  readonly receiveCount: number;
  /** String message attributes. */
  readonly attributes: { readonly [name: string]: string };
  readonly receiptHandle: string;
}

/** What a consumer does with a delivery: delete it, let its visibility timeout run out, or release it now. */
export type Verdict = 'delete' | 'keep' | 'release';

/** Options of `consume`. */
export interface ConsumeOptions {
  /** @default every delivery is deleted */
  readonly handle?: (delivery: Delivery) => Verdict;
  /** Stop once this returns true. @default stop at the first empty receive */
  readonly until?: (deliveries: readonly Delivery[]) => boolean;
  /** Give up after this long. @default 10 s */
  readonly timeoutMs?: number;
  /** ReceiveMessage long-poll seconds. @default 0 */
  readonly waitSeconds?: number;
}

/** What `consume` saw. */
export interface Consumption {
  /** Every delivery, including redeliveries, in receive order. */
  readonly deliveries: Delivery[];
  /** The deliveries the consumer deleted, in order. */
  readonly processed: Delivery[];
  /** ReceiveMessage calls made. */
  readonly receives: number;
}

function messageAttributes(attributes: { readonly [name: string]: string } = {}) {
  return Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]));
}

/** Publish one message; a refusal by the topic is returned, not thrown. */
export async function publish(sns: SNSClient, topicArn: string, publication: Publication): Promise<Refusal | undefined> {
  try {
    await sns.send(new PublishCommand({
      TopicArn: topicArn,
      Message: publication.body,
      MessageGroupId: publication.groupId,
      MessageDeduplicationId: publication.dedupId,
      MessageAttributes: messageAttributes(publication.attributes),
    }));
    return undefined;
  } catch (err) {
    const e = err as { name?: string; message?: string };
    return { publication, code: e.name ?? 'Error', message: e.message ?? String(err) };
  }
}

/** Publish in order, ten per PublishBatch call; returns the entries the topic refused. */
export async function publishAll(sns: SNSClient, topicArn: string, publications: readonly Publication[]): Promise<Refusal[]> {
  const refusals: Refusal[] = [];
  for (let start = 0; start < publications.length; start += 10) {
    const chunk = publications.slice(start, start + 10);
    const out = await sns.send(new PublishBatchCommand({
      TopicArn: topicArn,
      PublishBatchRequestEntries: chunk.map((p, i) => ({
        Id: `m${i}`,
        Message: p.body,
        MessageGroupId: p.groupId,
        MessageDeduplicationId: p.dedupId,
        MessageAttributes: p.attributes ? messageAttributes(p.attributes) : undefined,
      })),
    }));
    for (const failed of out.Failed ?? []) {
      const publication = chunk[Number(String(failed.Id).slice(1))];
      refusals.push({ publication, code: failed.Code ?? 'Failed', message: failed.Message ?? '' });
    }
  }
  return refusals;
}

/** One ReceiveMessage call, with the FIFO system attributes and all message attributes. */
export async function receive(sqs: SQSClient, queueUrl: string, waitSeconds = 0): Promise<Delivery[]> {
  const out = await sqs.send(new ReceiveMessageCommand({
    QueueUrl: queueUrl,
    MaxNumberOfMessages: 10,
    WaitTimeSeconds: waitSeconds,
    MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId', 'SequenceNumber', 'ApproximateReceiveCount'],
    MessageAttributeNames: ['All'],
  }));
  return (out.Messages ?? []).map((m) => ({
    messageId: m.MessageId ?? '',
    body: m.Body ?? '',
    groupId: m.Attributes?.MessageGroupId,
    dedupId: m.Attributes?.MessageDeduplicationId,
    sequenceNumber: m.Attributes?.SequenceNumber,
    receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
    attributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([name, v]) => [name, v.StringValue ?? ''])),
    receiptHandle: m.ReceiptHandle ?? '',
  }));
}

/** A consumer loop: receive, decide per delivery, delete or release in batches; bounded by `timeoutMs`. */
export async function consume(sqs: SQSClient, queueUrl: string, options: ConsumeOptions = {}): Promise<Consumption> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const result: Consumption = { deliveries: [], processed: [], receives: 0 };
  let receives = 0;
  for (;;) {
    const batch = await receive(sqs, queueUrl, options.waitSeconds ?? 0);
    receives++;
    result.deliveries.push(...batch);
    // FIFO consumer discipline: once a delivery is not deleted, the later deliveries of its message
    // group in the same batch are released unprocessed, or the group's order would break.
    const halted = new Set<string | undefined>();
    const verdicts = batch.map((d) => {
      const verdict: Verdict = halted.has(d.groupId) ? 'release' : options.handle?.(d) ?? 'delete';
      if (verdict !== 'delete') halted.add(d.groupId);
      return [d, verdict] as const;
    });
    const toDelete = verdicts.filter(([, v]) => v === 'delete').map(([d]) => d);
    const toRelease = verdicts.filter(([, v]) => v === 'release').map(([d]) => d);
    if (toDelete.length > 0) {
      await sqs.send(new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: toDelete.map((d, i) => ({ Id: `d${i}`, ReceiptHandle: d.receiptHandle })),
      }));
      result.processed.push(...toDelete);
    }
    if (toRelease.length > 0) {
      await sqs.send(new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: toRelease.map((d, i) => ({ Id: `r${i}`, ReceiptHandle: d.receiptHandle, VisibilityTimeout: 0 })),
      }));
    }
    const done = options.until ? options.until(result.deliveries) : batch.length === 0;
    if (done || Date.now() > deadline) {
      return { ...result, receives };
    }
  }
}
