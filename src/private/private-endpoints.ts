import { Lazy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { addUnmergeable } from './shared-policy-queue';
import { Problems } from './validation';
import { ValidationErrorCode } from '../errors';
import type { IMessagingEndpoints } from '../interfaces';

/**
 * What principals may do on a topic only through the SNS endpoint: publish. Subscriptions are
 * controlled by who may call `sns:Subscribe`, not by the network path: CloudFormation creates them
 * with the deployment's execution role, whose calls carry neither `aws:SourceVpce` nor
 * `aws:ViaAWSService = true`.
 */
export const TOPIC_PRIVATE_ACTIONS = ['sns:Publish'];

/**
 * What consumers may do on a queue only through the SQS endpoint. Never `sqs:SendMessage`: SNS
 * delivers from the AWS network, and a deny that depended on a condition key SQS may not evaluate
 * for it would refuse every delivery. The queue policy admits SNS for the topic's ARN only.
 */
export const QUEUE_PRIVATE_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'];

/**
 * Deny `actions` on `resources` to every request that does not come through `endpointId`
 * (`aws:SourceVpce`). `exempt` adds further conditions, each of which lifts the deny when false.
 */
function denyOutsideEndpoint(actions: string[], resources: string[], endpointId: string, exempt: Record<string, unknown> = {}): iam.PolicyStatement {
  return new iam.PolicyStatement({
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions,
    resources,
    conditions: { StringNotEquals: { 'aws:SourceVpce': endpointId }, ...exempt },
  });
}

/** Checks that the endpoints a topic (SNS) or queue (SQS) is restricted to include that service's endpoint. */
export function checkEndpointFor(problems: Problems, service: 'SNS' | 'SQS', endpoints: IMessagingEndpoints | undefined): void {
  if (endpoints && !(service === 'SNS' ? endpoints.snsEndpointId : endpoints.sqsEndpointId)) {
    problems.add(ValidationErrorCode.ENDPOINT_MISSING, 'privateEndpoints', endpoints.node.path, `allowed: endpoints that include an ${service} endpoint`);
  }
}

/**
 * Publishing only through the SNS endpoint; registers the topic and its key with the endpoints.
 * AWS services publishing as themselves (EventBridge, CloudWatch alarms) never come through your
 * endpoint, so requests whose `aws:PrincipalIsAWSService` is true are not denied.
 */
export function restrictTopicToEndpoint(
  topic: { addToResourcePolicy(statement: iam.PolicyStatement): iam.AddToResourcePolicyResult },
  topicArn: string,
  key: kms.IKey,
  endpoints: IMessagingEndpoints,
): void {
  // The SNS endpoint's presence is checked with the topic's props (checkEndpointFor).
  topic.addToResourcePolicy(denyOutsideEndpoint(TOPIC_PRIVATE_ACTIONS, [topicArn], endpoints.snsEndpointId as string, {
    BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
  }));
  endpoints.allowTopic(topicArn);
  endpoints.allowKey(key);
}

/**
 * Consuming a queue and its DLQ only through the SQS endpoint: one statement per queue (one
 * resource per statement; AWS documents no SQS policy statement with several queues). Roles in `exemptRoles` (produced at synth) are left out: a Lambda event source mapping
 * polls from outside your VPC with the function's role. The queues are registered by ARNs built
 * from their names, so endpoints in another stack do not reference this one.
 */
export function restrictQueuesToEndpoint(
  policy: sqs.QueuePolicy,
  queueArns: string[],
  arnsFromNames: string[],
  endpoints: IMessagingEndpoints,
  exemptRoles: () => iam.IRole[],
): void {
  // The SQS endpoint's presence is checked with the queue's props (checkEndpointFor).
  const exempt = Lazy.any({
    produce: () => {
      const roles = exemptRoles();
      return roles.length === 0 ? undefined : { 'aws:PrincipalArn': roles.map((role) => role.roleArn) };
    },
  });
  for (const queueArn of queueArns) {
    addUnmergeable(policy, denyOutsideEndpoint(QUEUE_PRIVATE_ACTIONS, [queueArn], endpoints.sqsEndpointId as string, { ArnNotEquals: exempt }));
  }
  arnsFromNames.forEach((arn) => endpoints.allowQueue(arn));
}
