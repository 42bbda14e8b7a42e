import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { LIBRARY_CONFIGURATIONS } from './configurations';
import { platformTeams } from '../examples/platform-teams/stacks';
import { PLACEHOLDER_VPC, PriceUpdatesStack } from '../examples/price-updates/stack';

/*
 * AWS Control Tower's proactive controls, as @cdklabs/cdk-validator-cfnguard ships them (CloudFormation
 * Guard rules run by the cfn-guard binary the package bundles), over every configuration the
 * compliance suite covers and every example stack: zero findings, zero suppressions.
 */

function newApp(): App {
  return new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
}

/** The Control Tower findings for one stack's synthesized template. */
function controlTowerFindings(stack: Stack): string[] {
  const assembly = (stack.node.root as App).synth();
  const templatePaths = [assembly.getStackByName(stack.stackName).templateFullPath];
  const report = new CfnGuardValidator().validate({ templatePaths, appConstruct: stack.node.root as App });
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.resourceLogicalId}`));
}

const STACKS: Record<string, () => Stack> = {
  ...Object.fromEntries(Object.entries(LIBRARY_CONFIGURATIONS).map(([name, build]) => [name, () => {
    const stack = new Stack(newApp(), 'Configuration');
    build(stack);
    return stack;
  }])),
  'example PriceUpdates': () => new PriceUpdatesStack(newApp(), 'PriceUpdates'),
  'example ContentDedupPriceUpdates': () => new PriceUpdatesStack(newApp(), 'ContentDedupPriceUpdates', { topicName: 'price-updates-content-dedup', contentBasedDeduplication: true }),
  'example PrivatePriceUpdates (new endpoints)': () => new PriceUpdatesStack(newApp(), 'PrivatePriceUpdates', { privateNetwork: PLACEHOLDER_VPC }),
  'example PrivatePriceUpdates (existing endpoints)': () => new PriceUpdatesStack(newApp(), 'PrivatePriceUpdates', {
    existingEndpoints: { snsEndpointId: 'vpce-0aaa1111bbbb2222c', sqsEndpointId: 'vpce-0ddd3333eeee4444f' },
  }),
  ...Object.fromEntries((['platform', 'retail', 'billing'] as const).map((name) => [`example platform-teams: ${name}`, () =>
    platformTeams(newApp(), { platformAccount: '111111111111', consumerAccount: '222222222222', region: 'eu-west-1' })[name]])),
};

test.each(Object.keys(STACKS))('%s passes every Control Tower proactive control', (name) => {
  expect(controlTowerFindings(STACKS[name]())).toEqual([]);
});

test('the controls run: a key without the CreateGrant restriction is reported (CT.KMS.PR.3)', () => {
  const stack = new Stack(newApp(), 'Control');
  new kms.Key(stack, 'PlainKey', { enableKeyRotation: true });
  expect(controlTowerFindings(stack).join('\n')).toMatch(/kms_create_grant_aws_service_check at PlainKey/);
});
