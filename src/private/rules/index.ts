import type { IConstruct } from 'constructs';
import { awsManagedKeyRule } from './aws-managed-key';
import { filterPolicyRule } from './filter-policy';
import { keyDisabledRule } from './key-disabled';
import { lambdaVisibilityRule } from './lambda-visibility';
import { DeliveryModel, EVENT_SOURCE_MAPPING, QUEUE, Res, SUBSCRIPTION } from './model';
import { queueWithoutRedriveRule } from './queue-without-redrive';
import { rawDeliveryAttributesRule } from './raw-delivery-attributes';
import { readerWithoutDecryptRule } from './reader-without-decrypt';
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
  keyDisabledRule,
  snsKeyPolicyRule,
  snsQueuePolicyRule,
  subscriptionDlqFifoRule,
  subscriptionDlqEnvironmentRule,
  subscriptionDlqAccessRule,
  lambdaVisibilityRule,
  subscriptionWithoutDlqRule,
  filterPolicyRule,
  standardQueueRule,
  queueWithoutRedriveRule,
  readerWithoutDecryptRule,
  rawDeliveryAttributesRule,
];

/** The resource types a rule checks (the aspect visits these L1s, the CLI these entries). */
export const CHECKED_TYPES = new Set([SUBSCRIPTION, EVENT_SOURCE_MAPPING, QUEUE]);

/** One finding of a rule. */
export interface Finding {
  readonly level: Level;
  readonly id: string;
  /** The resource at fault. */
  readonly on: Res;
  readonly message: string;
  /** An info that is a note (a rule of severity 'info'), not something the rule could not decide. */
  readonly note?: boolean;
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

/**
 * Runs every rule on one subscription or event source mapping and returns its findings. A finding
 * that rests on a parameter's Default (a deployed stack can be given another value) is at most a
 * warning, and says which Default it assumed: a Default is never the ground for an error.
 */
export function checkResource(model: DeliveryModel, res: Res | undefined): Finding[] {
  if (!res) {
    return [];
  }
  const findings: Finding[] = [];
  const quiet = res.source.construct !== undefined && library.has(res.source.construct);
  for (const rule of DELIVERY_RULES) {
    const found: Finding[] = [];
    const add = (level: Level, id: string, note?: boolean) => (on: Res, message: string) => {
      if (!quiet || level === 'error') {
        found.push({ level, id, on, message: model.readable(message), ...(note ? { note } : {}) });
      }
    };
    const reporter = {
      error: add('error', rule.id),
      warning: add('warning', rule.id),
      unknown: add('info', rule.id),
      note: add('info', rule.id, true),
      warnWith: (id: string, on: Res, message: string) => add('warning', id)(on, message),
    };
    const { defaults } = model.trackDefaults(() => {
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
      } else if (res.type === QUEUE && rule.checkQueue) {
        rule.checkQueue({ model, queue: res }, reporter);
      }
    });
    const assumed = defaults.length === 0 ? '' : ` (assuming the Default of parameter ${defaults.join(', ')}; a deployed stack can be given another value)`;
    for (const f of found) {
      findings.push(defaults.length === 0 ? f : { ...f, level: f.level === 'error' ? 'warning' : f.level, message: `${f.message}${assumed}` });
    }
  }
  return findings;
}
