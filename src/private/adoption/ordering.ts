import { CfnResource, DefaultTokenResolver, IResolvable, IResolveContext, IPostProcessor, Reference, Stack, StringConcat, Tokenization } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { Adopted } from './model';
import { warnNotOrdered } from './warnings';

/**
 * Ordering: CloudFormation updates a resource after the resources it references (Ref, GetAtt,
 * DependsOn) and in parallel otherwise
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html);
 * `cdk deploy --all` deploys a stack after the stacks it depends on
 * (https://docs.aws.amazon.com/cdk/v2/guide/stacks.html). A topic or queue that switches keys in
 * ENCRYPT waits (`DependsOn`) for the grants of its own stack; a grant in a stack that does not
 * deploy before it is named in a warning. Hand-written: aws-cdk-lib computes these dependencies only
 * when it synthesizes, after aspects.
 */

/** Records every token a resolution meets (as aws-cdk-lib's own RememberingTokenResolver does). */
class RecordingResolver extends DefaultTokenResolver {
  public readonly seen = new Set<IResolvable>();
  constructor() {
    super(new StringConcat());
  }
  public resolveToken(t: IResolvable, context: IResolveContext, postProcessor: IPostProcessor) {
    this.seen.add(t);
    return super.resolveToken(t, context, postProcessor);
  }
}

/** The dependencies between the resources and stacks of an app, as CloudFormation and the CDK CLI will see them. */
export class Dependencies {
  private readonly memo = new Map<CfnResource, Set<CfnResource>>();

  constructor(private readonly all: CfnResource[]) {}

  /** What a resource references or depends on (any stack). */
  public refs(cfn: CfnResource): Set<CfnResource> {
    const known = this.memo.get(cfn);
    if (known) {
      return known;
    }
    const found = new Set<CfnResource>();
    const resolver = new RecordingResolver();
    try {
      Tokenization.resolve((cfn as any)._toCloudFormation(), { scope: cfn, resolver, preparing: true });
    } catch {
      // A template aws-cdk-lib cannot resolve yet is reported by the synth itself.
    }
    for (const t of resolver.seen) {
      if (t instanceof Reference && CfnResource.isCfnResource(t.target)) {
        found.add(t.target);
      }
    }
    for (const d of cfn.obtainDependencies()) {
      if (CfnResource.isCfnResource(d)) {
        found.add(d);
      }
    }
    this.memo.set(cfn, found);
    return found;
  }

  /** Records a `DependsOn` just added. */
  public addEdge(from: CfnResource, to: CfnResource): void {
    this.refs(from).add(to);
  }

  /** Forgets what was computed (after the adoption changed the app). */
  public reset(): void {
    this.memo.clear();
  }

  /** Whether `from` references `to`, directly or through resources of its own stack. */
  public reaches(from: CfnResource, to: CfnResource): boolean {
    const stack = Stack.of(from);
    const seen = new Set<CfnResource>();
    const next = [from];
    while (next.length > 0) {
      const c = next.pop()!;
      if (c === to) {
        return true;
      }
      if (seen.has(c)) {
        continue;
      }
      seen.add(c);
      next.push(...[...this.refs(c)].filter((r) => Stack.of(r) === stack));
    }
    return false;
  }

  /** Whether stack `a` deploys after stack `b` (depends on it, directly or through others). */
  public stackDependsOn(a: Stack, b: Stack): boolean {
    const seen = new Set<Stack>();
    const next = [a];
    while (next.length > 0) {
      const s = next.pop()!;
      if (seen.has(s)) {
        continue;
      }
      seen.add(s);
      for (const d of this.stackRefs(s)) {
        if (d === b) {
          return true;
        }
        next.push(d);
      }
    }
    return false;
  }

  private stackRefs(stack: Stack): Set<Stack> {
    const out = new Set<Stack>(stack.dependencies);
    for (const c of this.all.filter((r) => Stack.of(r) === stack)) {
      for (const r of this.refs(c)) {
        if (Stack.of(r) !== stack) {
          out.add(Stack.of(r));
        }
      }
    }
    return out;
  }
}

/**
 * ENCRYPT: each topic or queue that switches keys waits for the grants on its new key. A grant of
 * its own stack that does not itself reference the resource becomes a `DependsOn`; any other is
 * named in a warning (deploy PREPARE first).
 */
export function orderSwitches(deps: Dependencies, switched: Array<Adopted<any>>, grantsFor: Map<CfnResource, Set<CfnResource>>,
  principalOf: (grant: CfnResource) => IConstruct): void {
  deps.reset();
  for (const r of switched) {
    const stack = Stack.of(r.cfn);
    for (const grant of grantsFor.get(r.cfn) ?? []) {
      const there = Stack.of(grant);
      if (there === stack) {
        if (deps.reaches(grant, r.cfn)) {
          warnNotOrdered(r.cfn, principalOf(grant), `${grant.node.path} references it, so it cannot be updated before it (a DependsOn would be a cycle)`);
        } else {
          r.cfn.addResourceDependency(grant);
          deps.addEdge(r.cfn, grant);
        }
      } else if (!deps.stackDependsOn(stack, there)) {
        warnNotOrdered(r.cfn, principalOf(grant), `its stack ${there.stackName} does not deploy before ${stack.stackName}`);
      }
    }
  }
}
