import { CfnResource, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import { Scope, adopted, findQueues, findTopics } from './find';
import { grantKeys } from './grants';
import { admitAlarms, admitResourcePolicyPrincipals, admitSns, planKey, switchKey } from './keys';
import { AdoptionOptions, finalKey } from './model';
import { Dependencies, orderSwitches } from './ordering';
import { secureQueuePolicy, secureTopicPolicy } from './resource-policies';
import { warnKeyPolicyOverridden, warnSwitch } from './warnings';

export type { AdoptionOptions, Stage } from './model';

/**
 * In-place adoption of hand-wired SNS FIFO topics, their SQS subscriptions and subscribed queues
 * (`SecureExistingFifo`). Hand-written: no library secures existing L1 resources in place.
 *
 * "In place" is judged by what CloudFormation does on UPDATE: only properties CloudFormation
 * updates without replacement are set (`KmsMasterKeyId`, `SqsManagedSseEnabled`, `RedrivePolicy`,
 * policy documents); no logical ID and no create-only property (resource schemas: Topic
 * `TopicName`/`FifoTopic`, Queue `QueueName`/`FifoQueue`, Subscription `Endpoint`/`Protocol`/`TopicArn`)
 * is touched. The stages: finding the resources (find), their keys and key policies (keys), resource
 * policies (resource-policies), the principals of the whole app and their grants (grants), the order
 * of the switch after the grants (ordering), and what it cannot do (warnings).
 */
export function adoptExistingFifo(options: AdoptionOptions): void {
  const root = options.root;
  const inScope = (c: IConstruct) => c.node.path === root.node.path || c.node.scopes.includes(root);
  const all = root.node.root.node.findAll().filter(CfnResource.isCfnResource);
  const mine = all.filter((c) => inScope(c) && !options.isLibraryConstruct(c) && !adopted.has(c));
  const stackKeys = new Map<Stack, kms.IKey>();
  const keyFor = (scope: IConstruct): kms.IKey => {
    if (options.encryptionKey) {
      return options.encryptionKey;
    }
    const stack = Stack.of(scope);
    const key = stackKeys.get(stack) ?? options.newKey(stack);
    stackKeys.set(stack, key);
    return key;
  };
  const scope: Scope = { options, all, inScope, keyFor };

  // 1. Finding the resources (and adding the DLQs they lack: new resources, in both stages).
  const topicMap = findTopics(scope, mine);
  if (topicMap.size === 0) {
    return;
  }
  const queueMap = findQueues(scope, mine, topicMap);
  const topics = [...topicMap.values()];
  const queues = [...queueMap.values()];
  const resources = [...topics, ...queues];

  // 2. Keys: which key each ends on; key policies admit SNS and the principals resource policies name.
  for (const r of resources) {
    planKey(scope, r);
  }
  // The dependencies as declared, before any key is referenced by the adopted resources.
  const deps = new Dependencies(all);
  for (const q of queues) {
    admitSns(scope, q);
  }
  for (const r of resources) {
    admitResourcePolicyPrincipals(scope, r);
  }
  for (const t of topics) {
    admitAlarms(scope, t);
  }
  for (const key of new Set([...resources.map(finalKey), ...options.pendingKeys])) {
    if (key instanceof kms.Key) {
      warnKeyPolicyOverridden(key, 'SNS and the principals of the topics and queues it secures');
    }
  }

  // 3. Resource policies: TLS only, SNS may send.
  for (const t of topics) {
    secureTopicPolicy(t.cfn, all);
  }
  for (const q of queues) {
    secureQueuePolicy(q, all);
  }

  // 4. Principals of the whole app get the keys.
  const { grantsFor, principalOf } = grantKeys(scope, deps, topics, queues);

  // 5. ENCRYPT only: the switch, after the grants.
  if (options.stage === 'encrypt') {
    const switched = resources.filter((r) => r.switchTo !== undefined);
    switched.forEach(switchKey);
    orderSwitches(new Dependencies(root.node.root.node.findAll().filter(CfnResource.isCfnResource)), switched, grantsFor, principalOf);
  }
  for (const r of resources) {
    warnSwitch(r, options.stage);
  }
}
