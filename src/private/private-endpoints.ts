import { Lazy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IMessagingEndpoints } from '../messaging-endpoints';
import type { SecureFifoTopic } from '../secure-fifo-topic';
import { Problems } from './validation';

/** What principals may do on a topic only through the SNS endpoint. */
export const TOPIC_PRIVATE_ACTIONS = ['sns:Publish', 'sns:Subscribe'];
/** What principals may do on a queue only through the SQS endpoint (data plane, never `sqs:*`). */
export const QUEUE_PRIVATE_ACTIONS = ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'];

/**
 * Deny `actions` on `resources` to every principal whose request does not come through
 * `endpointId`, except AWS services: as themselves (SNS delivering into queues and DLQs) or on your
 * behalf (CloudFormation subscribing a queue, SNS and SQS calling KMS). Their requests never pass
 * through your endpoint; denying them would drop messages or fail deployments. This is the AWS
 * data-perimeter pattern. `exemptRoles` (produced at synth) are left out too: e.g. Lambda event
 * source mappings poll from outside your VPC with the function's role.
 */
function denyOutsideEndpoint(
  actions: string[],
  resources: string[],
  endpointId: string,
  exemptRoles: () => iam.IRole[] = () => [],
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions,
    resources,
    conditions: {
      StringNotEquals: { 'aws:SourceVpce': endpointId },
      BoolIfExists: { 'aws:PrincipalIsAWSService': 'false', 'aws:ViaAWSService': 'false' },
      ArnNotEquals: Lazy.any({
        produce: () => {
          const roles = exemptRoles();
          return roles.length === 0 ? undefined : { 'aws:PrincipalArn': roles.map((role) => role.roleArn) };
        },
      }),
    },
  });
}

/** Checks that the endpoints a topic (SNS) or queue (SQS) is restricted to include that service's endpoint. */
export function checkEndpointFor(problems: Problems, service: 'SNS' | 'SQS', endpoints: IMessagingEndpoints | undefined): void {
  if (endpoints && !(service === 'SNS' ? endpoints.snsEndpointId : endpoints.sqsEndpointId)) {
    problems.add('privateEndpoints', endpoints.node.path, `allowed: MessagingEndpoints whose services include ${service}`);
  }
}

/** Publishing and subscribing only through the SNS endpoint; registers the topic and its key with the endpoints. */
export function restrictTopicToEndpoint(topic: SecureFifoTopic, endpoints: IMessagingEndpoints): void {
  // The SNS endpoint's presence is checked with the topic's props (checkEndpointFor).
  topic.addToResourcePolicy(denyOutsideEndpoint(TOPIC_PRIVATE_ACTIONS, [topic.topicArnFromName], endpoints.snsEndpointId as string));
  endpoints.allowTopic(topic.topicArnFromName);
  endpoints.allowKey(topic.encryptionKey);
}

/**
 * Sending and consuming a queue and its DLQ only through the SQS endpoint, in one statement of
 * their shared policy (one statement: Sids and statements stay unique). The queues are registered
 * by ARNs built from their names, so endpoints in another stack do not reference this one.
 */
export function restrictQueuesToEndpoint(
  policy: { addToResourcePolicy(statement: iam.PolicyStatement): iam.AddToResourcePolicyResult },
  queueArns: string[],
  arnsFromNames: string[],
  endpoints: IMessagingEndpoints,
  exemptRoles: () => iam.IRole[],
): void {
  // The SQS endpoint's presence is checked with the queue's props (checkEndpointFor).
  policy.addToResourcePolicy(denyOutsideEndpoint(QUEUE_PRIVATE_ACTIONS, queueArns, endpoints.sqsEndpointId as string, exemptRoles));
  arnsFromNames.forEach((arn) => endpoints.allowQueue(arn));
}
