import { CfnResource, collectReferences } from './intrinsics';

/** Resources in an order where each comes after everything it references (Kahn's algorithm). */
export function creationOrder(resources: { [logicalId: string]: CfnResource }): string[] {
  const ids = Object.keys(resources);
  const dependencies = new Map<string, Set<string>>();
  for (const id of ids) {
    const resource = resources[id];
    const deps = new Set<string>();
    for (const ref of collectReferences(resource.Properties ?? {})) {
      if (ref.logicalId in resources && ref.logicalId !== id) deps.add(ref.logicalId);
    }
    const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
    dependsOn.filter((dep) => dep in resources).forEach((dep) => deps.add(dep));
    dependencies.set(id, deps);
  }
  const order: string[] = [];
  const done = new Set<string>();
  while (order.length < ids.length) {
    const ready = ids.filter((id) => !done.has(id) && [...dependencies.get(id)!].every((dep) => done.has(dep)));
    if (ready.length === 0) {
      throw new Error(`dependency cycle between ${ids.filter((id) => !done.has(id)).join(', ')}`);
    }
    for (const id of ready) {
      order.push(id);
      done.add(id);
    }
  }
  return order;
}
