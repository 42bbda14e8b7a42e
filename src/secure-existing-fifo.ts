import { IAspect, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import { FifoAlarms } from './fifo-alarms';
import { FifoDeliveryChecks } from './fifo-delivery-checks';
import { FifoFanout } from './fifo-fanout';
import { FifoKey } from './fifo-key';
import { MessagingEndpoints } from './messaging-endpoints';
import { adoptExistingFifo } from './private/adoption';
import { checkCustomerKey } from './private/policies';
import { Problems } from './private/validation';
import { SecureFifoQueue } from './secure-fifo-queue';
import { SecureFifoTopic } from './secure-fifo-topic';
import { TopicSubscriberBase } from './topic-subscriber-base';

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
    checkCustomerKey(problems, node, 'encryptionKey', this.props.encryptionKey);
    problems.throwIfAny(node, 'SecureExistingFifo');
    adoptExistingFifo({
      root: node,
      encryptionKey: this.props.encryptionKey,
      retiredKeys: this.props.retiredKeys ?? [],
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
