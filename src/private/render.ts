import { Stack, Token } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { IConstruct } from 'constructs';

const PSEUDO: Record<string, string> = {
  'AWS::AccountId': '${AWS::AccountId}',
  'AWS::Region': '${AWS::Region}',
  'AWS::Partition': '${AWS::Partition}',
  'AWS::URLSuffix': '${AWS::URLSuffix}',
};

/**
 * Renders a value that may hold tokens as text a person can paste (into a policy, or into
 * CloudFormation's `Fn::Sub`): `Fn::Join` is joined, the partition is written out when the stack's
 * region is known, other pseudo parameters become `${AWS::...}`. Returns undefined when the value
 * refers to a resource (its physical ID is only known after deployment). Hand-written: aws-cdk-lib
 * resolves tokens to CloudFormation JSON, never to text.
 */
export function renderForPeople(scope: IConstruct, value: unknown): unknown {
  const stack = Stack.of(scope);
  const partition = Token.isUnresolved(stack.region) ? undefined : RegionInfo.get(stack.region).partition;
  const render = (v: unknown): unknown => {
    if (Array.isArray(v)) {
      const parts = v.map(render);
      return parts.includes(undefined) ? undefined : parts;
    }
    if (v === null || typeof v !== 'object') {
      return v;
    }
    const o = v as Record<string, any>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === 'Ref') {
      if (o.Ref === 'AWS::Partition' && partition) {
        return partition;
      }
      return PSEUDO[o.Ref];
    }
    if (keys.length === 1 && keys[0] === 'Fn::Join') {
      const parts = render(o['Fn::Join'][1]) as string[] | undefined;
      return parts === undefined ? undefined : parts.join(o['Fn::Join'][0]);
    }
    if (keys.some((k) => k.startsWith('Fn::'))) {
      return undefined;
    }
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const r = render(o[k]);
      if (r === undefined) {
        return undefined;
      }
      out[k] = r;
    }
    return out;
  };
  return render(stack.resolve(value));
}

/** An ARN as pasteable text, or the construct path of what it names when it cannot be written out. */
export function arnForPeople(scope: IConstruct, arn: string, owner: IConstruct): string {
  const text = renderForPeople(scope, arn);
  return typeof text === 'string' ? text : `the ARN of ${owner.node.path}`;
}
