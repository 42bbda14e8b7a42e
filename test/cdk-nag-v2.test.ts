import { Aspects, CfnResource, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag-v2';
import { newApp, SHIPPED_STACKS } from './configurations';
import { PriceUpdatesStack } from '../examples/price-updates/stack';

/*
 * cdk-nag 2 (the Aspect-based line, still widely used) over the same configurations as the cdk-nag 3
 * suite. cdk-nag 2 does not see `Validations.acknowledge`; the library's acknowledgements reach it
 * through the `cdk_nag` resource metadata, so these stacks must report nothing either.
 */

const PACKS = [AwsSolutionsChecks, NIST80053R5Checks, HIPAASecurityChecks, PCIDSS321Checks, ServerlessChecks];
const FINDING = Match.stringLikeRegexp('^(AwsSolutions|NIST.800.53.R5|HIPAA.Security|PCI.DSS.321|Serverless)-');


/** Every cdk-nag 2 error and warning on the stack, with all five packs applied. */
function findings(stack: Stack): string[] {
  for (const Pack of PACKS) {
    Aspects.of(stack).add(new Pack());
  }
  const annotations = Annotations.fromStack(stack);
  return [...annotations.findError('*', FINDING), ...annotations.findWarning('*', FINDING)].map((m) => `${m.id}: ${String(m.entry.data).split(':')[0]}`);
}

const STACKS = SHIPPED_STACKS;

test.each(Object.keys(STACKS))('%s: the five cdk-nag 2 packs report nothing', (name) => {
  expect(findings(STACKS[name]())).toEqual([]);
});

test('cdk-nag 2 runs: an unencrypted queue is reported', () => {
  const stack = new Stack(newApp(), 'Control');
  new sqs.Queue(stack, 'Unencrypted', { encryption: sqs.QueueEncryption.UNENCRYPTED });
  expect(findings(stack).join('\n')).toMatch(/AwsSolutions-SQS2/);
});

test('the cdk_nag metadata is what clears the terminal DLQs for cdk-nag 2: without it they are reported', () => {
  const stack = new PriceUpdatesStack(newApp(), 'PriceUpdates');
  const dlqs = [
    stack.wholesale.deadLetterQueue, stack.retail.deadLetterQueue, stack.analytics.deadLetterQueue, stack.analytics.deliveryDeadLetterQueue,
  ];
  for (const dlq of dlqs) {
    (dlq.node.defaultChild as CfnResource).addMetadata('cdk_nag', { rules_to_suppress: [] });
  }
  const reported = findings(stack).filter((f) => f.includes('Serverless-SQSRedrivePolicy'));
  expect(reported).toHaveLength(dlqs.length);
});
