import { Annotations, CfnResource, IAspect } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { CHECKED_TYPES, checkResource } from './private/rules';
import { CdkDeliveryModel } from './private/rules/cdk-model';

/**
 * Checks SNS → SQS delivery in any app, however it was written: aws-cdk-lib L2s, L1s, escape
 * hatches or `CfnInclude`d templates (it reads the L1 resources). Where delivery breaks it adds an
 * error, where the exactly-once guarantee is weaker (or a consumer may be unable to read) a
 * warning, and where it cannot decide before deployment (parameters, imports, resources outside the
 * app) or only notes what no change to the template clears, an info. Every annotation sits on the
 * construct at fault, names the resource, what is wrong, why (with the AWS page) and the fix, and
 * carries a rule id `cdk-secure-fifo:<Rule>`; warnings can be acknowledged with it.
 *
 * It judges the resources as they are when it runs: when other aspects change SNS, SQS, KMS or Lambda
 * resources, add it after them (e.g. `Aspects.of(app).add(checks, { priority: AspectPriority.READONLY })`).
 *
 * @example
 * declare const app: App;
 * Aspects.of(app).add(new FifoDeliveryChecks());
 */
export class FifoDeliveryChecks implements IAspect {
  private readonly reported = new Set<string>();

  /**
   * Checks one construct: an SNS subscription, an SQS queue or a Lambda event source mapping L1
   * (others are skipped). Called by the CDK for every construct of the scope the aspect was added to.
   *
   * @param node the construct to check
   */
  public visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node) || !CHECKED_TYPES.has(node.cfnResourceType)) {
      return;
    }
    const model = CdkDeliveryModel.of(node.node.root, this, node);
    for (const finding of checkResource(model, model.resOf(node))) {
      const on = finding.on.source.construct!;
      const key = `${on.node.path}\u0000${finding.id}\u0000${finding.message}`;
      if (this.reported.has(key)) {
        continue;
      }
      this.reported.add(key);
      const annotations = Annotations.of(on);
      if (finding.level === 'error') {
        annotations.addError(`${finding.message} [${finding.id}]`);
      } else if (finding.level === 'warning') {
        annotations.addWarningV2(finding.id, finding.message);
      } else {
        annotations.addInfo(`${finding.message} [${finding.id}]`);
      }
    }
  }
}
