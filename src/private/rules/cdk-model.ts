import { CfnElement, CfnParameter, CfnResource, DefaultTokenResolver, IFragmentConcatenator, IPostProcessor, IResolvable, IResolveContext, Reference, Stack, Token, Tokenization } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { DeliveryModel, NOT_HANDLED, Res, ResStack, TYPES } from './model';

/**
 * The delivery model of a construct tree (for the aspect): one resource per L1 of a type the
 * model reads, its template entry rendered as synthesis would (overrides included). References to
 * elements of the tree are kept as markers naming the element, so cross-stack references (which
 * resolve to the producer's logical ID) are never confused with a same-named resource.
 */
export class CdkDeliveryModel extends DeliveryModel {
  /**
   * The model of a tree, built once per (tree root, owner) and reused; rebuilt when `visiting` is an
   * L1 it does not know (added after it was built).
   */
  public static of(root: IConstruct, owner: object, visiting?: CfnResource): CdkDeliveryModel {
    let byRoot = MODELS.get(owner);
    if (!byRoot) {
      byRoot = new WeakMap();
      MODELS.set(owner, byRoot);
    }
    let model = byRoot.get(root);
    if (!model || (visiting && model.isStale(visiting))) {
      model = new CdkDeliveryModel(root);
      byRoot.set(root, model);
    }
    return model;
  }

  private readonly refs: Reference[] = [];
  private readonly byCfn = new Map<CfnElement, Res>();
  private readonly stacks = new Map<Stack, ResStack>();

  private constructor(root: IConstruct) {
    super();
    for (const c of root.node.findAll()) {
      if (CfnResource.isCfnResource(c) && TYPES.has(c.cfnResourceType)) {
        const stack = Stack.of(c);
        const logicalId = stack.resolve(c.logicalId);
        const res = this.add({
          type: c.cfnResourceType,
          logicalId,
          stack: this.envOf(stack),
          label: `${c.cfnResourceType} ${c.node.path} (${logicalId})`,
          construct: c,
          entry: () => this.resolveEntry(c),
        });
        this.byCfn.set(c, res);
      }
    }
  }

  /** The resource for an L1 of the tree. */
  public resOf(cfn: CfnElement): Res | undefined {
    return this.byCfn.get(cfn);
  }

  /** Whether the model was built before `cfn` existed (another aspect added it): then it is stale. */
  public isStale(cfn: CfnResource): boolean {
    return TYPES.has(cfn.cfnResourceType) && !this.byCfn.has(cfn);
  }

  protected evaluateHere(o: Record<string, any>): string | undefined | typeof NOT_HANDLED {
    return o[MARKER] === undefined ? NOT_HANDLED : this.reference(this.refs[o[MARKER]]);
  }

  protected whyUnknownHere(o: Record<string, any>): string | undefined {
    if (o[MARKER] === undefined) {
      return undefined;
    }
    const ref = this.refs[o[MARKER]];
    return ref.target instanceof CfnParameter ? `parameter ${Stack.of(ref.target).resolve(ref.target.logicalId)}` : `${ref.target.node.path} (${ref.displayName})`;
  }

  /** Pseudo parameters of a stack: its account and region, or placeholders when environment-agnostic. */
  private envOf(stack: Stack): ResStack {
    let env = this.stacks.get(stack);
    if (!env) {
      env = {
        account: Token.isUnresolved(stack.account) ? '${AWS::AccountId}' : stack.account,
        region: Token.isUnresolved(stack.region) ? '${AWS::Region}' : stack.region,
      };
      this.stacks.set(stack, env);
    }
    return env;
  }

  /** Resolves an L1's template entry, keeping references as markers this model can follow. */
  private resolveEntry(cfn: CfnResource): any {
    // `_toCloudFormation` (internal to aws-cdk-lib; every L1 implements it, synthesis calls it) renders the
    // L1 with its overrides, so escape hatches are read as CloudFormation will receive them.
    const rendered = (cfn as any)._toCloudFormation();
    const resolved = Tokenization.resolve(rendered, { scope: cfn, preparing: false, resolver: new MarkingResolver(this.refs) });
    const resources = (resolved?.Resources ?? {}) as Record<string, any>;
    return Object.values(resources)[0] ?? {};
  }

  private reference(ref: Reference): string | undefined {
    const res = this.byCfn.get(ref.target as CfnElement);
    if (!res) {
      // A parameter, a condition, or a resource type this model does not read.
      return ref.target instanceof CfnResource ? `@${ref.target.cfnResourceType}:${ref.target.node.path}:${ref.displayName}` : undefined;
    }
    return res.attribute(ref.displayName);
  }
}

const MODELS = new WeakMap<object, WeakMap<IConstruct, CdkDeliveryModel>>();

// Shaped like an intrinsic function, so that aws-cdk-lib's L1 validators accept it where a value goes.
const MARKER = 'Fn::CdkSecureFifoRef';

/**
 * Resolves like aws-cdk-lib, except that a reference to an element of the tree becomes a marker
 * `{ "Fn::CdkSecureFifoRef": n }` that names the element itself, so that cross-stack references
 * (which resolve to the producer's logical ID) are never confused with a same-named resource.
 */
class MarkingResolver extends DefaultTokenResolver {
  constructor(private readonly refs: Reference[]) {
    super(new CfnConcat());
  }

  public resolveToken(t: IResolvable, context: IResolveContext, postProcessor: IPostProcessor): any {
    if (t instanceof Reference && !(t.target instanceof Stack) && (t.target instanceof CfnElement)) {
      this.refs.push(t);
      return { [MARKER]: this.refs.length - 1 };
    }
    return super.resolveToken(t, context, postProcessor);
  }
}

/** Joins string fragments the way CloudFormation would (`Fn::Join` with an empty delimiter). */
class CfnConcat implements IFragmentConcatenator {
  public join(left: any, right: any): any {
    if (left === undefined) {
      return right;
    }
    if (right === undefined) {
      return left;
    }
    if (typeof left === 'string' && typeof right === 'string') {
      return left + right;
    }
    const parts = (v: any): any[] => (v !== null && typeof v === 'object' && Array.isArray(v['Fn::Join']) && v['Fn::Join'][0] === '' ? v['Fn::Join'][1] : [v]);
    return { 'Fn::Join': ['', [...parts(left), ...parts(right)]] };
  }
}
