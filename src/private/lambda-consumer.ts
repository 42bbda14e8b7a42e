import { Annotations, Duration, Names, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { IConstruct } from 'constructs';
import { markBuiltByLibrary } from './rules';
import { LAMBDA_DEFAULT_TIMEOUT_SECONDS, LAMBDA_VISIBILITY_SOURCE, lambdaVisibility } from './rules/lambda-visibility';
import { checkIntRange, Problems } from './validation';
import { WARNING } from './warnings';
import { ValidationErrorCode } from '../errors';
import type { LambdaConsumerOptions } from '../options';

/** Lambda's default function timeout (https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html). */
const LAMBDA_DEFAULT_TIMEOUT = Duration.seconds(LAMBDA_DEFAULT_TIMEOUT_SECONDS);

/**
 * Wires a Lambda function to a subscriber's queue the way AWS documents for SQS event sources
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-lambda-function-trigger.html):
 * partial batch responses on, batches of at most 10 and no batching window for FIFO queues, and a
 * queue visibility timeout of at least six times the function timeout, so that a throttled retry
 * does not make a message visible again while it is still being processed.
 */
export function addLambdaConsumer(
  subscriber: IConstruct,
  queue: sqs.IQueue,
  visibilityTimeout: Duration,
  fn: lambda.IFunction,
  options: LambdaConsumerOptions,
  exempt: (role: iam.IRole) => void,
): sources.SqsEventSource {
  const problems = new Problems();
  checkIntRange(problems, 'batchSize', options.batchSize, queue.fifo ? { min: 1, max: 10 } : { min: 1, max: 10_000 });
  if (options.maxConcurrency !== undefined && !Token.isUnresolved(options.maxConcurrency)) {
    checkIntRange(problems, 'maxConcurrency', options.maxConcurrency, { min: 2, max: 1000 });
  }
  if (!queue.fifo && (options.batchSize ?? 10) > 10 && options.maxBatchingWindow === undefined) {
    problems.add(ValidationErrorCode.LAMBDA_CONSUMER, 'batchSize', options.batchSize, 'allowed: up to 10 without maxBatchingWindow (Lambda takes more than 10 per batch only with a batching window)');
  }
  if (options.maxBatchingWindow !== undefined && !options.maxBatchingWindow.isUnresolved() && options.maxBatchingWindow.toSeconds() > 300) {
    problems.add(ValidationErrorCode.LAMBDA_CONSUMER, 'maxBatchingWindow', options.maxBatchingWindow, 'allowed: at most 5 minutes');
  }
  if (queue.fifo && options.maxBatchingWindow !== undefined) {
    problems.add(ValidationErrorCode.LAMBDA_CONSUMER, 'maxBatchingWindow', options.maxBatchingWindow, 'allowed: unset for a FIFO queue (Lambda takes no batching window for FIFO event sources)');
  }
  checkVisibility(problems, subscriber, queue, visibilityTimeout, fn, queue.fifo ? undefined : options.maxBatchingWindow);
  problems.throwIfAny(subscriber, `addLambdaConsumer(${fn.node.path})`);

  const source = new sources.SqsEventSource(queue, {
    batchSize: options.batchSize ?? 10,
    maxConcurrency: options.maxConcurrency,
    maxBatchingWindow: queue.fifo ? undefined : options.maxBatchingWindow,
    reportBatchItemFailures: true,
  });
  fn.addEventSource(source);
  // aws-cdk-lib names the mapping after the queue (SqsEventSource.bind); this library checked it already.
  const mapping = fn.node.tryFindChild(`SqsEventSource:${Names.nodeUniqueId(queue.node)}`)?.node.defaultChild;
  if (mapping) {
    markBuiltByLibrary(mapping);
  }
  if (fn.role) {
    // The event source mapping polls from outside your VPC, with the function's role.
    exempt(fn.role);
  }
  return source;
}

/**
 * The visibility rule (`lambdaVisibility`, shared with the delivery checks): an error below six
 * times the function timeout, a warning below that plus the batching window, and a warning with the
 * rule when the function's timeout cannot be read here (an imported function, an alias, a version).
 */
function checkVisibility(
  problems: Problems, subscriber: IConstruct, queue: sqs.IQueue, visibilityTimeout: Duration, fn: lambda.IFunction, window: Duration | undefined,
): void {
  const windowText = window ? ` plus the batching window (${window.toHumanString()})` : '';
  if (!(fn instanceof lambda.Function)) {
    Annotations.of(subscriber).addWarningV2(
      WARNING.lambdaTimeoutUnknown,
      `addLambdaConsumer(${fn.node.path}): the timeout of ${fn.node.path} cannot be read here (it is not a lambda.Function of this app). The visibility timeout of ${queue.node.path} (${visibilityTimeout.toHumanString()}) must be at least 6 x the function's timeout${windowText} (${LAMBDA_VISIBILITY_SOURCE}); raise the subscriber's visibilityTimeout if the function's timeout is longer than that allows.`,
    );
    return;
  }
  const timeout = fn.timeout ?? LAMBDA_DEFAULT_TIMEOUT;
  if (timeout.isUnresolved() || visibilityTimeout.isUnresolved() || window?.isUnresolved()) {
    return;
  }
  const verdict = lambdaVisibility(visibilityTimeout.toSeconds(), timeout.toSeconds(), window?.toSeconds() ?? 0);
  const needed = Duration.seconds(verdict.withWindow);
  if (verdict.below === 'sixTimes') {
    problems.add(ValidationErrorCode.LAMBDA_CONSUMER, 'visibilityTimeout', visibilityTimeout,
      `allowed: at least 6 x the function timeout (${timeout.toHumanString()})${windowText} = ${needed.toHumanString()}. Set the subscriber's visibilityTimeout to ${needed.toHumanString()} or more, or shorten the function's timeout`);
  } else if (verdict.below === 'window') {
    Annotations.of(subscriber).addWarningV2(
      WARNING.lambdaBatchingWindow,
      `addLambdaConsumer(${fn.node.path}): the visibility timeout of ${queue.node.path} (${visibilityTimeout.toHumanString()}) is under 6 x the function timeout (${timeout.toHumanString()})${windowText} = ${needed.toHumanString()}: messages wait in the batching window while already invisible (${LAMBDA_VISIBILITY_SOURCE}). Set the subscriber's visibilityTimeout to ${needed.toHumanString()} or more.`,
    );
  }
}
