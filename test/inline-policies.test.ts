import { Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { FifoFanout } from '../src';
import { ENV, newApp } from './util';

/*
 * What README's Security section says about inline policies: the grants and addLambdaConsumer write
 * identity statements; into a role's inline default policy the NIST 800-53 R5, HIPAA and PCI packs
 * flag them (IAMNoInlinePolicy); an iam.ManagedPolicy grantee avoids them; the acknowledgement on
 * the function's role clears the Lambda consumer's.
 */

const PACKS = [() => new NIST80053R5Checks(), () => new HIPAASecurityChecks(), () => new PCIDSS321Checks()];

function inlinePolicyFindings(stack: Stack): string[] {
  return PACKS.flatMap((pack) => pack().validateScope(stack).violations)
    .filter((v) => v.ruleName.endsWith('-IAMNoInlinePolicy'))
    .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));
}

function withLambdaConsumer() {
  const stack = new Stack(newApp(), 'Test', { env: ENV });
  const retail = new FifoFanout(stack, 'Prices', { topicName: 'prices' }).addSubscriber('Retail');
  const fn = new lambda.Function(stack, 'Consumer', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
  });
  retail.addLambdaConsumer(fn);
  return { stack, fn };
}

test("addLambdaConsumer writes the function role's inline policy, which the three packs flag", () => {
  const { stack } = withLambdaConsumer();
  expect(inlinePolicyFindings(stack).sort()).toEqual([
    'HIPAA.Security-IAMNoInlinePolicy at Test/Consumer/ServiceRole/DefaultPolicy/Resource',
    'NIST.800.53.R5-IAMNoInlinePolicy at Test/Consumer/ServiceRole/DefaultPolicy/Resource',
    'PCI.DSS.321-IAMNoInlinePolicy at Test/Consumer/ServiceRole/DefaultPolicy/Resource',
  ]);
});

test("the README's acknowledgement on the function's role clears them", () => {
  const { stack, fn } = withLambdaConsumer();
  for (const id of ['NIST.800.53.R5-IAMNoInlinePolicy', 'HIPAA.Security-IAMNoInlinePolicy', 'PCI.DSS.321-IAMNoInlinePolicy']) {
    Validations.of(fn.role!).acknowledge({ id, reason: 'SqsEventSource grants to the function role itself' });
  }
  expect(inlinePolicyFindings(stack)).toEqual([]);
});

test('a grant to an iam.ManagedPolicy writes no inline policy', () => {
  const stack = new Stack(newApp(), 'Test', { env: ENV });
  const fanout = new FifoFanout(stack, 'Prices', { topicName: 'prices' });
  const role = new iam.Role(stack, 'Consumer', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  const policy = new iam.ManagedPolicy(stack, 'ConsumerPolicy', { roles: [role] });
  fanout.addSubscriber('Retail').grantConsumeMessages(policy);
  fanout.topic.grantPublish(policy);
  Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
  expect(inlinePolicyFindings(stack)).toEqual([]);
});
