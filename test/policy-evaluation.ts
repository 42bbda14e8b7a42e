import { runSimulation, Simulation } from '@cloud-copilot/iam-simulate';
import type { World } from './policy-world';

/*
 * Evaluates "who does what on which resource" in a World with @cloud-copilot/iam-simulate (AGPL, a
 * devDependency only) the way AWS does: resource policy, the caller's identity policies, and the
 * endpoint policy when the request comes through one of the stack's endpoints.
 */

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';
/** Allowed by an Allow statement, and no Deny applies. */
export const ALLOWED: Decision = 'Allowed';
/** Denied by a Deny statement (TLS-only, endpoint-only). */
export const DENIED: Decision = 'ExplicitlyDenied';
/** Denied because nothing grants it (no Allow matches, or an endpoint policy does not admit it). */
export const NOT_GRANTED: Decision = 'ImplicitlyDenied';

export interface Row {
  /** Who asks (see World.actors). */
  readonly who: string;
  /** The IAM action. */
  readonly does: string;
  /** The resource, by name (see World.resources). */
  readonly on: string;
  /** For SNS delivering: the topic it delivers for (aws:SourceArn). */
  readonly forTopic?: string;
  /** For sns:Subscribe: the subscription's protocol (sns:Protocol), which every Subscribe request carries. */
  readonly protocol?: string;
  /** The endpoint the request comes through (aws:SourceVpce), by name or as an ID; none when unset. */
  readonly via?: string;
  /** aws:SecureTransport; true unless said otherwise. */
  readonly tls?: boolean;
  readonly expect: Decision;
}

export async function evaluate(world: World, row: Row): Promise<Decision> {
  const actor = world.actors[row.who];
  const resource = world.resources[row.on];
  if (!actor || !resource) {
    throw new Error(`unknown actor or resource in row ${JSON.stringify(row)}`);
  }
  if (actor.isService !== (row.forTopic !== undefined) || (row.does === 'sns:Subscribe') !== (row.protocol !== undefined)) {
    throw new Error(`a service's requests carry aws:SourceArn, a Subscribe carries sns:Protocol, nothing else does: ${JSON.stringify(row)}`);
  }
  const vpceId = row.via ? world.endpoints[row.via] ?? row.via : undefined;
  if (row.via && !vpceId?.startsWith('vpce-')) {
    throw new Error(`unknown endpoint ${row.via}`);
  }
  const endpointPolicy = vpceId ? world.endpointPolicy(vpceId) : undefined;
  const simulation: Simulation = {
    request: {
      principal: actor.principal,
      action: row.does,
      resource: { resource, accountId: resource.split(':')[4] },
      contextVariables: {
        ...actor.context,
        'aws:SecureTransport': String(row.tls ?? true),
        ...(row.forTopic ? { 'aws:SourceArn': row.forTopic } : {}),
        ...(row.protocol ? { 'sns:Protocol': row.protocol } : {}),
        ...(vpceId ? { 'aws:SourceVpce': vpceId } : {}),
      },
    },
    identityPolicies: actor.identityPolicies.map((policy, i) => ({ name: `identity-${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: world.resourcePolicy(resource),
    // An endpoint policy applies to requests through that endpoint; one this stack does not create is unknown (open).
    vpcEndpointPolicies: endpointPolicy ? [{ name: row.via!, policy: endpointPolicy }] : undefined,
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType !== 'single') {
    throw new Error(`simulation did not run: ${JSON.stringify(result)}`);
  }
  if (result.result.ignoredContextKeys?.length) {
    throw new Error(`the simulator ignored context keys ${result.result.ignoredContextKeys.join(', ')} for ${title(row)}`);
  }
  return result.overallResult as Decision;
}

export function title(row: Row): string {
  return [
    `${row.who} ${row.does}`,
    row.protocol ? `(sns:Protocol ${row.protocol})` : '',
    `on ${row.on}`,
    row.forTopic ? `for ${row.forTopic}` : '',
    row.via ? `via ${row.via}` : '',
    row.tls === false ? 'without TLS' : '',
    `→ ${row.expect}`,
  ].filter(Boolean).join(' ');
}
