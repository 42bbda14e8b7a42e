import { Annotations, Fn, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { IConstruct } from 'constructs';
import { renderForPeople } from './render';
import { Problems } from './validation';
import { ValidationErrorCode } from '../errors';
import { isAwsManagedKeyName } from './rules/aws-managed-key';
import { environmentMismatches } from './rules/subscription-dlq-environment';
import { dlqMustBeFifo, FIFO_DLQ_ALLOWED } from './rules/subscription-dlq-fifo';
import { WARNING } from './warnings';

/** The actions a service principal needs on a customer managed key to write SSE-KMS messages. */
export const SERVICE_KEY_ACTIONS = ['kms:GenerateDataKey*', 'kms:Decrypt'];

/**
 * Narrows the key actions aws-cdk-lib's grants ask for to what SNS and SQS use: producers and
 * publishers need `kms:GenerateDataKey` and `kms:Decrypt`, consumers `kms:Decrypt`
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html,
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html). `kms:GenerateDataKey*` also
 * admits `GenerateDataKeyPair*`, and `kms:Encrypt`/`kms:ReEncrypt*` are never called for SSE.
 */
export function narrowKeyActions(actions: string[]): string[] {
  const narrowed = actions
    .filter((a) => a !== 'kms:Encrypt' && a !== 'kms:ReEncrypt*')
    .map((a) => (a === 'kms:GenerateDataKey*' ? 'kms:GenerateDataKey' : a));
  return [...new Set(narrowed)];
}

/**
 * The condition that pins a service principal to one or more source resources: `aws:SourceArn`
 * only. The ARN holds the account, so it also stops the confused deputy. SNS documents sending it
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html)
 * and aws-cdk's deployed integration tests rely on it alone (feature flag
 * `@aws-cdk/aws-sns-subscriptions:restrictSqsDescryption`). `aws:SourceAccount` is not used: whether
 * SNS sends it to KMS is undocumented, and a missing key would refuse every delivery.
 */
export function sourceArnCondition(sourceArns: string | string[]): Record<string, Record<string, unknown>> {
  return { ArnEquals: { 'aws:SourceArn': sourceArns } };
}

/**
 * How AWS documents scoping a service principal in the key policy of an encrypted topic, per service
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services):
 * - `SOURCE_ARN`: SNS delivering to an encrypted queue, pinned by `aws:SourceArn` = the topic
 *   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html);
 *   `aws:SourceAccount` is not used (see `sourceArnCondition`).
 * - `NONE`: EventBridge. The SNS page: adding `aws:SourceAccount`, `aws:SourceArn` and
 *   `aws:SourceOrgID` to a KMS key policy is not supported for EventBridge-to-encrypted topics. A
 *   condition would drop every event; the topic policy is where a rule is pinned.
 * - `ROLE`: services the SNS page lists as needing an IAM role, not the service principal, in the
 *   key policy (EC2 Auto Scaling, Elastic Transcoder, CodePipeline, Config, Elastic Beanstalk, IoT):
 *   a service-principal statement would do nothing.
 * - `SOURCE_ARN_AND_ACCOUNT`: every other service (CloudWatch, S3, ...): the page's statement with
 *   `aws:SourceAccount` (StringEquals) and `aws:SourceArn` (ArnLike), as it documents them against
 *   the confused deputy.
 */
export enum ServiceKeyScope { SOURCE_ARN, NONE, ROLE, SOURCE_ARN_AND_ACCOUNT }

/** The services whose scoping the library has read on their own AWS pages (others warn). */
export const DOCUMENTED_SERVICES = ['sns.amazonaws.com', 'events.amazonaws.com', 'cloudwatch.amazonaws.com', 's3.amazonaws.com'];

/** Event sources the SNS key-management page says need an IAM role in the key policy. */
export const ROLE_SERVICES = [
  'autoscaling.amazonaws.com', 'elastictranscoder.amazonaws.com', 'codepipeline.amazonaws.com',
  'config.amazonaws.com', 'elasticbeanstalk.amazonaws.com', 'iot.amazonaws.com',
];

export function serviceKeyScope(service: string): ServiceKeyScope {
  if (service === 'sns.amazonaws.com') return ServiceKeyScope.SOURCE_ARN;
  if (service === 'events.amazonaws.com') return ServiceKeyScope.NONE;
  if (ROLE_SERVICES.includes(service)) return ServiceKeyScope.ROLE;
  return ServiceKeyScope.SOURCE_ARN_AND_ACCOUNT;
}

/**
 * The key-policy statement that lets `service` use the key on behalf of `sourceArn`, scoped as
 * `serviceKeyScope` says AWS documents it for that service. The source ARN must be built from a name
 * (never a `Ref`), so that a key shared by the source resource does not form a dependency cycle.
 * `sourceAccount` is used only with `SOURCE_ARN_AND_ACCOUNT`: when undefined, the account field of
 * `sourceArn` (an S3 bucket ARN has none: pass it).
 */
export function serviceKeyStatement(service: string, sourceArn?: string, sourceAccount?: string): iam.PolicyStatement {
  const scope = serviceKeyScope(service);
  const statement = new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal(service)],
    actions: SERVICE_KEY_ACTIONS,
    resources: ['*'],
  });
  if (scope === ServiceKeyScope.SOURCE_ARN && sourceArn !== undefined) {
    statement.addConditions(sourceArnCondition(sourceArn));
  } else if (scope === ServiceKeyScope.SOURCE_ARN_AND_ACCOUNT && sourceArn !== undefined) {
    // An S3 bucket ARN holds no account (https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-arn-format.html):
    // aws:SourceAccount only when given, never an empty or guessed account that would refuse the bucket.
    const account = sourceAccount ?? (service === 's3.amazonaws.com' ? undefined : accountOfArn(sourceArn));
    if (account !== undefined && account !== '') {
      statement.addCondition('StringEquals', { 'aws:SourceAccount': account });
    }
    statement.addCondition('ArnLike', { 'aws:SourceArn': sourceArn });
  }
  return statement;
}

/** The account field of an ARN: read from a literal, or `Fn::Select` of a token. */
export function accountOfArn(arn: string): string {
  return Token.isUnresolved(arn) ? Fn.select(4, Fn.split(':', arn)) : arn.split(':')[4] ?? '';
}

const deliveryStatements = new WeakMap<sqs.IQueue, Set<string>>();

/**
 * Lets SNS deliver into a queue from one topic: one statement per topic, with one resource, the
 * form AWS documents for a queue subscribed to several topics
 * (https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html). A topic is
 * admitted once per queue however often it subscribes it. SQS's policy quotas are checked at synth
 * (`checkQueuePolicyQuotas`).
 */
export function allowSnsDelivery(queue: sqs.IQueue, topicArn: string): iam.AddToResourcePolicyResult {
  const key = JSON.stringify(Stack.of(queue).resolve(topicArn));
  const seen = deliveryStatements.get(queue) ?? new Set<string>();
  if (seen.has(key)) {
    return { statementAdded: true };
  }
  const result = queue.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
    actions: ['sqs:SendMessage'],
    resources: [queue.queueArn],
    conditions: sourceArnCondition(topicArn),
  }));
  if (result.statementAdded) {
    seen.add(key);
    deliveryStatements.set(queue, seen);
  }
  return result;
}

/** The topic ARN of a delivery statement, as it appears in an `importedQueuePolicy` warning. */
export function snsDeliveryStatementText(scope: IConstruct, queue: sqs.IQueue, topicArn: string): string {
  const statement = new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
    actions: ['sqs:SendMessage'],
    resources: [queue.queueArn],
    conditions: sourceArnCondition(topicArn),
  });
  const text = renderForPeople(scope, statement.toStatementJson());
  return text === undefined ? `allow sns.amazonaws.com sqs:SendMessage on ${queue.node.path} with aws:SourceArn = the topic's ARN` : JSON.stringify(text);
}

const added = new WeakMap<kms.IKey, Set<string>>();

/**
 * Adds `serviceKeyStatement` to the key policy once per (service, source). When the key is imported
 * and its policy cannot be changed here, warns on `scope` with the exact statement the key owner
 * must add.
 */
export function allowServiceOnKey(scope: IConstruct, key: kms.IKey, service: string, sourceArn?: string, sourceAccount?: string): void {
  const id = `${service}|${JSON.stringify(Stack.of(key).resolve(sourceArn ?? null))}|${JSON.stringify(Stack.of(key).resolve(sourceAccount ?? null))}`;
  const seen = added.get(key) ?? new Set<string>();
  if (seen.has(id)) {
    return;
  }
  seen.add(id);
  added.set(key, seen);
  const statement = serviceKeyStatement(service, sourceArn, sourceAccount);
  const result = key.addToResourcePolicy(statement, true);
  if (!result.statementAdded) {
    const text = renderForPeople(scope, statement.toStatementJson());
    Annotations.of(scope).addWarningV2(
      WARNING.importedKeyPolicy,
      `The imported key ${describeKey(key)} cannot be changed by this stack, so ${service} may be denied and messages lost. ` +
        `Add this statement to its key policy: ${text === undefined ? `allow ${service} kms:GenerateDataKey* and kms:Decrypt with aws:SourceArn = the ARN of the source` : JSON.stringify(text)}`,
    );
  }
}

/** Whether a key (or alias) is AWS managed (`alias/aws/...`): its policy can never admit SNS. */
export function isAwsManagedKey(key: kms.IKey): boolean {
  const names = [key.keyArn, key.keyId, (key as Partial<kms.IAlias>).aliasName];
  return names.some((n) => typeof n === 'string' && !Token.isUnresolved(n) && isAwsManagedKeyName(n));
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
    problems.add(ValidationErrorCode.AWS_MANAGED_KEY, prop, describeKey(key), 'allowed: a customer managed KMS key (AWS managed keys such as alias/aws/sqs cannot grant SNS access)');
    return;
  }
  if (key instanceof kms.Key) {
    // A key of this app: its settings can be read. SNS and SQS use symmetric keys only.
    const cfn = key.node.defaultChild as kms.CfnKey;
    const spec = Stack.of(key).resolve(cfn.keySpec);
    if (spec !== undefined && spec !== kms.KeySpec.SYMMETRIC_DEFAULT) {
      problems.add(ValidationErrorCode.KEY_SPEC, `${prop}.keySpec`, spec, 'allowed: SYMMETRIC_DEFAULT (SNS and SQS encrypt with symmetric keys only)');
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
    problems.add(ValidationErrorCode.KEY_REGION, prop, describeKey(key), `allowed: a key in the stack's region ${stackRegion} (SNS and SQS use keys of their own region only)`);
  }
}

/**
 * Checks that a queue can take deliveries from SNS encrypted with a customer managed key, and is
 * FIFO when `requireFifo` (a subscription DLQ of a FIFO topic must be FIFO:
 * https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html). Returns false when its
 * encryption cannot be known here (an imported queue without a key).
 */
export function checkCmkQueue(problems: Problems, prop: string, queue: sqs.IQueue, requireFifo: boolean): boolean {
  if (dlqMustBeFifo(requireFifo, queue.fifo)) {
    problems.add(ValidationErrorCode.NOT_FIFO, prop, queue.node.path, `allowed: ${FIFO_DLQ_ALLOWED}`);
  }
  // An sqs.Queue created without `encryption` or a key is SSE-SQS, CloudFormation's default.
  const type = queue.encryptionType ?? (queue instanceof sqs.Queue && !queue.encryptionMasterKey ? sqs.QueueEncryption.SQS_MANAGED : undefined);
  if (type === sqs.QueueEncryption.SQS_MANAGED || type === sqs.QueueEncryption.KMS_MANAGED || type === sqs.QueueEncryption.UNENCRYPTED) {
    const given = queue.encryptionType === undefined ? 'unset (SSE-SQS, the CloudFormation default)'
      : type === sqs.QueueEncryption.UNENCRYPTED ? 'UNENCRYPTED' : type;
    problems.add(ValidationErrorCode.NOT_CMK_ENCRYPTED, `${prop}.encryption`, given, 'allowed: KMS with a customer managed key whose policy lets SNS use it. ' +
      'For a queue you already run: give it `encryptionMasterKey` (CloudFormation updates the key in place), or keep your hand-wired ' +
      'topic and subscriptions and secure them where they are with `Aspects.of(stack).add(new SecureExistingFifo())`');
    return true;
  }
  if (queue.encryptionMasterKey) {
    checkCustomerKey(problems, queue, `${prop}.encryptionMasterKey`, queue.encryptionMasterKey);
    return true;
  }
  return type !== undefined;
}

/**
 * A subscription's dead-letter queue must be in the subscription's account and region
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html). The subscription lives
 * in the stack of the subscribed queue (`subscriptionScope`), which for a cross-account subscriber
 * is the consumer's account, not the topic's.
 */
export function checkSameEnvironment(problems: Problems, prop: string, queue: sqs.IQueue, subscriptionScope: IConstruct): void {
  const here = Stack.of(subscriptionScope);
  const mismatches = environmentMismatches(queue.env, { account: here.account, region: here.region }, (v) => !Token.isUnresolved(v));
  for (const m of mismatches) {
    problems.add(ValidationErrorCode.DLQ_ENVIRONMENT, prop, queue.node.path, `allowed: a queue in the subscription's ${m.what} ${m.subscription} (it is in ${m.dlq}; SNS moves undeliverable messages only to a DLQ in the subscription's account and region)`);
  }
}

/** SQS policy quotas (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-policies.html). */
export const SQS_POLICY_QUOTAS = { bytes: 8_192, statements: 20, actionsPerStatement: 7, conditionsPerStatement: 10, principals: 50 };

/**
 * Measures a queue policy as CloudFormation will submit it and returns one error per SQS quota it
 * breaks, naming the construct path, what was measured and the fix. The document is resolved as
 * synthesis resolves it (merged under `@aws-cdk/aws-iam:minimizePolicies`, duplicates removed), so
 * what is measured is what is emitted.
 */
export function checkQueuePolicyQuotas(scope: IConstruct, document: iam.PolicyDocument): string[] {
  const resolved = Stack.of(scope).resolve(document) ?? { Statement: [] };
  const rendered = renderForPeople(scope, resolved) ?? resolved;
  const statements: any[] = (rendered as any).Statement ?? [];
  const q = SQS_POLICY_QUOTAS;
  const errors: string[] = [];
  const where = `the queue policy of ${scope.node.path}`;
  const fix = 'subscribe this queue to fewer topics, or move grants to identity policies (e.g. an iam.ManagedPolicy)';
  const bytes = Buffer.byteLength(JSON.stringify(rendered), 'utf8');
  if (bytes > q.bytes) {
    errors.push(`${where} measures ${bytes} bytes; SQS allows at most ${q.bytes}: ${fix}.`);
  }
  if (statements.length > q.statements) {
    errors.push(`${where} has ${statements.length} statements; SQS allows at most ${q.statements}: ${fix}.`);
  }
  let principals = 0;
  statements.forEach((statement, i) => {
    const actions = [].concat(statement.Action ?? []).length;
    if (actions > q.actionsPerStatement) {
      errors.push(`${where}, statement ${i + 1}, has ${actions} actions; SQS allows at most ${q.actionsPerStatement} per statement: split it.`);
    }
    const conditions = Object.values(statement.Condition ?? {}).reduce((n: number, c: any) => n + Object.keys(c).length, 0);
    if (conditions > q.conditionsPerStatement) {
      errors.push(`${where}, statement ${i + 1}, has ${conditions} conditions; SQS allows at most ${q.conditionsPerStatement} per statement: split it.`);
    }
    const principal = statement.Principal;
    principals += principal === '*' ? 1 : Object.values(principal ?? {}).reduce((n: number, p: any) => n + [].concat(p).length, 0);
  });
  if (principals > q.principals) {
    errors.push(`${where} names ${principals} principals; SQS allows at most ${q.principals}: ${fix}.`);
  }
  return errors;
}
