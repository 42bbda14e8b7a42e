import { queueKey } from './aws-managed-key';
import { account, isOpaque, region } from './model';
import { evaluatePolicies, Tri } from './policy-eval';
import { identityAllows, readersOf, roleIdentities } from './readers';
import type { DeliveryRule, QueueView, Reporter } from './rule';
import { say } from './text';
import { WARNING } from '../warnings';

/** SQS's key management page: a consumer of an SSE queue needs kms:Decrypt on its key. */
export const SQS_KEY_SOURCE = 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html';

/**
 * A role of the app whose identity policy allows `sqs:ReceiveMessage` on a queue encrypted with a
 * customer managed key of the app, while neither its identity policies nor the key policy allow it
 * `kms:Decrypt` on that key: SQS then cannot return it the messages (SQS key management page). Never
 * an error: a grant the app does not show (a KMS grant, a policy attached outside it) may exist.
 * A key policy statement for the account (`arn:aws:iam::<account>:root`) only lets IAM policies
 * allow it, so it is no grant to the role by itself.
 */
export const readerWithoutDecryptRule: DeliveryRule = {
  id: WARNING.readerWithoutDecrypt,
  severity: 'warning',
  source: SQS_KEY_SOURCE,
  what: 'A role of the app with sqs:ReceiveMessage on a queue encrypted with a customer managed key, but kms:Decrypt on that key in neither its identity policies nor the key policy',
  checkQueue(view: QueueView, report: Reporter) {
    const { model, queue } = view;
    const encryption = queueKey(model, queue);
    if (encryption.kind !== 'key') {
      return;
    }
    const key = encryption.key;
    const readers = readersOf(model, queue);
    if (readers.length === 0) {
      return;
    }
    // The request SQS makes to KMS on the reader's behalf (kms:ViaService, kms:CallerAccount:
    // https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html).
    const known = (v: string) => (v.includes('${') ? undefined : v);
    const context = { 'kms:viaservice': known(`sqs.${region(key.stack)}.amazonaws.com`), 'kms:calleraccount': known(account(key.stack)) };
    const keyArn = key.attribute('Arn')!;
    const unattached = roleIdentities(model).unattached;
    for (const reader of readers) {
      const own = identityAllows(model, reader, ['kms:Decrypt'], keyArn, context);
      const maybe: Tri = unattached.length === 0 ? 'no'
        : evaluatePolicies(model, unattached, { identity: true, actions: ['kms:Decrypt'], resource: keyArn, context }).allowed;
      const byKey = evaluatePolicies(model, [{ doc: key.raw('KeyPolicy') ?? { Statement: [] }, owner: key }], {
        principals: [reader.role.attribute('Arn')!], actions: ['kms:Decrypt'], context,
      }).allowed;
      if (own !== 'no' || maybe !== 'no' || byKey !== 'no') {
        continue;
      }
      const roleArn = reader.role.attribute('Arn')!;
      report.warning(reader.role.cfn, say(
        `${reader.role.label} may receive from ${queue.label}, which is encrypted with ${key.label}, but neither its policies nor the key policy allow it kms:Decrypt on that key`,
        'SQS cannot return messages of a queue encrypted with a customer managed key to a caller without kms:Decrypt on the key, so this consumer cannot read',
        SQS_KEY_SOURCE,
        `add to ${reader.role.label}'s policy the statement {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": ${isOpaque(keyArn) ? `<the ARN of ${key.label}>` : `"${keyArn}"`}} (aws-cdk-lib: queue.grantConsumeMessages(role), or key.grantDecrypt(role)), with a key policy that lets IAM policies of the account allow it; or give the key policy that statement for ${isOpaque(roleArn) ? 'the role' : `"${roleArn}"`}. Acknowledge this warning if a KMS grant gives it`,
      ));
    }
  },
};
