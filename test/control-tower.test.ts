import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { newApp, SHIPPED_STACKS } from './configurations';

/*
 * AWS Control Tower's proactive controls, as @cdklabs/cdk-validator-cfnguard ships them (CloudFormation
 * Guard rules run by the cfn-guard binary the package bundles), over every configuration the
 * compliance suite covers and every example stack: zero findings, zero suppressions.
 */


/** The Control Tower findings for one stack's synthesized template. */
function controlTowerFindings(stack: Stack): string[] {
  const assembly = (stack.node.root as App).synth();
  const templatePaths = [assembly.getStackByName(stack.stackName).templateFullPath];
  const report = new CfnGuardValidator().validate({ templatePaths, appConstruct: stack.node.root as App });
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.resourceLogicalId}`));
}

const STACKS = SHIPPED_STACKS;

test.each(Object.keys(STACKS))('%s passes every Control Tower proactive control', (name) => {
  expect(controlTowerFindings(STACKS[name]())).toEqual([]);
});

test('the controls run: a key without the CreateGrant restriction is reported (CT.KMS.PR.3)', () => {
  const stack = new Stack(newApp(), 'Control');
  new kms.Key(stack, 'PlainKey', { enableKeyRotation: true });
  expect(controlTowerFindings(stack).join('\n')).toMatch(/kms_create_grant_aws_service_check at PlainKey/);
});
