/**
 * A Lambda consumer for a FIFO subscriber, built on Powertools' FIFO batch processor (`SqsFifoPartialProcessorAsync`, the one `processPartialResponse` drives)
 * (`@aws-lambda-powertools/batch`). Wire it with `subscriber.addLambdaConsumer(fn)`, which turns on
 * partial batch responses (`ReportBatchItemFailures`).
 *
 * Why a FIFO processor: Lambda hands a FIFO event source batches in group order. If a message
 * fails and a later message of the same group succeeded, the later one would be deleted before the
 * failed one is retried, and order would break. The FIFO processor with `skipGroupOnError`
 * reports every later message of a failed group as failed too, while other groups proceed
 * (https://docs.powertools.aws.dev/lambda/typescript/latest/features/batch/#fifo-queues).
 */
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** A price update as the example publishes it. */
export interface PriceUpdate {
  readonly part: string;
  readonly price: string;
  readonly business?: string;
}

/** Applies one price update; throws when it cannot (here: a price that is not a number). */
export type PriceHandler = (update: PriceUpdate, record: SQSRecord) => void;

/** The handler for a record handler: failed groups are skipped, other groups go on. */
export function fifoHandler(apply: PriceHandler): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  return async (event, context) => processPartialResponse(event, (record: SQSRecord) => {
    const update = JSON.parse(record.body) as PriceUpdate;
    if (Number.isNaN(Number(update.price))) {
      throw new Error(`${update.part}: ${JSON.stringify(update.price)} is not a price`);
    }
    apply(update, record);
  }, new SqsFifoPartialProcessorAsync(), {
    context,
    skipGroupOnError: true,
    // A batch of only failed records is reported as such (each one retried) instead of failing the invocation.
    throwOnFullBatchFailure: false,
  });
}

/** The deployed handler: logs each applied price (a real consumer writes it to its store). */
export const handler = fifoHandler((update) => console.log(`applied ${update.part} = ${update.price}`));
