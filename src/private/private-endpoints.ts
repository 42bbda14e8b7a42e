import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IMessagingEndpoints } from '../messaging-endpoints';
import type { SecureFifoTopic } from '../secure-fifo-topic';
import { Problems } from './validation';

/** What principals may do on a topic only through the SNS endpoint. */
export const TOPIC_PRIVATE_ACTIONS = ['sns:Publish', 'sns:Subscribe'];
/** What principals may do on a queue only through the SQS endpoint (data plane, never `sqs:*`). */
export const QUEUE_PRIVATE_ACTIONS = ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'];

/**
 * Deny `actions` to every principal whose request does not come through `endpointId`, except AWS
 * services: as themselves (SNS delivering into queues and DLQs) or on your behalf (CloudFormation
 * subscribing a queue, SNS and SQS calling KMS). Their requests never pass through your endpoint;
 * denying them would drop messages or fail deployments. This is the AWS data-perimeter pattern.
 */
function denyOutsideEndpoint(actions: string[], resource: string, endpointId: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DenyOutsideVpcEndpoint',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions,
    resources: [resource],
    conditions: {
      StringNotEquals: { 'aws:SourceVpce': endpointId },
      // Both must be false to deny: AWS services acting as themselves (SNS delivering) or for you
      // (CloudFormation creating a subscription) do not pass through your endpoint.
      BoolIfExists: { 'aws:PrincipalIsAWSService': 'false', 'aws:ViaAWSService': 'false' },
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
  topic.addToResourcePolicy(denyOutsideEndpoint(TOPIC_PRIVATE_ACTIONS, topic.topicArnFromName, endpoints.snsEndpointId as string));
  endpoints.allowTopic(topic.topicArnFromName);
  endpoints.allowKey(topic.encryptionKey.keyArn);
}

/** Sending and consuming only through the SQS endpoint; registers the queue with the endpoints. */
export function restrictQueueToEndpoint(queue: sqs.IQueue, endpoints: IMessagingEndpoints): void {
  // The SQS endpoint's presence is checked with the queue's props (checkEndpointFor).
  queue.addToResourcePolicy(denyOutsideEndpoint(QUEUE_PRIVATE_ACTIONS, queue.queueArn, endpoints.sqsEndpointId as string));
  endpoints.allowQueue(queue.queueArn);
}
