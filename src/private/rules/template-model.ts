import { DeliveryModel, Res, ResStack, TemplateScope, TYPES } from './model';

/** One template of an app, in JSON form (already normalised), with its environment when known. */
export interface TemplateInput {
  /** The file it was read from: findings name it. */
  readonly file: string;
  readonly template: any;
  /** The account it deploys to; undefined when only known at deploy time. */
  readonly account?: string;
  /** The region it deploys to; undefined when only known at deploy time. */
  readonly region?: string;
}

/** A template's scope: its resources by logical ID, where it deploys, and its file. */
interface Scope extends TemplateScope {
  readonly file: string;
  readonly stack: ResStack;
}

/**
 * The delivery model of CloudFormation templates in JSON form (for the CLI), built in one pass
 * without synthesizing anything. All templates given are one app: an `Fn::ImportValue` is matched
 * to the `Export` of another template's output
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/outputs-section-structure.html),
 * and evaluates to what that output's value evaluates to in its own template.
 *
 * `Ref` to a parameter evaluates to its `Default` (CloudFormation's value when the deployer gives
 * none: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html),
 * recorded so that a finding resting on it is never an error (see `checkResource`): a deployed
 * stack can have been given another value. SSM parameter types are never read (their Default is the
 * parameter's name, not its value); a parameter without a Default is unknown.
 */
export class TemplateDeliveryModel extends DeliveryModel {
  /** The model of the given templates (one app). */
  public static fromTemplates(inputs: TemplateInput[]): TemplateDeliveryModel {
    return new TemplateDeliveryModel(inputs);
  }

  private readonly scopes: Scope[] = [];
  private readonly exports = new Map<string, { value: unknown; scope: Scope }>();
  private exportsRead = false;

  private constructor(inputs: TemplateInput[]) {
    super();
    for (const input of inputs) {
      const stack: ResStack = { account: input.account ?? '${AWS::AccountId}', region: input.region ?? '${AWS::Region}' };
      const scope: Scope = { file: input.file, stack, template: input.template, resources: new Map() };
      this.scopes.push(scope);
      for (const [logicalId, entry] of Object.entries<any>(input.template.Resources ?? {})) {
        const type = entry?.Type;
        if (typeof type !== 'string' || !TYPES.has(type)) {
          continue;
        }
        scope.resources.set(logicalId, this.add({
          type,
          logicalId,
          stack,
          label: `${type} ${logicalId}`,
          file: input.file,
          scope,
          entry: () => entry,
        }));
      }
    }
  }

  /** The resources of the model that come from one file. */
  public resourcesOf(file: string): Res[] {
    return this.resources.filter((r) => r.source.file === file);
  }

  protected ref(name: string, scope: TemplateScope | undefined, depth: number): string | undefined {
    const s = scope as Scope | undefined;
    if (!s) {
      return undefined;
    }
    const res = s.resources.get(name);
    if (res) {
      return res.attribute('Ref');
    }
    const other = s.template.Resources?.[name];
    if (other !== undefined) {
      // A resource of a type the model does not read: one identity per resource.
      return `@${other?.Type}:${s.file}:${name}`;
    }
    const parameter = s.template.Parameters?.[name];
    if (parameter === undefined || parameter === null || parameter.Default === undefined || String(parameter.Type ?? '').startsWith('AWS::SSM::')) {
      return undefined;
    }
    this.readDefault(name);
    return this.evaluate(parameter.Default, undefined, s.stack, depth + 1);
  }

  protected importValue(name: string, depth: number): string | undefined {
    const exported = this.exportNamed(name);
    if (!exported) {
      return super.importValue(name, depth);
    }
    return this.evaluate(exported.value, exported.scope, exported.scope.stack, depth + 1);
  }

  /** The output exported under a name by one of the templates (read on first import). */
  private exportNamed(name: string): { value: unknown; scope: Scope } | undefined {
    if (!this.exportsRead) {
      this.exportsRead = true;
      for (const scope of this.scopes) {
        for (const output of Object.values<any>(scope.template.Outputs ?? {})) {
          if (output?.Export?.Name === undefined) {
            continue;
          }
          const exportName = this.evaluate(output.Export.Name, scope, scope.stack, 1);
          if (exportName !== undefined) {
            this.exports.set(exportName, { value: output.Value, scope });
          }
        }
      }
    }
    return this.exports.get(name);
  }
}
