import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { IConstruct } from 'constructs';
import { Problems } from './validation';

/** The actions a service principal needs on a customer managed key to write SSE-KMS messages. */
export const SERVICE_KEY_ACTIONS = ['kms:GenerateDataKey*', 'kms:Decrypt'];

/** The actions a principal needs on a topic's key to publish to it (SNS encrypts with a new data key). */
export const PUBLISHER_KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'];

/** Warning ids, all in one place so the README can list them. */
export const WARNING = {
  filterPolicy: 'cdk-secure-fifo:filterPolicyAtMostOnce',
  dedupPerMessageGroup: 'cdk-secure-fifo:dedupPerMessageGroup',
  importedKeyPolicy: 'cdk-secure-fifo:importedKeyPolicy',
  importedQueuePolicy: 'cdk-secure-fifo:importedQueuePolicy',
  unknownEncryption: 'cdk-secure-fifo:unknownQueueEncryption',
  subscriptionQuota: 'cdk-secure-fifo:subscriptionQuota',
  allowAllResources: 'cdk-secure-fifo:endpointAllowsAllResources',
  keyRotationOff: 'cdk-secure-fifo:keyRotationOff',
  signatureVersion1: 'cdk-secure-fifo:signatureVersion1',
};

/** Conditions that pin a service principal to one source resource of this account (confused deputy). */
export function sourceConditions(scope: IConstruct, sourceArn: string): Record<string, Record<string, string>> {
  return {
    ArnEquals: { 'aws:SourceArn': sourceArn },
    StringEquals: { 'aws:SourceAccount': Stack.of(scope).account },
  };
}

/**
 * The key-policy statement that lets `service` use the key on behalf of `sourceArn`.
 * The source ARN must be built from a name (never a `Ref`), so that a key shared by the source
 * resource does not form a dependency cycle.
 */
export function serviceKeyStatement(scope: IConstruct, service: string, sourceArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal(service)],
    actions: SERVICE_KEY_ACTIONS,
    resources: ['*'],
    conditions: sourceConditions(scope, sourceArn),
  });
}

/** The queue-policy statement that lets the topic deliver into the queue. */
export function snsDeliveryStatement(scope: IConstruct, queue: sqs.IQueue, topicArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
    actions: ['sqs:SendMessage'],
    resources: [queue.queueArn],
    conditions: sourceConditions(scope, topicArn),
  });
}

const added = new WeakMap<kms.IKey, Set<string>>();

/**
 * Adds `serviceKeyStatement` to the key policy once per (service, source). When the key is imported
 * and its policy cannot be changed here, warns with the exact statement the key owner must add.
 */
export function allowServiceOnKey(scope: IConstruct, key: kms.IKey, service: string, sourceArn: string): void {
  const id = `${service}|${Stack.of(scope).resolve(sourceArn)}`;
  const seen = added.get(key) ?? new Set<string>();
  if (seen.has(id)) {
    return;
  }
  seen.add(id);
  added.set(key, seen);
  const statement = serviceKeyStatement(scope, service, sourceArn);
  const result = key.addToResourcePolicy(statement, true);
  if (!result.statementAdded) {
    Annotations.of(scope).addWarningV2(
      WARNING.importedKeyPolicy,
      `The imported key ${key.node.path} cannot be changed by this stack, so ${service} may be denied and messages lost. ` +
        `Add this statement to its key policy: ${JSON.stringify(Stack.of(scope).resolve(statement.toStatementJson()))}`,
    );
  }
}

/** Whether a key (or alias) is AWS managed (`alias/aws/...`): its policy can never admit SNS. */
export function isAwsManagedKey(key: kms.IKey): boolean {
  const names = [key.keyArn, key.keyId, (key as Partial<kms.IAlias>).aliasName];
  return names.some((n) => typeof n === 'string' && !Token.isUnresolved(n) && /(^|[:/])alias\/aws\//.test(n));
}

/** How a key is named in a message: its alias or ARN as given, else its construct path (never a token). */
function describeKey(key: kms.IKey): string {
  const names = [(key as Partial<kms.IAlias>).aliasName, key.keyArn];
  return names.find((n): n is string => typeof n === 'string' && !Token.isUnresolved(n)) ?? key.node.path;
}

/** Checks that a key can encrypt FIFO messages SNS delivers: customer managed, same region. */
export function checkCustomerKey(problems: Problems, scope: IConstruct, prop: string, key: kms.IKey | undefined): void {
  if (!key) {
    return;
  }
  if (isAwsManagedKey(key)) {
    problems.add(prop, describeKey(key), 'allowed: a customer managed KMS key (AWS managed keys such as alias/aws/sqs cannot grant SNS access)');
    return;
  }
  if (key instanceof kms.Key) {
    // A key of this app: its settings can be read. SNS and SQS use symmetric keys only.
    const cfn = key.node.defaultChild as kms.CfnKey;
    const spec = Stack.of(key).resolve(cfn.keySpec);
    if (spec !== undefined && spec !== kms.KeySpec.SYMMETRIC_DEFAULT) {
      problems.add(`${prop}.keySpec`, spec, 'allowed: SYMMETRIC_DEFAULT (SNS and SQS encrypt with symmetric keys only)');
    }
    if (Stack.of(key).resolve(cfn.enableKeyRotation) !== true) {
      Annotations.of(scope).addWarningV2(
        WARNING.keyRotationOff,
        `${prop}: ${key.node.path} has key rotation off. Use FifoKey, or set enableKeyRotation: true.`,
      );
    }
  }
  const keyRegion = key.env.region;
  const stackRegion = Stack.of(scope).region;
  if (!Token.isUnresolved(keyRegion) && !Token.isUnresolved(stackRegion) && keyRegion !== stackRegion) {
    problems.add(prop, describeKey(key), `allowed: a key in the stack's region ${stackRegion} (SNS and SQS use keys of their own region only)`);
  }
}

/**
 * Checks that a queue can take FIFO deliveries from SNS encrypted with a customer managed key.
 * Returns false when its encryption cannot be known here (an imported queue without a key).
 */
export function checkFifoCmkQueue(problems: Problems, prop: string, queue: sqs.IQueue): boolean {
  if (!queue.fifo) {
    problems.add(prop, queue.node.path, 'allowed: a FIFO queue (an SNS FIFO topic delivers in order and once only to SQS FIFO queues)');
  }
  // An sqs.Queue created without `encryption` or a key is SSE-SQS, CloudFormation's default.
  const type = queue.encryptionType ?? (queue instanceof sqs.Queue && !queue.encryptionMasterKey ? sqs.QueueEncryption.SQS_MANAGED : undefined);
  if (type === sqs.QueueEncryption.SQS_MANAGED || type === sqs.QueueEncryption.KMS_MANAGED || type === sqs.QueueEncryption.UNENCRYPTED) {
    const given = queue.encryptionType === undefined ? 'unset (SSE-SQS, the CloudFormation default)'
      : type === sqs.QueueEncryption.UNENCRYPTED ? 'UNENCRYPTED' : type;
    problems.add(`${prop}.encryption`, given, 'allowed: KMS with a customer managed key whose policy lets SNS use it');
    return true;
  }
  if (queue.encryptionMasterKey) {
    checkCustomerKey(problems, queue, `${prop}.encryptionMasterKey`, queue.encryptionMasterKey);
    return true;
  }
  return type !== undefined;
}

/** A subscription's dead-letter queue must be in the topic's account and region. */
export function checkSameEnvironment(problems: Problems, prop: string, queue: sqs.IQueue, topicScope: IConstruct): void {
  const topicEnv = Stack.of(topicScope);
  for (const [what, mine, theirs] of [['account', queue.env.account, topicEnv.account], ['region', queue.env.region, topicEnv.region]]) {
    if (!Token.isUnresolved(mine) && !Token.isUnresolved(theirs) && mine !== theirs) {
      problems.add(prop, queue.node.path, `allowed: a queue in the topic's ${what} ${theirs} (it is in ${mine}; SNS redrives within one account and region)`);
    }
  }
}
