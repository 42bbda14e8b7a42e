import type { DeliveryRule, EventSourceView, Reporter } from './rule';
import { say } from './text';
import { ValidationErrorCode } from '../../errors';
import { WARNING } from '../warnings';

/** Lambda's SQS event source page: the visibility timeout against the function timeout. */
export const LAMBDA_VISIBILITY_SOURCE = 'https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html';

/** Lambda's default function timeout (https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html). */
export const LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3;

/** SQS's default visibility timeout (CloudFormation AWS::SQS::Queue VisibilityTimeout). */
export const SQS_DEFAULT_VISIBILITY_SECONDS = 30;

/** The verdict on a queue's visibility timeout for a Lambda event source, in seconds. */
export interface VisibilityVerdict {
  /** 6 x the function timeout: Lambda's page asks for at least this ("at least six times"). */
  readonly sixTimes: number;
  /** 6 x the function timeout plus the batching window. */
  readonly withWindow: number;
  /** 'sixTimes' below six times, 'window' below six times plus the window, else 'none'. */
  readonly below: 'none' | 'sixTimes' | 'window';
}

/**
 * The visibility rule for a Lambda SQS event source, over plain seconds. Lambda's page asks for a
 * visibility timeout of at least six times the function timeout, so that a throttled retry does not
 * make a message visible while it is still processed: below that, `addLambdaConsumer` refuses (the
 * blueprint's choice) and the delivery checks warn (their error is below 1 x, Lambda's hard rule).
 * Adding the batching window (`MaximumBatchingWindowInSeconds`) is what issue 21's audit read on that page; the stored
 * page does not say it, so falling short of it only warns (a wrong guess never blocks a deploy).
 * Shared by `addLambdaConsumer` and the delivery checks (code LAMBDA_CONSUMER).
 */
export function lambdaVisibility(visibilitySeconds: number, timeoutSeconds: number, windowSeconds: number): VisibilityVerdict {
  const sixTimes = 6 * timeoutSeconds;
  const withWindow = sixTimes + windowSeconds;
  return { sixTimes, withWindow, below: visibilitySeconds < sixTimes ? 'sixTimes' : visibilitySeconds < withWindow ? 'window' : 'none' };
}

/**
 * A Lambda event source whose queue's visibility timeout is under the function timeout (an error:
 * Lambda refuses to create or update such a mapping, "Your function's timeout must be less than or
 * equal to the queue's visibility timeout"), or under AWS's recommended 6 x the function timeout (a
 * warning: "to allow Lambda to retry if your function is throttled"), or under 6 x plus the batching
 * window (warning `lambdaBatchingWindow`). Both from the Lambda SQS configuration page.
 * `addLambdaConsumer` keeps refusing below 6 x (the blueprint's choice, `lambdaVisibility`).
 */
export const lambdaVisibilityRule: DeliveryRule = {
  id: `cdk-secure-fifo:${ValidationErrorCode.LAMBDA_CONSUMER}`,
  severity: 'error',
  source: LAMBDA_VISIBILITY_SOURCE,
  what: 'A Lambda SQS event source whose queue visibility timeout is under the function timeout (error; Lambda refuses the mapping), or under 6 x the function timeout (warning; AWS recommends 6 x)',
  checkEventSource(view: EventSourceView, report: Reporter) {
    const { mapping, queue, fn } = view;
    const visibility = queue.num('VisibilityTimeout', SQS_DEFAULT_VISIBILITY_SECONDS);
    const window = mapping.num('MaximumBatchingWindowInSeconds', 0);
    if (!fn.res) {
      report.unknown(mapping.cfn, `${mapping.label}: its function ${fn.arn ?? fn.why} is not a function of this app, so its timeout cannot be read; ${queue.label}'s visibility timeout must be at least that timeout (AWS recommends 6 x, plus the batching window) (${LAMBDA_VISIBILITY_SOURCE})`);
      return;
    }
    const timeout = fn.res.num('Timeout', LAMBDA_DEFAULT_TIMEOUT_SECONDS);
    if (visibility === 'unknown' || timeout === 'unknown' || window === 'unknown') {
      report.unknown(mapping.cfn, `${mapping.label}: the visibility timeout of ${queue.label}, the timeout of ${fn.res.label} or the batching window is only known at deploy time; the visibility timeout must be at least the function timeout (AWS recommends 6 x, plus the batching window) (${LAMBDA_VISIBILITY_SOURCE})`);
      return;
    }
    const verdict = lambdaVisibility(visibility, timeout, window);
    if (visibility < timeout) {
      report.error(mapping.cfn, say(
        `${mapping.label} feeds ${fn.res.label} (timeout ${timeout} s) from ${queue.label}, whose visibility timeout is ${visibility} s, under the function timeout`,
        'Lambda refuses to create or update an event source mapping whose function timeout exceeds the queue\'s visibility timeout, so the deployment fails',
        LAMBDA_VISIBILITY_SOURCE,
        `set the queue's VisibilityTimeout to at least ${timeout} s (AWS recommends ${verdict.withWindow} s: 6 x the function timeout${window ? ' plus the batching window' : ''}), or shorten the function's timeout`,
      ));
    } else if (verdict.below === 'sixTimes') {
      report.warning(mapping.cfn, say(
        `${mapping.label} feeds ${fn.res.label} (timeout ${timeout} s) from ${queue.label}, whose visibility timeout is ${visibility} s, under 6 x ${timeout} s = ${verdict.sixTimes} s`,
        'AWS recommends at least 6 x the function timeout, to allow Lambda to retry if the function is throttled; with less, a throttled or retried batch can become visible again while it is still processed, and be delivered twice',
        LAMBDA_VISIBILITY_SOURCE,
        `set the queue's VisibilityTimeout to at least ${verdict.withWindow} s, or shorten the function's timeout; or acknowledge this warning`,
      ));
    } else if (verdict.below === 'window') {
      report.warnWith(WARNING.lambdaBatchingWindow, mapping.cfn, say(
        `${mapping.label} gathers batches for ${window} s; ${queue.label}'s visibility timeout ${visibility} s is under 6 x ${timeout} s + ${window} s = ${verdict.withWindow} s`,
        'Messages wait in the batching window while already invisible, so the time left for processing shrinks by the window',
        LAMBDA_VISIBILITY_SOURCE,
        `set the queue's VisibilityTimeout to at least ${verdict.withWindow} s`,
      ));
    }
  },
};
