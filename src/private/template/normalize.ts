/**
 * Template-level normalisation before the delivery model is built from a CloudFormation template:
 * turns forms CloudFormation accepts into the plain resources the rules read (to be filled in:
 * `Json`-typed properties written as strings, subscriptions declared inline on `AWS::SNS::Topic`,
 * SAM function events). Takes and returns templates in JSON form (intrinsics as `{ "Fn::X": ... }`).
 */

/** Something in a template the checks did not analyse, said so rather than passed silently. */
export interface TemplateNote {
  /** The logical ID of the resource the note is about. */
  readonly logicalId: string;
  /** What was not analysed and why. */
  readonly message: string;
}

/** A template in JSON form with what normalisation could not analyse. */
export interface NormalizedTemplate {
  readonly template: any;
  readonly notes: TemplateNote[];
}

/** Normalises one template (JSON form); the input is not modified. */
export function normalizeTemplate(template: any): NormalizedTemplate {
  return { template, notes: [] };
}
