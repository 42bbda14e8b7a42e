import { IAspect, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import { FifoAlarms } from './fifo-alarms';
import { FifoDeliveryChecks } from './fifo-delivery-checks';
import { FifoFanout } from './fifo-fanout';
import { FifoKey } from './fifo-key';
import { MessagingEndpoints } from './messaging-endpoints';
import { adoptExistingFifo } from './private/adoption';
import { checkCustomerKey } from './private/policies';
import { MAX_RECEIVE_COUNT, Problems, checkIntRange } from './private/validation';
import { SecureFifoQueue } from './secure-fifo-queue';
import { SecureFifoTopic } from './secure-fifo-topic';
import { TopicSubscriberBase } from './topic-subscriber-base';

/**
 * What `SecureExistingFifo` changes in one deploy. Production rollout: deploy `PREPARE`, then
 * `ENCRYPT` (the default); one deploy of `ENCRYPT` alone stays possible for a single stack whose
 * principals are all in it.
 */
export enum AdoptionStage {
  /**
   * The first deploy: creates the key (or uses `encryptionKey`) with its full key policy, adds the
   * missing DLQs and grants the key to every principal of the app that uses an adopted topic or
   * queue. Changes no `KmsMasterKeyId` and no `SqsManagedSseEnabled`: nothing is encrypted with
   * the key yet, so no caller can be refused.
   */
  PREPARE = 'PREPARE',
  /**
   * Everything `PREPARE` does, and the switch: topics and queues are encrypted with the key, each
   * after (`DependsOn`) the grants of its own stack.
   */
  ENCRYPT = 'ENCRYPT',
}

/**
 * Properties for `SecureExistingFifo`.
 */
export interface SecureExistingFifoProps {
  /**
   * The customer managed key for every topic, queue and DLQ it secures. Given, it also replaces a
   * customer managed key a topic or queue already has (list that key in `retiredKeys`).
   *
   * @default - one `FifoKey` per stack; topics and queues that already have a customer managed key keep it
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Keys that encrypted messages still waiting in the queues (a backlog is never re-encrypted).
   * Every consumer this aspect grants the new key also gets `kms:Decrypt` on them; they never
   * encrypt. Keep them enabled until the backlog is drained.
   *
   * @default - none
   */
  readonly retiredKeys?: kms.IKey[];

  /**
   * Keys the adopted topics and queues will switch to in a later deploy: granted to every
   * consumer, producer and publisher like the key in use, admitted for SNS in their key policies,
   * never used to encrypt.
   *
   * @default - none
   */
  readonly pendingKeys?: kms.IKey[];

  /**
   * What this deploy changes: `PREPARE` (keys, key policies, DLQs, grants) or `ENCRYPT` (also the
   * switch of every topic and queue to the key).
   *
   * @default AdoptionStage.ENCRYPT
   */
  readonly stage?: AdoptionStage;

  /**
   * The `maxReceiveCount` of the redrive policy given to a subscribed queue that has none (receives
   * before a message moves to the new DLQ). Queues with a redrive policy keep theirs.
   *
   * @default 5
   */
  readonly maxReceiveCount?: number;

  /**
   * The removal policy of every topic and queue it secures, and of the DLQs it adds. `DESTROY`
   * lets a dev stack be torn down; keep `RETAIN` where messages matter.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Secures hand-wired SNS FIFO topics, their SQS subscriptions and the subscribed queues in place:
 * `Aspects.of(stackOrApp).add(new SecureExistingFifo())`.
 *
 * Topics and queues get a customer managed key (SSE-SQS off), whose policy admits SNS for exactly
 * those topics by `aws:SourceArn`; topic and queue policies get TLS-only statements and admit SNS;
 * subscriptions and queues without a dead-letter queue get one; every role and policy of the app
 * that may publish, send, receive or delete gets the KMS actions it needs. Nothing is replaced: no
 * logical ID and no create-only property changes, and statements are merged into the policy
 * resource a queue or topic already has. Constructs of this library are left as they are.
 * Acknowledgeable warnings say what it cannot do from here (backlogs, principals outside the app),
 * and `FifoDeliveryChecks` then reports what remains.
 */
export class SecureExistingFifo implements IAspect {
  private readonly props: SecureExistingFifoProps;
  private readonly roots: IConstruct[] = [];

  constructor(props: SecureExistingFifoProps = {}) {
    this.props = props;
  }

  /** Secures everything under the construct the aspect was added to, on the first visit there. */
  public visit(node: IConstruct): void {
    // Aspects visit top-down: the first node seen in a subtree is where the aspect was added.
    if (this.roots.some((r) => node === r || node.node.scopes.includes(r))) {
      return;
    }
    this.roots.push(node);
    const problems = new Problems();
    // On the App there is no stack to compare the key's region with: the key's own scope is used
    // (each adopted resource is then checked by the delivery checks).
    const inStack = node.node.scopes.some((s) => Stack.isStack(s));
    checkCustomerKey(problems, inStack || !this.props.encryptionKey ? node : this.props.encryptionKey, 'encryptionKey', this.props.encryptionKey);
    checkIntRange(problems, 'maxReceiveCount', this.props.maxReceiveCount, MAX_RECEIVE_COUNT);
    problems.throwIfAny(node, 'SecureExistingFifo');
    adoptExistingFifo({
      root: node,
      stage: this.props.stage === AdoptionStage.PREPARE ? 'prepare' : 'encrypt',
      encryptionKey: this.props.encryptionKey,
      retiredKeys: this.props.retiredKeys ?? [],
      pendingKeys: this.props.pendingKeys ?? [],
      maxReceiveCount: this.props.maxReceiveCount ?? 5,
      removalPolicy: this.props.removalPolicy ?? RemovalPolicy.RETAIN,
      isLibraryConstruct: isLibraryConstruct,
      newKey: (stack: Stack) => (stack.node.tryFindChild(KEY_ID) as kms.IKey | undefined) ?? new FifoKey(stack, KEY_ID),
    });
    // What remains (what it could not fix, what it must not change) is reported by the delivery checks.
    const checks = new FifoDeliveryChecks();
    for (const c of node.node.findAll()) {
      checks.visit(c);
    }
  }
}

const KEY_ID = 'SecureExistingFifoKey';

const LIBRARY_CLASSES = [SecureFifoTopic, SecureFifoQueue, FifoFanout, TopicSubscriberBase, FifoKey, MessagingEndpoints, FifoAlarms];

/** Constructs of this library secure themselves and are never changed by the aspect. */
function isLibraryConstruct(c: IConstruct): boolean {
  return c.node.scopes.some((s) => LIBRARY_CLASSES.some((cls) => s instanceof cls));
}
