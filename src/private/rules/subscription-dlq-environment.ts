import { account, isIdentity, region } from './model';
import type { DeliveryRule, Reporter, SubscriptionView } from './rule';
import { say, SNS_DLQ_SOURCE } from './text';
import { ValidationErrorCode } from '../../errors';

/** An account and a region; either may be a deploy-time placeholder. */
export interface Environment {
  readonly account: string;
  readonly region: string;
}

/**
 * The ways a subscription DLQ is outside the subscription's account or region (SNS moves messages
 * only to a DLQ in the subscription's account and region:
 * https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html). Values that `isKnown`
 * rejects are never judged. Shared by the constructs' validation (`checkSameEnvironment`, code
 * DLQ_ENVIRONMENT) and the delivery checks.
 */
export function environmentMismatches(dlq: Environment, subscription: Environment, isKnown: (v: string) => boolean): Array<{ what: 'account' | 'region'; dlq: string; subscription: string }> {
  const out: Array<{ what: 'account' | 'region'; dlq: string; subscription: string }> = [];
  for (const what of ['account', 'region'] as const) {
    if (isKnown(dlq[what]) && isKnown(subscription[what]) && dlq[what] !== subscription[what]) {
      out.push({ what, dlq: dlq[what], subscription: subscription[what] });
    }
  }
  return out;
}

const known = (v: string) => !v.startsWith('${');

/** A subscription DLQ in another account or region than the subscription. */
export const subscriptionDlqEnvironmentRule: DeliveryRule = {
  id: `cdk-secure-fifo:${ValidationErrorCode.DLQ_ENVIRONMENT}`,
  severity: 'error',
  source: SNS_DLQ_SOURCE,
  what: 'A subscription DLQ in another account or region than the subscription',
  checkSubscription(view: SubscriptionView, report: Reporter) {
    const dlq = view.dlq;
    if (!dlq?.arn) {
      return;
    }
    const here: Environment = { account: account(view.sub.stack), region: region(view.sub.stack) };
    let there: Environment;
    if (dlq.res) {
      if (dlq.res.stack === view.sub.stack) {
        return;
      }
      there = { account: account(dlq.res.stack), region: region(dlq.res.stack) };
    } else if (!isIdentity(dlq.arn) && dlq.arn.split(':').length >= 6) {
      const parts = dlq.arn.split(':');
      there = { account: parts[4], region: parts[3] };
    } else {
      return;
    }
    const mismatches = environmentMismatches(there, here, known);
    for (const m of mismatches) {
      report.error(view.sub.cfn, say(
        `${view.sub.label} is in ${m.what} ${m.subscription}, and its dead-letter queue ${dlq.res?.label ?? dlq.arn} is in ${m.what} ${m.dlq}`,
        'SNS moves undeliverable messages only to a dead-letter queue in the subscription\'s account and region',
        SNS_DLQ_SOURCE,
        'use a FIFO queue in the subscription\'s own account and region (a subscription created by the queue owner lives in the queue\'s account)',
      ));
    }
    if (mismatches.length === 0 && (['account', 'region'] as const).some((w) => known(there[w]) !== known(here[w]))) {
      report.unknown(view.sub.cfn, `${view.sub.label}: whether its dead-letter queue ${dlq.res?.label ?? dlq.arn} is in the subscription's account and region cannot be decided before deployment (an environment-agnostic stack) (${SNS_DLQ_SOURCE})`);
    }
  },
};
