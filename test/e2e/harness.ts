import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { CfnTemplate, deployTemplate, DeployReport } from '../../local/deploy';
import { MessagingTarget } from '../../local/emulator';

/** A stack deployed into the emulator, with lookups from constructs to what the emulator created. */
export interface Deployed {
  readonly template: CfnTemplate;
  readonly report: DeployReport;
  queueUrl(queue: sqs.IQueue): string;
  queueArn(queue: sqs.IQueue): string;
  topicArn(topic: sns.ITopic): string;
}

/**
 * Synthesize `stack` and deploy its template (as an update of `previous`, when given: the same stack
 * deployed before); fails on anything the deployer did not understand, so a scenario never runs on a
 * half-deployed stack.
 */
export async function deployStack(target: MessagingTarget, stack: Stack, previous?: Deployed): Promise<Deployed> {
  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const report = await deployTemplate(template, target, { stackName: stack.stackName, previous });
  if (report.problems.length > 0) {
    throw new Error(`deploying ${stack.stackName}: ${JSON.stringify(report.problems, undefined, 2)}`);
  }
  const physical = (token: string): string => {
    const resolved = stack.resolve(token) as { Ref?: string };
    const id = resolved.Ref ? report.ids[resolved.Ref] : undefined;
    if (!id) throw new Error(`${JSON.stringify(resolved)} was not deployed`);
    return id;
  };
  return {
    template,
    report,
    queueUrl: (queue) => physical(queue.queueUrl),
    queueArn: (queue) => {
      const url = physical(queue.queueUrl);
      const found = Object.values(report.resources).find((r) => r.url === url);
      if (!found) throw new Error(`${url} was not deployed`);
      return found.arn;
    },
    topicArn: (topic) => physical(topic.topicArn),
  };
}

/** Deliveries grouped by message group, bodies in delivery order. */
export function bodiesByGroup(deliveries: ReadonlyArray<{ readonly groupId?: string; readonly body: string }>): { [groupId: string]: string[] } {
  const groups: { [groupId: string]: string[] } = {};
  for (const d of deliveries) {
    (groups[d.groupId ?? '?'] ??= []).push(d.body);
  }
  return groups;
}
