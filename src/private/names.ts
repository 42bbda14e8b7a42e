import { ArnFormat, Names, Stack, Token } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { IConstruct } from 'constructs';
import { Problems, QUEUE_NAME_MAX, TOPIC_NAME_MAX, withFifoSuffix } from './validation';
import { ValidationErrorCode } from '../errors';

const FIFO = '.fifo';
const DLQ = '-dlq';

/**
 * Physical names are deterministic so that policies can name a resource by ARN without `Ref`ing it
 * (the Topic<->Key and Queue<->DLQ cycles), and so that a replacement is refused rather than silent.
 */
export function topicFifoName(scope: IConstruct, given?: string): string {
  if (given !== undefined) {
    return withFifoSuffix(given);
  }
  return generated(scope, TOPIC_NAME_MAX - FIFO.length) + FIFO;
}

/** The queue's FIFO name, leaving room for the derived DLQ name when it is generated. */
export function queueFifoName(scope: IConstruct, given?: string): string {
  if (given !== undefined) {
    return withFifoSuffix(given);
  }
  return generated(scope, QUEUE_NAME_MAX - FIFO.length - DLQ.length) + FIFO;
}

/**
 * The DLQ's name: `<queue>-dlq.fifo` when that fits in 80 characters, else a name generated from
 * the queue's construct path, with the same `-dlq.fifo` ending.
 */
export function deadLetterFifoName(queueScope: IConstruct, queueName: string): string {
  const base = queueName.endsWith(FIFO) ? queueName.slice(0, -FIFO.length) : queueName;
  const derived = `${base}${DLQ}${FIFO}`;
  if (Token.isUnresolved(queueName) || derived.length <= QUEUE_NAME_MAX) {
    return derived;
  }
  return generated(queueScope, QUEUE_NAME_MAX - FIFO.length - DLQ.length) + DLQ + FIFO;
}

const DELIVERY_DLQ = '-delivery-dlq.fifo';

/**
 * A standard queue's name, leaving room for its derived DLQ names (`-dlq`, `-delivery-dlq.fifo`)
 * when generated.
 */
export function standardQueueName(scope: IConstruct, given?: string): string {
  return given ?? generated(scope, QUEUE_NAME_MAX - DELIVERY_DLQ.length);
}

/** The longest standard queue name whose derived DLQ names still fit in 80 characters. */
export const STANDARD_QUEUE_NAME_MAX = QUEUE_NAME_MAX - DELIVERY_DLQ.length;

/** The standard DLQ of a standard queue (consumer failures): `<name>-dlq`. */
export function standardDeadLetterName(queueName: string): string {
  return `${queueName}${DLQ}`;
}

/** The FIFO DLQ of a standard queue's subscription to a FIFO topic (SNS delivery failures). */
export function deliveryDeadLetterName(queueName: string): string {
  return `${queueName}${DELIVERY_DLQ}`;
}

function generated(scope: IConstruct, maxLength: number): string {
  return Names.uniqueResourceName(scope, { maxLength, separator: '-' });
}

/**
 * The topic's ARN for policies: the ARN itself when it is known text or the topic is imported, else
 * `arn:<partition>:sns:<region>:<account>:<name>` built from the topic's name and environment, so
 * that a policy never `Ref`s the topic (the Topic<->Key cycle, aws-cdk#35418) and a policy in
 * another stack does not make that stack export the topic.
 */
export function topicPolicyArn(topic: sns.ITopic): string {
  // A topic of another stack or account (imported: no CfnTopic here) is named by its ARN as given.
  if (!Token.isUnresolved(topic.topicArn) || !(topic.node.defaultChild instanceof sns.CfnTopic)) {
    return topic.topicArn;
  }
  return Stack.of(topic).formatArn({
    service: 'sns',
    account: topic.env.account,
    region: topic.env.region,
    resource: topic.topicName,
    arnFormat: ArnFormat.NO_RESOURCE_NAME,
  });
}

/** `arn:<partition>:sqs:<region>:<account>:<name>` built from pseudo parameters only. */
export function queueArnFromName(scope: IConstruct, queueName: string): string {
  return Stack.of(scope).formatArn({ service: 'sqs', resource: queueName, arnFormat: ArnFormat.NO_RESOURCE_NAME });
}

const claims = new WeakMap<IConstruct, Map<string, string>>();

/**
 * Records that `scope` creates a topic or queue named `name`, and reports a name another construct
 * of the same app already uses in the same account and region: CloudFormation would only fail at
 * deploy time ("already exists"). Queues and DLQs share one namespace; `x` and `x.fifo` are one name
 * once the suffix is applied. Stacks without an explicit environment count as one environment.
 * Hand-written: aws-cdk-lib checks construct ids, not physical names.
 */
export function claimPhysicalName(problems: Problems, scope: IConstruct, kind: 'topic' | 'queue', prop: string, name: string): void {
  if (Token.isUnresolved(name)) {
    return;
  }
  const stack = Stack.of(scope);
  const root = scope.node.root;
  const taken = claims.get(root) ?? new Map<string, string>();
  claims.set(root, taken);
  const key = JSON.stringify([kind, stack.account, stack.region, name]);
  const owner = taken.get(key);
  if (owner !== undefined && owner !== scope.node.path) {
    const where = Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region) ? 'the same (unspecified) environment' : `account ${stack.account}, region ${stack.region}`;
    problems.add(ValidationErrorCode.NAME_COLLISION, prop, name, `allowed: a ${kind} name not used by another ${kind} of this app in ${where} (${owner} creates a ${kind} named ${JSON.stringify(name)})`);
    return;
  }
  taken.set(key, scope.node.path);
}
