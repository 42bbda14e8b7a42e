// Types for cfn-resolver-lib 1.1.8 (CommonJS, ships no types): only what local/intrinsics.ts uses.
declare module 'cfn-resolver-lib' {
  interface NodeEvaluatorParams {
    /** Values for `Ref` (pseudo parameters, parameters, logical IDs) and for `${Name}` in `Fn::Sub`. */
    RefResolvers?: { [name: string]: unknown };
    /** Values for `Fn::GetAtt`: logical ID -> attribute -> value. */
    'Fn::GetAttResolvers'?: { [logicalId: string]: { [attribute: string]: unknown } };
    /** Values for `Fn::ImportValue`, by export name. */
    'Fn::ImportValueResolvers'?: { [exportName: string]: unknown };
  }
  class NodeEvaluator {
    constructor(template: object, params?: NodeEvaluatorParams, enableVerboseLogging?: boolean);
    /** The template with every intrinsic function it supports evaluated. */
    evaluateNodes(overrideParams?: NodeEvaluatorParams): { [key: string]: unknown };
  }
  export = NodeEvaluator;
}
