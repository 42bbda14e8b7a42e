import { CreateTopicCommand, GetTopicAttributesCommand, ListTopicsCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import type { DeployedResource, DeployProblem, DeployReport } from './deploy-report';
import type { MessagingTarget } from './emulator';
import type { CfnTemplate } from './intrinsics';
import { generatedName } from './naming';

/** The SNS and SQS API calls of the local deployer: creating queues, topics and subscriptions, and reading them back. */

export interface Created {
  readonly physicalId: string;
  readonly arn: string;
  readonly name?: string;
  readonly url?: string;
  readonly getAtt: { readonly [attribute: string]: string };
}

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
