import { account, DeliveryModel, EVENT_SOURCE_MAPPING, FUNCTION, isIdentity, QUEUE, QUEUE_POLICY, Res, TOPIC } from './model';
import { evaluatePolicies, PolicyVerdict } from './policy-eval';

/** How sure a finding is: delivery breaks, the guarantee is weaker, or the rule cannot decide. */
export type Level = 'error' | 'warning' | 'info';

/**
 * Where a rule reports what it found. `on` is the resource at fault (rules pass `res.cfn`, which
 * is the resource itself): the aspect annotates its construct, the CLI prints its template and logical ID.
 */
export interface Reporter {
  /** Delivery breaks. */
  error(on: Res, message: string): void;
  /** The guarantee is weaker (acknowledgeable with the rule's id). */
  warning(on: Res, message: string): void;
  /** A warning under another id than the rule's (a rule with a weaker second threshold). */
  warnWith(id: string, on: Res, message: string): void;
  /** The rule cannot decide before deployment; `message` says what it could not read. */
  unknown(on: Res, message: string): void;
  /** A note: nothing in the template can be changed to clear it (an info, the CLI's NOTE). */
  note(on: Res, message: string): void;
}

/**
 * One delivery rule, cdk-nag's shape: a stable id, a severity, the AWS page it comes from, and a
 * check over the resources of an app (L1s of a construct tree or template entries). README's "Check any app" table lists `what`/`why`/`fix`.
 */
export interface DeliveryRule {
  /** `cdk-secure-fifo:<Rule>`. */
  readonly id: string;
  /**
   * The most severe level it reports: 'error' (delivery breaks), 'warning' (the guarantee is weaker,
   * or a break it cannot be sure of), 'info' (a note no change to the template clears).
   */
  readonly severity: 'error' | 'warning' | 'info';
  /** The AWS documentation page the rule comes from. */
  readonly source: string;
  /** What the rule finds. */
  readonly what: string;
  checkSubscription?(view: SubscriptionView, report: Reporter): void;
  checkEventSource?(view: EventSourceView, report: Reporter): void;
  checkQueue?(view: QueueView, report: Reporter): void;
}

/** A queue of the app, for the rules on how it is read. */
export interface QueueView {
  readonly model: DeliveryModel;
  readonly queue: Res;
}

/** One end of a subscription: a resource of the app, an ARN outside it, or unknown (with why). */
export interface End {
  readonly res?: Res;
  readonly arn?: string;
  readonly why?: string;
}

/** An SQS subscription of an SNS topic as the rules see it. */
export interface SubscriptionView {
  readonly model: DeliveryModel;
  readonly sub: Res;
  readonly topic: End;
  /** Whether the topic is FIFO; undefined when it cannot be known. */
  readonly topicFifo: boolean | undefined;
  /** The account SNS publishes from (the topic's), for `aws:SourceAccount`. */
  readonly topicAccount?: string;
  readonly queue: End;
  /** The subscription DLQ; undefined when the subscription has no redrive policy. */
  readonly dlq?: End;
}

/** An SQS event source mapping of a Lambda function. */
export interface EventSourceView {
  readonly model: DeliveryModel;
  readonly mapping: Res;
  readonly queue: Res;
  readonly fn: End;
}

/** The condition keys SNS sends when it delivers from a topic (the ARN holds the account). */
function snsContext(view: SubscriptionView): Record<string, string | undefined> {
  return {
    'aws:sourcearn': view.topic.arn,
    'aws:sourceaccount': view.topicAccount,
    // SNS delivers to SQS over TLS: aws-cdk-lib's enforceSSL queues receive SNS deliveries.
    'aws:securetransport': 'true',
  };
}

/** Whether the queue policies of `queue` let SNS send from the subscription's topic. */
export function queuePolicyAdmitsSns(view: SubscriptionView, queue: Res): PolicyVerdict {
  const model = view.model;
  const documents: Array<{ doc: unknown; owner: Res }> = [];
  let undecided: string | undefined;
  for (const policy of model.ofType(QUEUE_POLICY)) {
    const queues = model.values(policy.raw('Queues'), policy);
    if (queues === undefined) {
      undecided ??= `${policy.label} names its queues by ${model.whyUnknown(policy.raw('Queues'))}`;
      continue;
    }
    if (queues.some((url) => model.queueNamed(url) === queue)) {
      documents.push({ doc: policy.raw('PolicyDocument'), owner: policy });
    }
  }
  const verdict = evaluatePolicies(model, documents, {
    service: 'sns.amazonaws.com',
    actions: ['sqs:SendMessage'],
    resource: queue.queueArn(),
    context: snsContext(view),
  });
  if (verdict.allowed === 'no' && undecided) {
    return { allowed: 'unknown', why: undecided };
  }
  return verdict;
}

/** Whether a key's policy lets SNS generate data keys and decrypt for the subscription's topic. */
export function keyPolicyAdmitsSns(view: SubscriptionView, key: Res): PolicyVerdict {
  return evaluatePolicies(view.model, [{ doc: key.raw('KeyPolicy') ?? { Statement: [] }, owner: key }], {
    service: 'sns.amazonaws.com',
    actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
    context: snsContext(view),
  });
}

/** Reads an SNS subscription of protocol sqs; undefined for any other protocol. */
export function subscriptionView(model: DeliveryModel, sub: Res): SubscriptionView | undefined {
  const protocol = sub.str('Protocol');
  if (protocol?.toLowerCase() !== 'sqs') {
    return undefined;
  }
  const topic = end(model, sub, 'TopicArn', (v) => model.topicNamed(v));
  const topicFifo = topic.res ? topic.res.bool('FifoTopic') === true
    : topic.arn !== undefined && !isIdentity(topic.arn) ? topic.arn.endsWith('.fifo') : undefined;
  const topicAccount = topic.res ? account(topic.res.stack) : topic.arn?.startsWith('arn:') ? topic.arn.split(':')[4] : undefined;
  const queue = end(model, sub, 'Endpoint', (v) => model.queueNamed(v));
  let dlq: End | undefined;
  if (sub.has('RedrivePolicy')) {
    let redrive = sub.raw('RedrivePolicy') as any;
    if (typeof redrive === 'string') {
      try {
        redrive = JSON.parse(redrive);
      } catch {
        redrive = undefined;
      }
    }
    const target = redrive?.deadLetterTargetArn;
    if (target === undefined) {
      dlq = { why: `its RedrivePolicy ${model.whyUnknown(sub.raw('RedrivePolicy'))}` };
    } else {
      const arn = model.value(target, sub);
      dlq = arn === undefined ? { why: model.whyUnknown(target) } : { arn, res: model.queueNamed(arn) };
    }
  }
  return { model, sub, topic, topicFifo, topicAccount, queue, dlq };
}

function end(model: DeliveryModel, sub: Res, prop: string, find: (value: string) => Res | undefined): End {
  const arn = sub.str(prop);
  if (arn === undefined) {
    return { why: model.whyUnknown(sub.raw(prop)) };
  }
  return { arn, res: find(arn) };
}

/** Reads an event source mapping whose source is a queue of the app; undefined otherwise. */
export function eventSourceView(model: DeliveryModel, mapping: Res): EventSourceView | undefined {
  const source = mapping.str('EventSourceArn');
  const queue = source === undefined ? undefined : model.queueNamed(source);
  if (!queue || queue.type !== QUEUE) {
    return undefined;
  }
  const name = mapping.str('FunctionName');
  if (name === undefined) {
    return { model, mapping, queue, fn: { why: model.whyUnknown(mapping.raw('FunctionName')) } };
  }
  const fn = model.ofType(FUNCTION).find((f) => f.attribute('Arn') === name
    || (f.str('FunctionName') !== undefined && (name === f.str('FunctionName') || name.endsWith(`:function:${f.str('FunctionName')}`))));
  return { model, mapping, queue, fn: { arn: name, res: fn } };
}

export { TOPIC, QUEUE, EVENT_SOURCE_MAPPING };
