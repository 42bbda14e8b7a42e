import { deliveryTargets } from './aws-managed-key';
import type { DeliveryRule, Reporter, SubscriptionView } from './rule';
import { say } from './text';
import { ValidationErrorCode } from '../../errors';

const SOURCE = 'https://docs.aws.amazon.com/kms/latest/developerguide/enabling-keys.html';

/** A queue SNS delivers into (subscribed queue or subscription DLQ) on a key created disabled (`Enabled: false`). */
export const keyDisabledRule: DeliveryRule = {
  id: `cdk-secure-fifo:${ValidationErrorCode.KEY_DISABLED}`,
  severity: 'error',
  source: SOURCE,
  what: 'A subscribed queue or subscription DLQ encrypted with a key that is disabled (Enabled: false)',
  checkSubscription(view: SubscriptionView, report: Reporter) {
    for (const { role, target, key } of deliveryTargets(view)) {
      if (key.kind !== 'key') {
        continue;
      }
      const enabled = key.key.bool('Enabled');
      if (enabled === false) {
        report.error(key.key.cfn, say(
          `${key.key.label} encrypts ${target.res.label}, the ${role} of ${view.sub.label}, and is disabled (Enabled: false)`,
          'A disabled KMS key cannot be used in any cryptographic operation, so SNS cannot encrypt what it delivers into the queue',
          SOURCE,
          'set Enabled: true on the key (aws-cdk-lib: kms.Key enabled), or encrypt the queue with an enabled customer managed key',
        ));
      } else if (enabled === 'unknown') {
        report.unknown(key.key.cfn, `${key.key.label} encrypts ${target.res.label}, the ${role} of ${view.sub.label}: whether it is enabled is only known at deploy time; a disabled key makes every delivery fail (${SOURCE})`);
      }
    }
  },
};
