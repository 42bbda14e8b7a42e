import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';

/** The account and region every unit test synthesizes into. */
export const ENV = { account: '111111111111', region: 'eu-west-1' };

/** A stack in an App that turns CloudFormation's own template validation findings into synth errors. */
export function newStack(id = 'Test'): Stack {
  const app = new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
  return new Stack(app, id, { env: ENV });
}

/** All resources of one type, as [logicalId, resource] pairs. */
export function resourcesOf(template: Template, type: string): Array<[string, any]> {
  return Object.entries(template.findResources(type));
}

/** The ids of warnings in a stack that match a cdk-secure-fifo warning id. */
export function warningsWithId(stack: Stack, id: string) {
  return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(id));
}

/** Whether any value in `obj` references `logicalId` with Ref or Fn::GetAtt. */
export function references(obj: unknown, logicalId: string): boolean {
  const json = JSON.stringify(obj);
  return json.includes(`{"Ref":"${logicalId}"}`) || json.includes(`{"Fn::GetAtt":["${logicalId}"`);
}
