import { CfnResource, Reference, RemovalPolicy, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { IConstruct } from 'constructs';

/** What the adoption does to existing topics and queues (mirrors the public `AdoptionStage`). */
export type Stage = 'prepare' | 'encrypt';

/** The options of one run of the adoption (see `adoptExistingFifo`). */
export interface AdoptionOptions {
  /** Where the aspect was added: only topics and queues under it are changed; their users are found in the whole app. */
  readonly root: IConstruct;
  /** `prepare`: keys, key policies, DLQs and grants, no key switch. `encrypt`: all of it, and the switch. */
  readonly stage: Stage;
  /** The key that replaces every other key, or undefined: one key per stack (`newKey`), existing CMKs kept. */
  readonly encryptionKey?: kms.IKey;
  /** Keys that encrypted a backlog: consumers this adoption grants get `kms:Decrypt` on them. */
  readonly retiredKeys: kms.IKey[];
  /** Keys the resources will switch to later: granted like the key in use, admitted for SNS, never used to encrypt. */
  readonly pendingKeys: kms.IKey[];
  /** The `maxReceiveCount` of the redrive policy given to a subscribed queue without one. */
  readonly maxReceiveCount: number;
  /** Applied to every topic and queue it secures, and to the DLQs it adds. */
  readonly removalPolicy: RemovalPolicy;
  /** Whether a construct belongs to a construct of this library (left untouched). */
  readonly isLibraryConstruct: (c: IConstruct) => boolean;
  /** Creates the stack's key when no `encryptionKey` is given. */
  readonly newKey: (stack: Stack) => kms.IKey;
}

/** What one synth knows of a topic's or queue's encryption before the adoption. */
export type Encryption = 'unencrypted' | 'sse-sqs' | 'aws-managed' | 'cmk';

/** A topic or queue being adopted, and what happens to its key. */
export interface Adopted<T extends sns.CfnTopic | sqs.CfnQueue> {
  readonly cfn: T;
  /** Its encryption before the adoption, as the app declares it. */
  before: Encryption;
  /** The key it is encrypted with after ENCRYPT, when that differs from the one it has. */
  switchTo?: kms.IKey;
  /** The customer managed key it keeps, when it is a key of this app. */
  kept?: kms.IKey;
}

export interface AdoptedTopic extends Adopted<sns.CfnTopic> {
  /** The ARN built from the name (never a Ref: aws-cdk#35418). */
  readonly arn: string;
}

export interface AdoptedQueue extends Adopted<sqs.CfnQueue> {
  /** Topics (ARN from the name -> Ref) that deliver into this queue, as subscriber or subscription DLQ. */
  readonly topicArns: Map<string, string>;
  /** Whether this queue is a subscription endpoint (not only a DLQ). */
  subscribed: boolean;
}

/** The key a resource is encrypted with once ENCRYPT is deployed (the one it switches to, or keeps). */
export function finalKey(r: Adopted<any>): kms.IKey | undefined {
  return r.switchTo ?? r.kept;
}

/** The L2 a user knows a resource by (its `defaultChild`), else the L1 itself: where warnings go. */
export function l2Of(cfn: CfnResource): IConstruct {
  const scope = cfn.node.scope;
  return scope && scope.node.defaultChild === cfn ? scope : cfn;
}

/** Keeps the L2's view in step with its L1, so that grants made later include the key. */
export function setL2(cfn: CfnResource, prop: string, value: unknown): void {
  const l2 = l2Of(cfn);
  if (l2 !== cfn && prop in l2) {
    Object.defineProperty(l2, prop, { value, writable: true, configurable: true, enumerable: true });
  }
}

/** The resource a token stands for (a `Ref`/`Fn::GetAtt` made by the CDK), if any. */
export function targetOf(value: unknown): IConstruct | undefined {
  if (typeof value !== 'string' || !Token.isUnresolved(value)) {
    return undefined;
  }
  const token = Tokenization.reverse(value);
  return token instanceof Reference ? token.target : undefined;
}

export function nameOf(q: sqs.CfnQueue): string | undefined {
  const name = Stack.of(q).resolve(q.queueName);
  return typeof name === 'string' ? name : undefined;
}

export function statementsOf(document: any): any[] {
  const s = document?.Statement;
  return Array.isArray(s) ? s : s ? [s] : [];
}

export function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

/** Whether an IAM action pattern (`sqs:*`, `*`, `sqs:Receive*`) covers `action`. */
export function actionMatches(pattern: unknown, action: string): boolean {
  if (typeof pattern !== 'string') {
    return false;
  }
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
  return re.test(action);
}

/** The key of this app a `KmsMasterKeyId` references, if any. */
export function keyOfApp(keyId: string | undefined): kms.IKey | undefined {
  const target = targetOf(keyId);
  const l2 = target?.node.scope;
  return target instanceof kms.CfnKey && l2 instanceof kms.Key ? l2 : undefined;
}

/** The same key (the same object, or the same resolved ARN). */
export function sameKey(a: kms.IKey | undefined, b: kms.IKey | undefined): boolean {
  if (!a || !b) {
    return false;
  }
  return a === b || JSON.stringify(Stack.of(a).resolve(a.keyArn)) === JSON.stringify(Stack.of(b).resolve(b.keyArn));
}
