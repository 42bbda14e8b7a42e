import type { CfnTemplate } from './intrinsics';

/** What the local deployer reports: what it created, updated, replaced, deleted, left out, and did not understand. */

/** A resource created in the target. */
export interface DeployedResource {
  readonly logicalId: string;
  readonly type: string;
  /** What `Ref` returns: the queue URL, topic ARN or subscription ARN. */
  readonly physicalId: string;
  readonly arn: string;
  /** Queue name or topic name. */
  readonly name?: string;
  /** Queues only. */
  readonly url?: string;
  /** The API attributes sent (after intrinsic resolution). */
  readonly attributes: { readonly [name: string]: string };
  /** What `Fn::GetAtt` returns for it. */
  readonly getAtt?: { readonly [attribute: string]: string };
  /** Its tags. */
  readonly tags?: { readonly [key: string]: string };
  /** The create-only properties the template set (resolved): a change to one replaces the resource. */
  readonly createOnly?: { readonly [property: string]: string };
}

/** A resource updated in place by a stack update. */
export interface UpdatedResource {
  readonly logicalId: string;
  readonly type: string;
  /** The properties (API attributes, `Tags`) that changed. */
  readonly properties: readonly string[];
}

/** A resource a stack update replaced: a create-only property changed, so it has a new physical ID. */
export interface ReplacedResource {
  readonly logicalId: string;
  readonly type: string;
  /** The create-only properties that changed. */
  readonly properties: readonly string[];
  readonly oldPhysicalId: string;
  readonly newPhysicalId: string;
  /** The old resource was kept (`UpdateReplacePolicy: Retain`), not deleted. */
  readonly oldKept: boolean;
}

/** A resource that is no longer in the template. */
export interface RemovedResource {
  readonly logicalId: string;
  readonly type: string;
  /** Undefined for types the deployer does not create (KMS keys, IAM, ...). */
  readonly physicalId?: string;
}

/** What a deployment onto an already deployed stack did, resource by resource, as CloudFormation's UPDATE would. */
export interface UpdateReport {
  /** New logical IDs, created. */
  readonly created: readonly string[];
  readonly updated: readonly UpdatedResource[];
  /** Same logical ID, nothing changed. */
  readonly unchanged: readonly string[];
  /** Replaced: new physical ID. Loud on purpose: for a queue, its messages stay behind in the old queue. */
  readonly replaced: readonly ReplacedResource[];
  /** Removed from the template and deleted. */
  readonly deleted: readonly RemovedResource[];
  /** Removed from the template and kept, because of `DeletionPolicy: Retain`. */
  readonly retained: readonly RemovedResource[];
}

/** A resource the target cannot run, and the test layer that covers it instead. */
export interface NotEmulatedResource {
  readonly logicalId: string;
  readonly type: string;
  readonly verifiedBy: string;
}

/** A property of a created resource left out, because the target cannot emulate what it does. */
export interface NotEmulatedProperty {
  readonly logicalId: string;
  readonly type: string;
  readonly property: string;
  readonly verifiedBy: string;
}

/** A property applied and stored by the target, which however does not act on it. */
export interface NotEnforcedSetting {
  readonly logicalId: string;
  readonly type: string;
  readonly property: string;
  readonly value: string;
  readonly detail: string;
  readonly verifiedBy: string;
}

/** Something the deployer did not understand: an unknown type or property, an unresolvable reference. */
export interface DeployProblem {
  readonly logicalId: string;
  readonly type: string;
  readonly property?: string;
  readonly message: string;
}

/** What `deployTemplate` did. */
export interface DeployReport {
  /** Created resources by logical ID. */
  readonly resources: { readonly [logicalId: string]: DeployedResource };
  /** Logical ID -> queue URL / topic ARN / subscription ARN. */
  readonly ids: { readonly [logicalId: string]: string };
  readonly notEmulated: readonly NotEmulatedResource[];
  readonly notEmulatedProperties: readonly NotEmulatedProperty[];
  readonly notEnforced: readonly NotEnforcedSetting[];
  readonly problems: readonly DeployProblem[];
  /** Resources whose `Condition` evaluated to false. */
  readonly skippedByCondition: readonly string[];
  /** Set when the deployment was an update of `DeployOptions.previous`. */
  readonly update?: UpdateReport;
  /** The stack's exports (`Outputs` with `Export.Name`) by name, as another stack's `Fn::ImportValue` reads them. */
  readonly exports: { readonly [exportName: string]: unknown };
}

/** A stack as deployed: its template and what the deployer did with it. */
export interface DeployedStack {
  readonly template: CfnTemplate;
  readonly report: DeployReport;
}

/** Options of `deployTemplate`. */
export interface DeployOptions {
  /** `AWS::StackName`, and the prefix of generated physical names. @default 'LocalStack' */
  readonly stackName?: string;
  /**
   * The stack as deployed so far (by an earlier `deployTemplate` into the same target, with the same
   * `stackName`): the new template is then deployed as a CloudFormation UPDATE of it.
   * @default - a new stack: every resource is created
   */
  readonly previous?: DeployedStack;
  /**
   * The values of `Fn::ImportValue`, by export name: the `exports` of stacks deployed before this
   * one (CloudFormation resolves an import from the exporting stack's output, which must already
   * exist: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-importvalue.html).
   * @default - none: an import stays its export name
   */
  readonly imports?: { readonly [exportName: string]: unknown };
}
