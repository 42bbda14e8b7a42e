import { Template } from 'aws-cdk-lib/assertions';

/**
 * Create-only properties (a change replaces the resource), from CloudFormation's resource schemas
 * as cfn-lint 1.51.0 ships them, read on 2026-12-04 with:
 *   python3 -c "from cfnlint.schema.manager import PROVIDER_SCHEMA_MANAGER as m; print(m.get_resource_schema('us-east-1','AWS::SQS::Queue').schema['createOnlyProperties'])"
 * (AWS::SQS::QueuePolicy and AWS::SNS::TopicPolicy have none.)
 */
export const CREATE_ONLY: Record<string, string[]> = {
  'AWS::SQS::Queue': ['FifoQueue', 'QueueName'],
  'AWS::SNS::Topic': ['TopicName', 'FifoTopic'],
  'AWS::SNS::Subscription': ['Endpoint', 'Protocol', 'TopicArn'],
  'AWS::Lambda::EventSourceMapping': ['EventSourceArn', 'StartingPosition', 'StartingPositionTimestamp', 'SelfManagedEventSource'],
  'AWS::IAM::Role': ['Path', 'RoleName'],
  'AWS::SQS::QueuePolicy': [],
  'AWS::SNS::TopicPolicy': [],
};

/** Each resource of a type listed in CREATE_ONLY: its logical ID, type and create-only properties. */
export function identities(template: Template): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, r] of Object.entries<any>(template.toJSON().Resources ?? {})) {
    const props = CREATE_ONLY[r.Type];
    if (props) {
      out[id] = { Type: r.Type, ...Object.fromEntries(props.filter((p) => r.Properties?.[p] !== undefined).map((p) => [p, r.Properties[p]])) };
    }
  }
  return out;
}

/**
 * What CloudFormation would replace or delete when `after` updates a stack deployed from `before`:
 * resources of `before` missing from `after`, or whose type or create-only properties changed.
 * Empty when the update is in place.
 */
export function replacements(before: Template, after: Template): string[] {
  const was = identities(before);
  const now = identities(after);
  const all = after.toJSON().Resources ?? {};
  const out: string[] = [];
  for (const id of Object.keys(before.toJSON().Resources ?? {})) {
    if (!(id in all)) {
      out.push(`${id}: deleted`);
    } else if (id in was && JSON.stringify(was[id]) !== JSON.stringify(now[id])) {
      out.push(`${id}: ${JSON.stringify(was[id])} -> ${JSON.stringify(now[id])}`);
    }
  }
  return out;
}

/** Queues and topics named by more than one policy resource (each maps to the policies naming it). */
export function sharedPolicies(template: Template): Record<string, string[]> {
  const owners: Record<string, string[]> = {};
  for (const [id, r] of Object.entries<any>(template.toJSON().Resources ?? {})) {
    const targets = r.Type === 'AWS::SQS::QueuePolicy' ? r.Properties.Queues : r.Type === 'AWS::SNS::TopicPolicy' ? r.Properties.Topics : undefined;
    for (const t of targets ?? []) {
      const k = JSON.stringify(t);
      owners[k] = [...(owners[k] ?? []), id];
    }
  }
  return Object.fromEntries(Object.entries(owners).filter(([, ids]) => ids.length > 1));
}
