import { DeliveryModel, patternMatches, Res, sameArn } from './model';

/** Yes, no, or cannot be decided before deployment. */
export type Tri = 'yes' | 'no' | 'unknown';

/**
 * A request that a policy must allow: made by a service principal (`service`), or by a role of the
 * app (`principals`, read in a resource policy), or read in the caller's own identity policies
 * (`identity`: a statement there has no Principal, it applies to its caller).
 */
export interface ServiceRequest {
  /** The service principal, e.g. `sns.amazonaws.com`. */
  readonly service?: string;
  /** The ARNs (or model identities) the caller is known by, for `Principal: {AWS: ...}`. */
  readonly principals?: string[];
  /** Whether the documents are identity policies of the caller (no Principal element). */
  readonly identity?: boolean;
  /** Whether only a statement that names one of `principals` counts (not `*`, which admits anyone). */
  readonly named?: boolean;
  /** Every action the service needs (all must be allowed). */
  readonly actions: string[];
  /** The resource's ARN or identity; undefined for a key policy (it governs its own key only). */
  readonly resource?: string;
  /**
   * The request's condition keys, lower case (e.g. `aws:sourcearn`); a key absent here makes a
   * condition on it undecidable. Undefined values are known to be sent but unknown in value.
   */
  readonly context: Record<string, string | undefined>;
}

/** The verdict on a policy, and why it could not be decided. */
export interface PolicyVerdict {
  readonly allowed: Tri;
  readonly why?: string;
}

/**
 * Evaluates resource policies (already resolved by the model) for a service request, the way IAM
 * does for a resource policy alone: an explicit Deny wins, else an Allow is needed
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
 * Hand-written: it reads only what SNS→SQS delivery needs (Principal, Action, Resource and the
 * `aws:SourceArn`/`aws:SourceAccount`/`aws:SecureTransport` conditions); anything else it cannot
 * read makes the verdict 'unknown', never 'no'.
 */
export function evaluatePolicies(model: DeliveryModel, documents: Array<{ doc: unknown; owner: Res }>, request: ServiceRequest): PolicyVerdict {
  const statements = documents.flatMap(({ doc, owner }) => {
    const list = (doc as any)?.Statement;
    if (list === undefined) {
      return [{ s: undefined as any, owner }];
    }
    return (Array.isArray(list) ? list : [list]).map((s) => ({ s, owner }));
  });
  let why: string | undefined;
  const verdicts = request.actions.map((action): Tri => {
    let allow: Tri = 'no';
    let deny: Tri = 'no';
    for (const { s, owner } of statements) {
      if (s === undefined || typeof s !== 'object') {
        why ??= `the policy of ${owner.label} cannot be read before deployment`;
        allow = allow === 'yes' ? 'yes' : 'unknown';
        continue;
      }
      const m = statementMatches(model, s, owner, action, request);
      if (m.tri === 'unknown') {
        why ??= m.why;
      }
      if (s.Effect === 'Deny') {
        deny = or(deny, m.tri);
      } else {
        allow = or(allow, m.tri);
      }
    }
    if (deny === 'yes') {
      return 'no';
    }
    if (allow === 'no') {
      return 'no';
    }
    return deny === 'no' && allow === 'yes' ? 'yes' : 'unknown';
  });
  const allowed: Tri = verdicts.includes('no') ? 'no' : verdicts.includes('unknown') ? 'unknown' : 'yes';
  return { allowed, why: allowed === 'unknown' ? why : undefined };
}

function or(a: Tri, b: Tri): Tri {
  return a === 'yes' || b === 'yes' ? 'yes' : a === 'unknown' || b === 'unknown' ? 'unknown' : 'no';
}

function and(...xs: Tri[]): Tri {
  return xs.includes('no') ? 'no' : xs.includes('unknown') ? 'unknown' : 'yes';
}

function tri(b: boolean | 'unknown'): Tri {
  return b === 'unknown' ? 'unknown' : b ? 'yes' : 'no';
}

function statementMatches(model: DeliveryModel, s: any, owner: Res, action: string, request: ServiceRequest): { tri: Tri; why?: string } {
  const unknown = (why: string) => ({ tri: 'unknown' as Tri, why: `${owner.label}: ${why}` });
  if (s.NotPrincipal !== undefined || s.NotAction !== undefined || s.NotResource !== undefined) {
    return unknown('a statement with NotPrincipal, NotAction or NotResource');
  }
  const principal = request.identity ? 'yes' : principalMatches(model, s.Principal, owner, request);
  const actions = model.values(s.Action, owner);
  if (actions === undefined) {
    return unknown(`an action that is only known at deploy time (${model.whyUnknown(s.Action)})`);
  }
  const actionTri: Tri = actions.some((a) => patternMatchesIgnoreCase(a, action)) ? 'yes' : 'no';
  let resourceTri: Tri = 'yes';
  if (request.resource !== undefined) {
    const resources = model.values(s.Resource, owner);
    if (resources === undefined) {
      return unknown(`a resource that is only known at deploy time (${model.whyUnknown(s.Resource)})`);
    }
    resourceTri = resources.map((r) => tri(patternMatches(r, request.resource!))).reduce(or, 'no');
  }
  if (and(principal, actionTri, resourceTri) === 'no') {
    return { tri: 'no' };
  }
  const condition = conditionMatches(model, s.Condition, owner, request);
  const result = and(principal, actionTri, resourceTri, condition.tri);
  return result === 'unknown' ? unknown(condition.why ?? 'a principal or resource this check cannot compare') : { tri: result };
}

function patternMatchesIgnoreCase(pattern: string, value: string): boolean {
  return patternMatches(pattern.toLowerCase(), value.toLowerCase()) === true;
}

function principalMatches(model: DeliveryModel, principal: any, owner: Res, request: ServiceRequest): Tri {
  if (principal === undefined) {
    return 'no';
  }
  if (principal === '*') {
    return request.named ? 'no' : 'yes';
  }
  if (typeof principal !== 'object') {
    return 'unknown';
  }
  let result: Tri = 'no';
  for (const [kind, value] of Object.entries(principal)) {
    const names = model.values(value, owner);
    if (names === undefined) {
      result = or(result, 'unknown');
      continue;
    }
    if ((kind === 'AWS' && names.includes('*') && !request.named) || (kind === 'Service' && request.service !== undefined && names.includes(request.service))) {
      return 'yes';
    }
    if (kind === 'AWS' && request.principals) {
      result = or(result, names.map((n) => awsPrincipalIs(n, request.principals!)).reduce(or, 'no'));
    }
  }
  return result;
}

/**
 * Whether a `Principal: {AWS: name}` names the caller. An account (`<id>` or `arn:...:root`) never
 * does: it delegates to the account's IAM policies, which must then allow the request themselves
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam).
 */
function awsPrincipalIs(name: string, caller: string[]): Tri {
  if (/^\d{12}$/.test(name) || /^arn:[^:]+:iam::.*:root$/.test(name)) {
    return 'no';
  }
  return caller.map((c) => tri(sameArn(name, c))).reduce(or, 'no');
}

const STRING_OPERATORS: Record<string, { like: boolean; negate: boolean }> = {
  StringEquals: { like: false, negate: false },
  StringLike: { like: true, negate: false },
  StringNotEquals: { like: false, negate: true },
  StringNotLike: { like: true, negate: true },
  ArnEquals: { like: true, negate: false },
  ArnLike: { like: true, negate: false },
  ArnNotEquals: { like: true, negate: true },
  ArnNotLike: { like: true, negate: true },
  Bool: { like: false, negate: false },
};

function conditionMatches(model: DeliveryModel, condition: any, owner: Res, request: ServiceRequest): { tri: Tri; why?: string } {
  if (condition === undefined) {
    return { tri: 'yes' };
  }
  let result: Tri = 'yes';
  let why: string | undefined;
  for (const [rawOperator, block] of Object.entries(condition as Record<string, Record<string, unknown>>)) {
    const ifExists = rawOperator.endsWith('IfExists');
    const operator = ifExists ? rawOperator.slice(0, -'IfExists'.length) : rawOperator;
    for (const [rawKey, rawValues] of Object.entries(block ?? {})) {
      const key = rawKey.toLowerCase();
      const values = model.values(rawValues, owner);
      if (values === undefined) {
        result = and(result, 'unknown');
        why ??= `condition ${rawOperator} ${rawKey} on ${model.whyUnknown(rawValues)}`;
        continue;
      }
      if (!(key in request.context)) {
        result = and(result, 'unknown');
        why ??= `condition ${rawOperator} ${rawKey}, which this check cannot evaluate for ${request.service ?? 'this caller'}`;
        continue;
      }
      const actual = request.context[key];
      if (operator === 'Null') {
        result = and(result, values.some((v) => v.toLowerCase() === 'false') ? 'yes' : 'no');
        continue;
      }
      const op = STRING_OPERATORS[operator];
      if (!op || actual === undefined) {
        result = and(result, 'unknown');
        why ??= op ? `condition ${rawOperator} ${rawKey}, whose value is only known at deploy time` : `condition operator ${rawOperator}, which this check does not evaluate`;
        continue;
      }
      const matched = values
        .map((v) => tri(operator === 'Bool' ? v.toLowerCase() === actual.toLowerCase() : op.like ? patternMatches(v, actual) : v === actual ? true : patternMatches(v.replace(/[*?]/g, '\u0000'), actual)))
        .reduce(or, 'no');
      const verdict: Tri = op.negate ? (matched === 'yes' ? 'no' : matched === 'no' ? 'yes' : 'unknown') : matched;
      if (verdict === 'unknown') {
        why ??= `condition ${rawOperator} ${rawKey} compares values this check can only know at deploy time`;
      }
      result = and(result, verdict);
    }
  }
  return { tri: result, why };
}
