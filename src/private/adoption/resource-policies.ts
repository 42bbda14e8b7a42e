import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';

import { Construct } from 'constructs';
import { AdoptedQueue, asList, l2Of, statementsOf } from './model';
import { cannotSecure } from './warnings';
import { sourceArnCondition } from '../policies';
import { renderForPeople } from '../render';

/**
 * Resource policies: TLS-only statements, SNS admitted to the queues, merged into the policy
 * resource a queue or topic already has (a second `AWS::SQS::QueuePolicy` for one queue would
 * overwrite the first, and deleting either clears the queue's policy).
 */

/** The `AWS::SNS::TopicPolicy` / `AWS::SQS::QueuePolicy` resources of its stack that name a topic or queue. */
export function resourcePoliciesOf(cfn: sns.CfnTopic | sqs.CfnQueue, all: CfnResource[]): Array<sns.CfnTopicPolicy | sqs.CfnQueuePolicy> {
  const stack = Stack.of(cfn);
  const ref = JSON.stringify(stack.resolve(cfn.ref));
  return all.filter((c): c is sns.CfnTopicPolicy | sqs.CfnQueuePolicy => Stack.of(c) === stack && (cfn instanceof sns.CfnTopic
    ? c instanceof sns.CfnTopicPolicy && refsOf(stack.resolve(c.topics)).includes(ref)
    : c instanceof sqs.CfnQueuePolicy && refsOf(stack.resolve(c.queues)).includes(ref)));
}

export function secureTopicPolicy(topic: sns.CfnTopic, all: CfnResource[]): void {
  mergeIntoPolicy(topic, 'topic', [tlsStatement('sns:Publish', topic.ref)], all);
}

/** TLS only, and SNS may send from each topic that delivers into the queue (by the ARN from its name). */
export function secureQueuePolicy(entry: AdoptedQueue, all: CfnResource[]): void {
  const q = entry.cfn;
  const statements = [tlsStatement('sqs:*', q.attrArn)];
  const equivalents: iam.PolicyStatement[] = [];
  const send = (condition: string) => new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
    actions: ['sqs:SendMessage'],
    resources: [q.attrArn],
    conditions: sourceArnCondition(condition),
  });
  for (const [topicArn, topicRef] of entry.topicArns) {
    statements.push(send(topicArn));
    // aws-cdk-lib's SqsSubscription admits the topic by its Ref: that statement counts as held.
    equivalents.push(send(topicRef));
  }
  mergeIntoPolicy(q, 'queue', statements, all, equivalents);
}

/** Denies every request that is not over TLS. */
function tlsStatement(action: string, resource: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: [action],
    resources: [resource],
    conditions: { Bool: { 'aws:SecureTransport': 'false' } },
  });
}

/**
 * Adds statements to the policy resource the topic or queue already has, or to a new one when it
 * has none. Statements the policy already holds (same effect, principal, actions, condition) are
 * not added twice.
 */
function mergeIntoPolicy(cfn: sns.CfnTopic | sqs.CfnQueue, kind: 'topic' | 'queue', statements: iam.PolicyStatement[], all: CfnResource[],
  equivalents: iam.PolicyStatement[] = []): void {
  const stack = Stack.of(cfn);
  const [existing] = resourcePoliciesOf(cfn, all);
  const doc = existing ? documentOf(existing, 'policyDocument') : undefined;
  const held = doc ? statementsOf(stack.resolve(doc.document)) : [];
  const isHeld = (s: iam.PolicyStatement) => held.some((h) => sameGrant(h, stack.resolve(s.toStatementJson())));
  const fresh = statements.filter((s, i) => !isHeld(s) && !(kind === 'queue' && i > 0 && equivalents[i - 1] && isHeld(equivalents[i - 1])));
  if (fresh.length === 0) {
    return;
  }
  if (doc) {
    doc.add(fresh);
    return;
  }
  if (existing) {
    cannotSecure(cfn, `its ${kind} policy ${existing.node.path} is not a document this aspect can add to: add ${JSON.stringify(fresh.map((s) => renderForPeople(cfn, stack.resolve(s.toStatementJson()))))}`);
    return;
  }
  const l2 = l2Of(cfn);
  if (l2 instanceof sns.Topic || l2 instanceof sqs.Queue) {
    for (const s of fresh) {
      l2.addToResourcePolicy(s);
    }
    return;
  }
  const document = new iam.PolicyDocument({ statements: fresh });
  if (kind === 'topic') {
    new sns.CfnTopicPolicy(cfn.node.scope as Construct, `${cfn.node.id}Policy`, { topics: [cfn.ref], policyDocument: document });
  } else {
    new sqs.CfnQueuePolicy(cfn.node.scope as Construct, `${cfn.node.id}Policy`, { queues: [cfn.ref], policyDocument: document });
  }
}

function refsOf(resolved: unknown): string[] {
  return Array.isArray(resolved) ? resolved.map((r) => JSON.stringify(r)) : [];
}

/** Whether two resolved statements grant or deny the same thing. */
function sameGrant(a: any, b: any): boolean {
  const actions = (s: any) => JSON.stringify(asList(s.Action).sort());
  // `"*"` and `{"AWS": "*"}` are the same principal (IAM policy reference, Principal element).
  const principal = (s: any) => JSON.stringify(s.Principal === '*' ? { AWS: '*' } : s.Principal);
  return a.Effect === b.Effect && principal(a) === principal(b)
    && actions(a) === actions(b) && JSON.stringify(a.Condition) === JSON.stringify(b.Condition)
    && JSON.stringify(asList(a.Resource)) === JSON.stringify(asList(b.Resource));
}

export interface EditableDocument {
  readonly document: unknown;
  add(statements: iam.PolicyStatement[]): void;
}

/**
 * A policy document on an L1 property that statements can be added to: an `iam.PolicyDocument`
 * (L2s), or plain JSON (escape hatches, `CfnInclude`), rewritten with the statements appended.
 */
export function documentOf(owner: any, prop: string): EditableDocument | undefined {
  const value = owner[prop];
  if (value instanceof iam.PolicyDocument) {
    return { document: value, add: (s) => value.addStatements(...s) };
  }
  if (value && typeof value === 'object' && !Token.isUnresolved(value) && !Array.isArray(value)) {
    return {
      document: value,
      add: (s) => {
        const current = owner[prop];
        owner[prop] = { ...current, Statement: [...statementsOf(current), ...s.map((x) => x.toStatementJson())] };
      },
    };
  }
  return undefined;
}
