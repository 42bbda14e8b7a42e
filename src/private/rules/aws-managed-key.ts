import { ALIAS, DeliveryModel, isIdentity, KEY, Res } from './model';
import type { DeliveryRule, End, Reporter, SubscriptionView } from './rule';
import { say } from './text';
import { ValidationErrorCode } from '../../errors';

const SOURCE = 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html';

/**
 * Whether a key ID, ARN or alias names an AWS managed key (`alias/aws/...`): its policy cannot be
 * changed, so it can never admit SNS (SQS key management page; aws-cdk#19796). Shared by the
 * constructs' validation (`checkCustomerKey`) and the delivery checks.
 */
export function isAwsManagedKeyName(name: string): boolean {
  return /(^|[:/])alias\/aws\//.test(name);
}

/** How a queue is encrypted, as far as the app tells. */
export type QueueKey =
  | { kind: 'none' }
  | { kind: 'awsManaged'; name: string }
  | { kind: 'key'; key: Res }
  | { kind: 'external'; name: string }
  | { kind: 'unknown'; why: string };

/** The key of a queue: none (SSE-SQS or unencrypted), AWS managed, a key of the app, or one outside it. */
export function queueKey(model: DeliveryModel, queue: Res): QueueKey {
  if (!queue.has('KmsMasterKeyId')) {
    return { kind: 'none' };
  }
  const value = queue.str('KmsMasterKeyId');
  if (value === undefined) {
    return { kind: 'unknown', why: model.whyUnknown(queue.raw('KmsMasterKeyId')) };
  }
  if (isAwsManagedKeyName(value)) {
    return { kind: 'awsManaged', name: value };
  }
  const key = keyNamed(model, value);
  return key ? { kind: 'key', key } : { kind: 'external', name: value };
}

function keyNamed(model: DeliveryModel, value: string): Res | undefined {
  if (isIdentity(value)) {
    return model.ofType(KEY).find((k) => k.attribute('Arn') === value);
  }
  const alias = model.ofType(ALIAS).find((a) => a.str('AliasName') === value || value.endsWith(`:${a.str('AliasName')}`));
  const target = alias?.str('TargetKeyId');
  return target !== undefined && isIdentity(target) ? model.ofType(KEY).find((k) => k.attribute('Arn') === target) : undefined;
}

/** A queue SNS delivers into for one subscription (subscribed queue or subscription DLQ). */
export interface DeliveryTarget {
  readonly role: string;
  readonly target: End & { res: Res };
  readonly key: ReturnType<typeof queueKey>;
}

/** The queues SNS delivers into for one subscription, each with its key as far as it can be read. */
export function deliveryTargets(view: SubscriptionView): DeliveryTarget[] {
  const targets: Array<[string, End | undefined]> = [['subscribed queue', view.queue], ['subscription dead-letter queue', view.dlq]];
  return targets.flatMap(([role, target]) => (target?.res
    ? [{ role, target: target as End & { res: Res }, key: queueKey(view.model, target.res) }]
    : []));
}

/** A queue SNS delivers into (the subscribed queue or the subscription DLQ) on an AWS managed key. */
export const awsManagedKeyRule: DeliveryRule = {
  id: `cdk-secure-fifo:${ValidationErrorCode.AWS_MANAGED_KEY}`,
  severity: 'error',
  source: SOURCE,
  what: 'A subscribed queue or subscription DLQ encrypted with the AWS managed key (alias/aws/sqs)',
  checkSubscription(view: SubscriptionView, report: Reporter) {
    for (const { role, target, key } of deliveryTargets(view)) {
      if (key.kind === 'awsManaged') {
        report.error(target.res.cfn, say(
          `${target.res.label}, the ${role} of ${view.sub.label}, is encrypted with the AWS managed key ${key.name}`,
          'The policy of an AWS managed key cannot be changed to let SNS use it, so SNS cannot deliver and the messages are lost',
          SOURCE,
          'encrypt the queue with a customer managed key whose policy lets sns.amazonaws.com use kms:GenerateDataKey* and kms:Decrypt with aws:SourceArn = the topic ARN',
        ));
      } else if (key.kind === 'unknown') {
        report.unknown(target.res.cfn, `${target.res.label}, the ${role} of ${view.sub.label}: its KmsMasterKeyId is ${key.why}, so whether it is an AWS managed key (which SNS cannot use) cannot be decided before deployment (${SOURCE})`);
      }
    }
  },
};
