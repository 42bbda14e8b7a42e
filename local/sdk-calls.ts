import {
  CreateTopicCommand, DeleteTopicCommand, GetTopicAttributesCommand, ListTopicsCommand, SetSubscriptionAttributesCommand, SetTopicAttributesCommand,
  SubscribeCommand, TagResourceCommand, UnsubscribeCommand, UntagResourceCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, SetQueueAttributesCommand, TagQueueCommand,
  UntagQueueCommand,
} from '@aws-sdk/client-sqs';
import type { DeployedResource, DeployProblem, DeployReport } from './deploy-report';
import type { MessagingTarget } from './emulator';
import type { CfnTemplate } from './intrinsics';
import { generatedName } from './naming';

/**
 * The SNS and SQS API calls of the local deployer: creating, updating and deleting queues, topics,
 * subscriptions and their policies, and reading them back.
 */

export interface Created {
  readonly physicalId: string;
  readonly arn: string;
  readonly name?: string;
  readonly url?: string;
  readonly getAtt: { readonly [attribute: string]: string };
}

/** The properties of one resource, after intrinsic resolution, in the shape the API calls take. */
export interface Prepared {
  readonly name?: string;
  readonly attributes: { [name: string]: string };
  readonly tags: { [key: string]: string };
  readonly call: { [property: string]: unknown };
}

/**
 * For a stack CloudFormation itself deployed (`cdklocal deploy`, `cdk deploy`): find the template's
 * named queues and topics in `target` and read back their attributes, in the shape `deployTemplate`
 * reports. Resources without a literal name, and every other type, are left out.
 */
export async function discoverDeployed(template: CfnTemplate, target: MessagingTarget): Promise<DeployReport> {
  const resources: { [logicalId: string]: DeployedResource } = {};
  const problems: DeployProblem[] = [];
  let topicArns: string[] | undefined;
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    const props = resource.Properties ?? {};
    try {
      if (resource.Type === 'AWS::SQS::Queue' && typeof props.QueueName === 'string') {
        const name = props.QueueName;
        const url = required((await target.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl, `no URL for ${name}`);
        const attributes = (await target.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes ?? {};
        const arn = required(attributes.QueueArn, `no ARN for ${name}`);
        resources[logicalId] = { logicalId, type: resource.Type, physicalId: url, arn, name, url, attributes };
      } else if (resource.Type === 'AWS::SNS::Topic' && typeof props.TopicName === 'string') {
        const name = props.TopicName;
        topicArns ??= await listTopics(target);
        const arn = required(topicArns.find((a) => a.endsWith(`:${name}`)), `no topic named ${name}`);
        const attributes = (await target.sns.send(new GetTopicAttributesCommand({ TopicArn: arn }))).Attributes ?? {};
        resources[logicalId] = { logicalId, type: resource.Type, physicalId: arn, arn, name, attributes };
      }
    } catch (err) {
      problems.push({ logicalId, type: resource.Type, message: `not found in the target: ${String(err)}` });
    }
  }
  return {
    resources,
    ids: Object.fromEntries(Object.values(resources).map((r) => [r.logicalId, r.physicalId])),
    notEmulated: [],
    notEmulatedProperties: [],
    notEnforced: [],
    problems,
    skippedByCondition: [],
    // Discovery reads resources only; another stack's imports of this one are not re-read.
    exports: {},
  };
}

async function listTopics(target: MessagingTarget): Promise<string[]> {
  const arns: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await target.sns.send(new ListTopicsCommand({ NextToken }));
    arns.push(...(page.Topics ?? []).map((t) => t.TopicArn ?? ''));
    NextToken = page.NextToken;
  } while (NextToken);
  return arns;
}

export async function createQueue(target: MessagingTarget, logicalId: string, prepared: Prepared, stackName: string): Promise<Created> {
  const fifo = prepared.attributes.FifoQueue === 'true';
  const name = prepared.name ?? generatedName(stackName, logicalId, 80, fifo);
  const out = await target.sqs.send(new CreateQueueCommand({
    QueueName: name,
    Attributes: prepared.attributes,
    tags: Object.keys(prepared.tags).length > 0 ? prepared.tags : undefined,
  }));
  const url = required(out.QueueUrl, 'CreateQueue returned no QueueUrl');
  const attrs = await target.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  const arn = required(attrs.Attributes?.QueueArn, 'GetQueueAttributes returned no QueueArn');
  return { physicalId: url, arn, name, url, getAtt: { Arn: arn, QueueName: name, QueueUrl: url } };
}

export async function createTopic(target: MessagingTarget, logicalId: string, prepared: Prepared, stackName: string): Promise<Created> {
  const fifo = prepared.attributes.FifoTopic === 'true';
  const name = prepared.name ?? generatedName(stackName, logicalId, 256, fifo);
  const tags = Object.entries(prepared.tags).map(([Key, Value]) => ({ Key, Value }));
  const out = await target.sns.send(new CreateTopicCommand({
    Name: name,
    Attributes: prepared.attributes,
    Tags: tags.length > 0 ? tags : undefined,
  }));
  const arn = required(out.TopicArn, 'CreateTopic returned no TopicArn');
  return { physicalId: arn, arn, name, getAtt: { TopicArn: arn, TopicName: name } };
}

export async function createSubscription(target: MessagingTarget, _logicalId: string, prepared: Prepared): Promise<Created> {
  const out = await target.sns.send(new SubscribeCommand({
    TopicArn: String(prepared.call.TopicArn),
    Protocol: String(prepared.call.Protocol),
    Endpoint: prepared.call.Endpoint === undefined ? undefined : String(prepared.call.Endpoint),
    Attributes: prepared.attributes,
    ReturnSubscriptionArn: true,
  }));
  const arn = required(out.SubscriptionArn, 'Subscribe returned no SubscriptionArn');
  return { physicalId: arn, arn, getAtt: {} };
}

function required<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw new Error(message);
  return value;
}

/** A stored-only policy resource (AWS::SQS::QueuePolicy, AWS::SNS::TopicPolicy): one ID for all its queues or topics. */
export function createPolicy(kind: 'queue' | 'topic') {
  return async (target: MessagingTarget, logicalId: string, prepared: Prepared, stackName: string): Promise<Created> => {
    await writePolicy(target, kind, targetsOf(prepared), prepared.attributes.PolicyDocument ?? '');
    const physicalId = generatedName(stackName, logicalId, 256, false);
    return { physicalId, arn: physicalId, getAtt: { Id: physicalId } };
  };
}

/**
 * A queue or topic policy resource sets the whole `Policy` attribute of each queue or topic it
 * lists, and deleting it clears that attribute (DOMAIN.md: two policy resources for one queue
 * overwrite each other, deleting either clears the policy).
 */
export async function writePolicy(target: MessagingTarget, kind: 'queue' | 'topic', ids: readonly string[], policy: string): Promise<void> {
  for (const id of ids) {
    if (kind === 'queue') {
      await target.sqs.send(new SetQueueAttributesCommand({ QueueUrl: id, Attributes: { Policy: policy } }));
    } else {
      await target.sns.send(new SetTopicAttributesCommand({ TopicArn: id, AttributeName: 'Policy', AttributeValue: policy }));
    }
  }
}

/** The queue URLs (`Queues`) or topic ARNs (`Topics`) a policy resource applies to. */
export function targetsOf(prepared: Prepared): string[] {
  const list = prepared.call.Queues ?? prepared.call.Topics;
  return Array.isArray(list) ? list.map(String) : [];
}

/** Set one attribute of an existing queue, topic or subscription (what CloudFormation does for an in-place update). */
export async function setAttribute(target: MessagingTarget, resource: DeployedResource, name: string, value: string): Promise<void> {
  switch (resource.type) {
    case 'AWS::SQS::Queue':
      await target.sqs.send(new SetQueueAttributesCommand({ QueueUrl: resource.physicalId, Attributes: { [name]: value } }));
      return;
    case 'AWS::SNS::Topic':
      await target.sns.send(new SetTopicAttributesCommand({ TopicArn: resource.physicalId, AttributeName: name, AttributeValue: value }));
      return;
    case 'AWS::SNS::Subscription':
      await target.sns.send(new SetSubscriptionAttributesCommand({
        SubscriptionArn: resource.physicalId, AttributeName: name, AttributeValue: value,
      }));
      return;
    default:
      throw new Error(`${resource.type} has no attributes to set`);
  }
}

/** Add or change tags, and remove the tags no longer in the template. */
export async function retag(
  target: MessagingTarget, resource: DeployedResource, tags: { [key: string]: string }, removed: readonly string[],
): Promise<void> {
  const changed = Object.keys(tags).length > 0;
  if (resource.type === 'AWS::SQS::Queue') {
    if (changed) await target.sqs.send(new TagQueueCommand({ QueueUrl: resource.physicalId, Tags: tags }));
    if (removed.length > 0) await target.sqs.send(new UntagQueueCommand({ QueueUrl: resource.physicalId, TagKeys: [...removed] }));
  } else if (resource.type === 'AWS::SNS::Topic') {
    const Tags = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
    if (changed) await target.sns.send(new TagResourceCommand({ ResourceArn: resource.arn, Tags }));
    if (removed.length > 0) await target.sns.send(new UntagResourceCommand({ ResourceArn: resource.arn, TagKeys: [...removed] }));
  }
}

/** Delete a resource CloudFormation no longer manages (or the old copy of a replaced one). */
export async function deleteResource(target: MessagingTarget, resource: DeployedResource): Promise<void> {
  switch (resource.type) {
    case 'AWS::SQS::Queue':
      await target.sqs.send(new DeleteQueueCommand({ QueueUrl: resource.physicalId }));
      return;
    case 'AWS::SNS::Topic':
      await target.sns.send(new DeleteTopicCommand({ TopicArn: resource.physicalId }));
      return;
    case 'AWS::SNS::Subscription':
      await target.sns.send(new UnsubscribeCommand({ SubscriptionArn: resource.physicalId }));
      return;
    case 'AWS::SQS::QueuePolicy':
    case 'AWS::SNS::TopicPolicy':
      await writePolicy(target, resource.type === 'AWS::SQS::QueuePolicy' ? 'queue' : 'topic', JSON.parse(resource.attributes.Queues ?? resource.attributes.Topics ?? '[]') as string[], '');
      return;
    default:
      return;
  }
}
