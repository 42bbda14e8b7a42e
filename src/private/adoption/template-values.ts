import { Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Values CloudFormation computes from intrinsics that one synth can already compute, in the forms
 * templates are written in. Hand-written: aws-cdk-lib resolves tokens to CloudFormation JSON, never
 * evaluates them.
 */

/**
 * The text of a name: a string, or an `Fn::Sub` whose variables are all known. `CfnInclude` with
 * `parameters` substitutes the parameters inside `Fn::Sub` strings itself (what arrives in the L1 is
 * `{"Fn::Sub": "shipments-prod.fifo"}`); the pseudo parameters `AWS::Region`, `AWS::AccountId`,
 * `AWS::Partition` are taken from the stack's environment when it is known. `Fn::Sub` replaces
 * `${Name}` and leaves `${!Literal}` as `${Literal}`
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-sub.html).
 */
export function textOf(scope: IConstruct, resolved: unknown): string | undefined {
  if (typeof resolved === 'string') {
    return resolved;
  }
  const sub = resolved && typeof resolved === 'object' ? (resolved as any)['Fn::Sub'] : undefined;
  if (typeof sub !== 'string') {
    return undefined;
  }
  const stack = Stack.of(scope);
  const pseudo: Record<string, string> = {};
  for (const [name, value] of [['AWS::Region', stack.region], ['AWS::AccountId', stack.account], ['AWS::Partition', stack.partition]] as const) {
    if (!Token.isUnresolved(value)) {
      pseudo[name] = value;
    }
  }
  let unknown = false;
  const text = sub.replace(/\$\{(!?)([^}]*)\}/g, (_, bang: string, name: string) => {
    if (bang) {
      return `\${${name}}`;
    }
    if (name in pseudo) {
      return pseudo[name];
    }
    unknown = true;
    return '';
  });
  return unknown ? undefined : text;
}

/** The variables of an `Fn::Sub` string that one synth cannot give a value (for the message saying why). */
export function unknownVariables(resolved: unknown): string[] {
  const sub = resolved && typeof resolved === 'object' ? (resolved as any)['Fn::Sub'] : undefined;
  return typeof sub === 'string' ? [...sub.matchAll(/\$\{([^!}][^}]*)\}/g)].map((m) => m[1]) : [];
}

/**
 * A resolved reference in the list form CloudFormation's JSON uses: the short YAML form
 * `!GetAtt CarrierQueue.Arn` arrives from `CfnInclude` as `{"Fn::GetAtt": "CarrierQueue.Arn"}`,
 * the same as `{"Fn::GetAtt": ["CarrierQueue", "Arn"]}`
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-getatt.html).
 */
export function normalized(resolved: unknown): unknown {
  const getAtt = resolved && typeof resolved === 'object' ? (resolved as any)['Fn::GetAtt'] : undefined;
  if (typeof getAtt === 'string' && Object.keys(resolved as object).length === 1) {
    const dot = getAtt.indexOf('.');
    return dot > 0 ? { 'Fn::GetAtt': [getAtt.slice(0, dot), getAtt.slice(dot + 1)] } : resolved;
  }
  return resolved;
}
