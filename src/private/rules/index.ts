import { CfnResource } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { awsManagedKeyRule } from './aws-managed-key';
import { filterPolicyRule } from './filter-policy';
import { lambdaVisibilityRule } from './lambda-visibility';
import { DeliveryModel, EVENT_SOURCE_MAPPING, SUBSCRIPTION } from './model';
import { rawDeliveryAttributesRule } from './raw-delivery-attributes';
import { DeliveryRule, eventSourceView, Level, subscriptionView } from './rule';
import { snsKeyPolicyRule } from './sns-key-policy';
import { snsQueuePolicyRule } from './sns-queue-policy';
import { standardQueueRule } from './standard-queue';
import { subscriptionDlqAccessRule } from './subscription-dlq-access';
import { subscriptionDlqEnvironmentRule } from './subscription-dlq-environment';
import { subscriptionDlqFifoRule } from './subscription-dlq-fifo';
import { subscriptionWithoutDlqRule } from './subscription-without-dlq';

/** Every delivery rule, errors first. A new rule goes in its own file here and in this list. */
export const DELIVERY_RULES: DeliveryRule[] = [
  awsManagedKeyRule,
  snsKeyPolicyRule,
  snsQueuePolicyRule,
  subscriptionDlqFifoRule,
  subscriptionDlqEnvironmentRule,
  subscriptionDlqAccessRule,
  lambdaVisibilityRule,
  subscriptionWithoutDlqRule,
  filterPolicyRule,
  standardQueueRule,
  rawDeliveryAttributesRule,
];

/** One finding of a rule. */
export interface Finding {
  readonly level: Level;
  readonly id: string;
  readonly on: IConstruct;
  readonly message: string;
}

const library = new WeakSet<IConstruct>();

/**
 * Marks an L1 (a subscription or event source mapping) that this library's constructs built and
 * validated themselves: they already gave every warning they mean to give for it, so the delivery
 * checks report only errors on it.
 */
export function markBuiltByLibrary(cfn: IConstruct): void {
  library.add(cfn);
}

/** Runs every rule on one subscription or event source mapping L1 and returns its findings. */
export function checkResource(model: DeliveryModel, cfn: CfnResource): Finding[] {
  const res = model.resOf(cfn);
  if (!res) {
    return [];
  }
  const findings: Finding[] = [];
  const quiet = library.has(cfn);
  for (const rule of DELIVERY_RULES) {
    const add = (level: Level, id: string) => (on: IConstruct, message: string) => {
      if (!quiet || level === 'error') {
        findings.push({ level, id, on, message });
      }
    };
    const reporter = {
      error: add('error', rule.id),
      warning: add('warning', rule.id),
      unknown: add('info', rule.id),
      warnWith: (id: string, on: IConstruct, message: string) => add('warning', id)(on, message),
    };
    if (res.type === SUBSCRIPTION && rule.checkSubscription) {
      const view = subscriptionView(model, res);
      if (view) {
        rule.checkSubscription(view, reporter);
      }
    } else if (res.type === EVENT_SOURCE_MAPPING && rule.checkEventSource) {
      const view = eventSourceView(model, res);
      if (view) {
        rule.checkEventSource(view, reporter);
      }
    }
  }
  return findings;
}
