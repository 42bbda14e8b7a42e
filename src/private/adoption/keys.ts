import { Annotations, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Scope } from './find';
import { Adopted, AdoptedQueue, AdoptedTopic, Encryption, asList, finalKey, keyOfApp, l2Of, setL2, statementsOf, targetOf } from './model';
import { queueKeyActions, topicKeyActions } from './needs';
import { resourcePoliciesOf } from './resource-policies';
import { cannotSecure, keyStatementText, warnKeyPolicyOverridden } from './warnings';
import { SERVICE_KEY_ACTIONS, allowServiceOnKey } from '../policies';
import { renderForPeople } from '../render';
import { WARNING } from '../warnings';

/** Keys and their policies: which key each topic and queue ends on, the switch, and who the key policies admit. */

/**
 * Decides the key a topic or queue ends on: an existing customer managed key is kept unless
 * `encryptionKey` replaces it; every other resource switches to `keyFor` (AWS managed keys cannot
 * admit SNS). Changes nothing.
 */
export function planKey(s: Scope, r: Adopted<sns.CfnTopic | sqs.CfnQueue>): void {
  const cfn = r.cfn;
  const stack = Stack.of(cfn);
  const resolved = stack.resolve(cfn.kmsMasterKeyId);
  // AWS managed keys (`alias/aws/sqs`, `alias/aws/sns`), as an alias name or an ARN built by the CDK.
  const awsManaged = resolved !== undefined && /(^|[":/])alias\/aws\//.test(JSON.stringify(resolved));
  r.before = encryptionOf(cfn, resolved, awsManaged);
  if (r.before === 'cmk' && (!s.options.encryptionKey || JSON.stringify(resolved) === JSON.stringify(stack.resolve(s.options.encryptionKey.keyArn)))) {
    r.kept = keyOfApp(cfn.kmsMasterKeyId);
    return;
  }
  r.switchTo = s.keyFor(cfn);
}

function encryptionOf(cfn: sns.CfnTopic | sqs.CfnQueue, resolved: unknown, awsManaged: boolean): Encryption {
  if (resolved !== undefined) {
    return awsManaged ? 'aws-managed' : 'cmk';
  }
  // An unset SqsManagedSseEnabled means SSE-SQS for a queue (SQS's default since 2022).
  return cfn instanceof sqs.CfnQueue && Stack.of(cfn).resolve(cfn.sqsManagedSseEnabled) !== false ? 'sse-sqs' : 'unencrypted';
}

/** ENCRYPT: sets the key on the L1 (and the L2's view of it). PREPARE never calls this. */
export function switchKey(r: Adopted<sns.CfnTopic | sqs.CfnQueue>): void {
  const key = r.switchTo;
  if (!key) {
    return;
  }
  const cfn = r.cfn;
  cfn.kmsMasterKeyId = key.keyArn;
  if (cfn instanceof sqs.CfnQueue) {
    // SSE-KMS and SSE-SQS exclude each other; an unset SqsManagedSseEnabled means SSE-SQS.
    cfn.sqsManagedSseEnabled = false;
    setL2(cfn, 'encryptionMasterKey', key);
    setL2(cfn, 'encryptionType', sqs.QueueEncryption.KMS);
  } else {
    setL2(cfn, 'masterKey', key);
  }
}

/** The keys SNS must be admitted to for a queue: the one it ends on, and every pending key. */
export function admitSns(s: Scope, q: AdoptedQueue): void {
  const keys = [finalKey(q), ...s.options.pendingKeys].filter((k): k is kms.IKey => k !== undefined);
  for (const [topicArn] of q.topicArns) {
    if (keys.length === 0) {
      const stack = Stack.of(q.cfn);
      cannotSecure(q.cfn, `it keeps its key ${JSON.stringify(stack.resolve(q.cfn.kmsMasterKeyId))}, which is not a key of this app: add to its key policy an Allow for sns.amazonaws.com on kms:GenerateDataKey* and kms:Decrypt with aws:SourceArn = ${JSON.stringify(renderForPeople(q.cfn, stack.resolve(topicArn)) ?? topicArn)}`);
    }
    for (const key of keys) {
      allowServiceOnKey(l2Of(q.cfn), key, 'sns.amazonaws.com', topicArn);
    }
  }
}

/**
 * Admits in the key policy the principals a queue's or topic's resource policy names by text (other
 * accounts, roles outside the app), for the KMS actions their access needs. A principal of another
 * account needs both the key policy and an identity policy of its own account
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html);
 * in the key's own account the key policy alone is enough
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html). Principals given
 * as references (roles of this app) get identity grants instead, or a warning.
 */
export function admitResourcePolicyPrincipals(s: Scope, r: AdoptedQueue | AdoptedTopic): void {
  const keys = [r.switchTo, ...(r.switchTo ? s.options.pendingKeys : [])].filter((k): k is kms.IKey => k !== undefined);
  if (keys.length === 0) {
    return;
  }
  const cfn = r.cfn;
  const stack = Stack.of(cfn);
  const isQueue = cfn instanceof sqs.CfnQueue;
  for (const policy of resourcePoliciesOf(cfn, s.all)) {
    for (const st of statementsOf(stack.resolve((policy as any).policyDocument))) {
      const principals = st.Effect === 'Allow' ? asList(st.Principal === '*' ? '*' : st.Principal?.AWS) : [];
      const needed = (a: string) => (isQueue ? queueKeyActions(a) : topicKeyActions(a))?.actions ?? [];
      const actions = [...new Set(asList(st.Action).flatMap((a) => needed(a as string)))].sort();
      if (principals.length === 0 || actions.length === 0) {
        continue;
      }
      // Text once written out (an account ARN built with the partition), or a reference to a resource (a role of this app).
      const text = principals.map((p) => renderForPeople(cfn, p));
      const literal = text.filter((p): p is string => typeof p === 'string');
      const referenced = principals.filter((_, i) => typeof text[i] !== 'string');
      for (const key of keys) {
        if (literal.length > 0) {
          const statement = new iam.PolicyStatement({
            principals: literal.map((p) => (p === '*' ? new iam.AnyPrincipal() : new iam.ArnPrincipal(/^\d{12}$/.test(p) ? `arn:${stack.partition}:iam::${p}:root` : p))),
            actions,
            resources: ['*'],
            // The same conditions as the resource policy (e.g. aws:PrincipalOrgID): the key admits no more than the queue or topic.
            conditions: st.Condition,
          });
          const added = key.addToResourcePolicy(statement, true);
          if (key instanceof kms.Key) {
            warnKeyPolicyOverridden(key, 'the principals the resource policy of ' + cfn.node.path + ' names');
          }
          if (!added.statementAdded) {
            Annotations.of(l2Of(cfn)).addWarningV2(WARNING.principalNeedsKey,
              `${JSON.stringify(literal)} may use this ${isQueue ? 'queue' : 'topic'} by its resource policy, but the key ${key.node.path} is not a key of this app: add to its key policy ${JSON.stringify(renderForPeople(cfn, stack.resolve(statement.toStatementJson())))}.`);
          }
          const foreign = literal.filter((p) => p === '*' || accountOf(p) !== stack.account);
          if (foreign.length > 0) {
            Annotations.of(l2Of(cfn)).addWarningV2(WARNING.principalNeedsKey,
              `${JSON.stringify(foreign)} may use this ${isQueue ? 'queue' : 'topic'} by its resource policy. The key policy admits ${foreign.length > 1 ? 'them' : 'it'}; ` +
              `another account also needs, in its own identity policies, ${keyStatementText(cfn, key, actions)} before ${s.options.stage === 'prepare' ? 'the ENCRYPT deploy' : 'this deploy switches the key (deploy the PREPARE stage first)'}.`);
          }
        }
        if (referenced.length > 0) {
          Annotations.of(l2Of(cfn)).addWarningV2(WARNING.principalNeedsKey,
            `${JSON.stringify(renderForPeople(cfn, referenced) ?? referenced)} may use this ${isQueue ? 'queue' : 'topic'} by its resource policy: give ${referenced.length > 1 ? 'them' : 'it'} ${keyStatementText(cfn, key, actions)} before the key switches.`);
        }
      }
    }
  }
}

/** The account of a principal written as text (`222222222222`, an IAM ARN), if it names one. */
function accountOf(principal: string): string | undefined {
  return /^\d{12}$/.test(principal) ? principal : /^arn:[^:]+:(iam|sts)::(\d{12}):/.exec(principal)?.[2];
}

/**
 * An alarm of the app whose actions publish to an adopted topic: the topic's keys admit
 * `cloudwatch.amazonaws.com` (`kms:GenerateDataKey*`, `kms:Decrypt`, without conditions), as AWS
 * documents for CloudWatch publishing to an encrypted topic
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services);
 * the same statement `FifoAlarms` adds. (An alarm cannot send a message group ID, so a FIFO topic
 * refuses its publishes anyway; the delivery checks and `FifoAlarms` say so.)
 */
export function admitAlarms(s: Scope, t: AdoptedTopic): void {
  const keys = [t.switchTo, ...s.options.pendingKeys].filter((k): k is kms.IKey => k !== undefined);
  const alarms = s.all.filter((c): c is cloudwatch.CfnAlarm => c instanceof cloudwatch.CfnAlarm
    && [...asList(c.alarmActions), ...asList(c.okActions), ...asList(c.insufficientDataActions)].some((a) => targetOf(a) === t.cfn));
  if (alarms.length === 0) {
    return;
  }
  for (const key of keys) {
    const result = key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: SERVICE_KEY_ACTIONS,
      resources: ['*'],
    }), true);
    if (!result.statementAdded) {
      Annotations.of(l2Of(t.cfn)).addWarningV2(WARNING.alarmTopicKeyPolicy,
        `${alarms.map((a) => a.node.path).join(', ')} publish to this topic, whose key ${key.node.path} this app cannot change: add to its key policy an Allow for cloudwatch.amazonaws.com on ${SERVICE_KEY_ACTIONS.join(', ')}.`);
    }
  }
}
