import { AppVersion } from './app-version';
import { ResolvedApp } from './resolved-app';
import { dependencyClosure, dependencyClosureOfStack, MomentOf, Worlds } from './simulator';

/** A moment CloudFormation can pass through while it updates an app, with a readable label. */
export interface Moment {
  readonly label: string;
  readonly at: MomentOf;
}

/**
 * The moments of an update from `before` to `after` that the update order allows, in the model of
 * simulator.ts: stacks one after another in dependency order (a stack the current one does not
 * depend on taken not yet updated); inside the stack being updated, for each of its resources, the
 * moment it has just been updated (what it depends on updated too, the rest of the stack not yet),
 * then the whole stack updated. Hand-written, as the simulator.
 */
export function momentsOf(before: AppVersion, after: AppVersion): { worlds: Worlds; moments: Moment[] } {
  const worlds = new Worlds(new ResolvedApp(before), new ResolvedApp(after));
  const moments: Moment[] = [{ label: 'before the update', at: () => 'before' }];
  for (const stack of after.stacks) {
    const earlier = dependencyClosureOfStack(after, stack.stackName);
    const outside = (name: string) => (earlier.has(name) ? 'after' : 'before');
    for (const r of worlds.after.resources.filter((x) => x.stack === stack.stackName)) {
      const ordered = dependencyClosure(worlds.after, r);
      moments.push({
        label: `${stack.stackName}: ${r.logicalId} updated, what it does not depend on not yet`,
        at: (a) => (a.stack === stack.stackName ? (ordered.has(a.logicalId) ? 'after' : 'before') : outside(a.stack)),
      });
    }
    moments.push({ label: `${stack.stackName} updated`, at: (a) => (a.stack === stack.stackName ? 'after' : outside(a.stack)) });
  }
  moments.push({ label: 'after the update', at: () => 'after' });
  return { worlds, moments };
}
