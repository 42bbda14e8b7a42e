/**
 * The second exactly-once condition, shown rather than assumed: a consumer that deletes each
 * message before its visibility timeout and keeps order when a message fails. The example handler
 * (examples/consumer, Powertools' SqsFifoPartialProcessor with skipGroupOnError) runs in a real poll
 * loop against the emulator, the way a Lambda event source mapping drives it: receive a batch, call
 * the handler, delete what succeeded, return what failed to the queue.
 */
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { Duration } from 'aws-cdk-lib';
import type { Context, SQSEvent } from 'aws-lambda';
import { ENVIRONMENT_AGNOSTIC, newStack } from '../util';
import { deployStack } from './harness';
import { fifoHandler, PriceUpdate } from '../../examples/consumer/handler';
import { Emulator, startEmulator } from '../../local/emulator';
import { consume, publish } from '../../local/messaging';
import { FifoFanout } from '../../src';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.stop();
});

const MAX_RECEIVE_COUNT = 3;

interface Outcome {
  readonly applied: string[];
  readonly receivesOf: Map<string, number>;
  readonly deadLettered: string[];
  readonly batches: number;
}

async function run(): Promise<Outcome> {
  const stack = newStack('PowertoolsConsumer', ENVIRONMENT_AGNOSTIC);
  const fanout = new FifoFanout(stack, 'Prices');
  const retail = fanout.addSubscriber('Retail', { maxReceiveCount: MAX_RECEIVE_COUNT, visibilityTimeout: Duration.seconds(30) });
  const deployed = await deployStack(emulator, stack);
  const queueUrl = deployed.queueUrl(retail.queue);
  const queueArn = deployed.queueArn(retail.queue);

  // Two parts (message groups); the second update of BRK-100 is poison.
  const updates: Array<[string, string, string]> = [
    ['BRK-100', 'v1', '42.00'], ['FLT-220', 'v1', '8.99'], ['BRK-100', 'v2', 'N/A'],
    ['FLT-220', 'v2', '9.49'], ['BRK-100', 'v3', '43.50'], ['FLT-220', 'v3', '9.99'],
  ];
  for (const [part, version, price] of updates) {
    await publish(emulator.sns, deployed.topicArn(fanout.topic), { body: JSON.stringify({ part, version, price }), groupId: part, dedupId: `${part}-${version}` });
  }

  const applied: string[] = [];
  const receivesOf = new Map<string, number>();
  const handler = fifoHandler((update: PriceUpdate & { version?: string }) => applied.push(`${update.part}-${update.version}`));
  let batches = 0;
  for (let empty = 0; empty < 3 && batches < 50;) {
    const { Messages = [] } = await emulator.sqs.send(new ReceiveMessageCommand({
      QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'], WaitTimeSeconds: 0,
    }));
    if (Messages.length === 0) {
      empty++;
      continue;
    }
    empty = 0;
    batches++;
    const event: SQSEvent = {
      Records: Messages.map((m) => ({
        messageId: m.MessageId!,
        receiptHandle: m.ReceiptHandle!,
        body: m.Body!,
        md5OfBody: m.MD5OfBody!,
        attributes: m.Attributes as any,
        messageAttributes: {},
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: 'us-east-1',
      })),
    };
    for (const m of Messages) {
      const id = JSON.parse(m.Body!) as { part: string; version: string };
      receivesOf.set(`${id.part}-${id.version}`, Number(m.Attributes?.ApproximateReceiveCount ?? 0));
    }
    const { batchItemFailures } = await handler(event, {} as Context);
    const failed = new Set(batchItemFailures.map((f) => f.itemIdentifier));
    const done = Messages.filter((m) => !failed.has(m.MessageId!));
    const back = Messages.filter((m) => failed.has(m.MessageId!));
    if (done.length > 0) {
      await emulator.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done.map((m, i) => ({ Id: `${i}`, ReceiptHandle: m.ReceiptHandle! })) }));
    }
    if (back.length > 0) {
      // What Lambda does with reported failures: they become visible again (here at once).
      await emulator.sqs.send(new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl, Entries: back.map((m, i) => ({ Id: `${i}`, ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
      }));
    }
  }
  const dlq = await consume(emulator.sqs, deployed.queueUrl(retail.deadLetterQueue));
  const deadLettered = dlq.deliveries.map((d) => {
    const id = JSON.parse(d.body) as { part: string; version: string };
    return `${id.part}-${id.version}`;
  });
  return { applied, receivesOf, deadLettered, batches };
}

let outcome: Outcome;
beforeAll(async () => {
  outcome = await run();
}, 60_000);

test('the other message group is processed in full and in order while the poison message blocks its own', () => {
  expect(outcome.applied.filter((id) => id.startsWith('FLT-220'))).toEqual(['FLT-220-v1', 'FLT-220-v2', 'FLT-220-v3']);
});

test('the poison message is never applied; the update behind it is applied once it has left for the DLQ, in order', () => {
  expect(outcome.applied.filter((id) => id.startsWith('BRK-100'))).toEqual(['BRK-100-v1', 'BRK-100-v3']);
  // FIFO holds the rest of a group back while one of its messages is in flight: v3 was first
  // received after the poison message had been moved to the DLQ.
  expect(outcome.receivesOf.get('BRK-100-v3')).toBe(1);
});

test('in one batch, a failed message makes the rest of its group fail too while other groups succeed (skipGroupOnError)', async () => {
  const applied: string[] = [];
  const handler = fifoHandler((update: PriceUpdate & { version?: string }) => applied.push(`${update.part}-${update.version}`));
  const record = (id: string, part: string, version: string, price: string) => ({
    messageId: id,
    receiptHandle: id,
    body: JSON.stringify({ part, version, price }),
    md5OfBody: '',
    attributes: { MessageGroupId: part, ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' } as any,
    messageAttributes: {},
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:111111111111:retail.fifo',
    awsRegion: 'eu-west-1',
  });
  const response = await handler({
    Records: [
      record('1', 'BRK-100', 'v2', 'N/A'), record('2', 'FLT-220', 'v1', '8.99'), record('3', 'BRK-100', 'v3', '43.50'), record('4', 'FLT-220', 'v2', '9.49'),
    ],
  }, {} as Context);
  expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['1', '3']);
  expect(applied).toEqual(['FLT-220-v1', 'FLT-220-v2']);
});

test('the poison message ends in the DLQ after exactly maxReceiveCount receives', () => {
  expect(outcome.deadLettered[0]).toBe('BRK-100-v2');
  expect(outcome.receivesOf.get('BRK-100-v2')).toBe(MAX_RECEIVE_COUNT);
});

test('every update is accounted for: applied once, or in the DLQ', () => {
  const all = ['BRK-100-v1', 'BRK-100-v2', 'BRK-100-v3', 'FLT-220-v1', 'FLT-220-v2', 'FLT-220-v3'];
  expect([...outcome.applied, ...outcome.deadLettered].sort()).toEqual(all);
});
