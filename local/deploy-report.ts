/** What the local deployer reports: what it created, left out, and did not understand. */

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
}

/** Options of `deployTemplate`. */
export interface DeployOptions {
  /** `AWS::StackName`, and the prefix of generated physical names. @default 'LocalStack' */
  readonly stackName?: string;
}
