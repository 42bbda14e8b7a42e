import * as fs from 'fs';
import { CollectionTag, isMap, isPair, isScalar, LineCounter, parseDocument, Scalar, ScalarTag } from 'yaml';

/**
 * Reads CloudFormation templates, JSON or YAML, into their JSON form: a YAML short form
 * (`!Ref X`, `!GetAtt X.Arn`, `!Sub [...]`, ...) becomes the long form CloudFormation documents
 * for it (`{"Ref": "X"}`, `{"Fn::GetAtt": ["X", "Arn"]}`, `{"Fn::Sub": [...]}`), as
 * CloudFormation itself reads a template. No value is evaluated here.
 *
 * Sources: the template formats page (JSON or YAML;
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-formats.html) and the
 * intrinsic function reference, which gives each function's short form
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html).
 * YAML is parsed with the `yaml` package (also what aws-cdk-lib's CfnInclude uses) in its YAML 1.1
 * mode: CloudFormation reads YAML 1.1 (the template formats page).
 */

/** A template in JSON form, with where each resource is declared. */
export interface ReadTemplate {
  /** The file it was read from (as given). */
  readonly file: string;
  /** The template in JSON form (intrinsics as `{ "Fn::X": ... }`). */
  readonly template: any;
  /** The 1-based line of a resource's logical ID in the file; undefined when it cannot be found. */
  lineOf(logicalId: string): number | undefined;
}

/** A template that cannot be read, with the file and the reason. */
export class TemplateReadError extends Error {
  constructor(public readonly file: string, public readonly reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'TemplateReadError';
  }
}

/** Intrinsic functions with a YAML short form `!Name` for `{"Fn::Name": ...}`. */
const FN_SHORT_FORMS = [
  'And', 'Base64', 'Cidr', 'Equals', 'FindInMap', 'GetAtt', 'GetAZs', 'If', 'ImportValue', 'Join',
  'Not', 'Or', 'Select', 'Split', 'Sub', 'Transform', 'Length', 'ToJsonString',
];

function longForm(name: string, value: unknown): Record<string, unknown> {
  if (name === 'Ref' || name === 'Condition') {
    return { [name]: value };
  }
  // `!GetAtt Resource.Attribute`: the logical ID ends at the first dot (attributes can hold dots,
  // e.g. `Endpoint.Address`).
  if (name === 'GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${name}`]: value };
}

/** One custom tag per short form and YAML node kind (scalar, sequence, mapping). */
const SHORT_FORM_TAGS: Array<ScalarTag | CollectionTag> = ['Ref', 'Condition', ...FN_SHORT_FORMS].flatMap((name): Array<ScalarTag | CollectionTag> => [
  { tag: `!${name}`, resolve: (value: string) => longForm(name, value) },
  { tag: `!${name}`, collection: 'seq', resolve: (seq) => longForm(name, seq.toJSON()) },
  { tag: `!${name}`, collection: 'map', resolve: (map) => longForm(name, map.toJSON()) },
]);

/** Reads a template file (see `parseTemplate`); throws `TemplateReadError` when it cannot. */
export function readTemplate(file: string): ReadTemplate {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new TemplateReadError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseTemplate(text, file);
}

/**
 * Parses a template's text: JSON when it starts with `{`, else YAML. Throws `TemplateReadError`
 * (naming `file` and the line) when it is not a template: not JSON/YAML, or without a `Resources` mapping.
 */
export function parseTemplate(text: string, file: string): ReadTemplate {
  const body = text.replace(/^\uFEFF/, '');
  return body.trimStart().startsWith('{') ? parseJson(body, file) : parseYaml(body, file);
}

function parseJson(text: string, file: string): ReadTemplate {
  let template: any;
  try {
    template = JSON.parse(text);
  } catch (e) {
    throw new TemplateReadError(file, `is not valid JSON (${(e as Error).message})`);
  }
  checkShape(template, file);
  let lines: Map<string, number> | undefined;
  return {
    file,
    template,
    lineOf: (logicalId) => (lines ??= jsonResourceLines(text, Object.keys(template.Resources))).get(logicalId),
  };
}

function parseYaml(text: string, file: string): ReadTemplate {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { version: '1.1', customTags: SHORT_FORM_TAGS, lineCounter, prettyErrors: false, uniqueKeys: false });
  const error = doc.errors[0];
  if (error) {
    const at = error.pos ? lineCounter.linePos(error.pos[0]) : undefined;
    throw new TemplateReadError(file, `is not valid YAML${at ? ` (line ${at.line})` : ''}: ${error.message.split('\n')[0]}`);
  }
  let template: any;
  try {
    template = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    throw new TemplateReadError(file, `is not valid YAML: ${(e as Error).message}`);
  }
  checkShape(template, file);
  const lines = new Map<string, number>();
  const resources = isMap(doc.contents) ? doc.contents.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === 'Resources')?.value : undefined;
  if (isMap(resources)) {
    for (const pair of resources.items) {
      const key = pair.key as Scalar | undefined;
      if (isScalar(key) && key.range) {
        lines.set(String(key.value), lineCounter.linePos(key.range[0]).line);
      }
    }
  }
  return { file, template, lineOf: (logicalId) => lines.get(logicalId) };
}

function checkShape(template: any, file: string): void {
  if (template === null || typeof template !== 'object' || Array.isArray(template)) {
    throw new TemplateReadError(file, 'is not a CloudFormation template (not a JSON object or YAML mapping)');
  }
  const resources = template.Resources;
  if (resources === null || typeof resources !== 'object' || Array.isArray(resources)) {
    throw new TemplateReadError(file, 'is not a CloudFormation template (it has no Resources mapping)');
  }
}

/**
 * The line of each logical ID in a JSON template: the first `"<id>":` key after `"Resources"`.
 * Found by scanning the text (JSON.parse gives no positions); a logical ID is alphanumeric, so
 * it needs no escaping.
 */
function jsonResourceLines(text: string, ids: string[]): Map<string, number> {
  const out = new Map<string, number>();
  const start = text.search(/"Resources"\s*:/);
  if (start < 0) {
    return out;
  }
  const wanted = new Set(ids);
  const re = /"([A-Za-z0-9]+)"\s*:\s*\{/g;
  re.lastIndex = start;
  let line = 1;
  let counted = 0;
  for (let m = re.exec(text); m && out.size < wanted.size; m = re.exec(text)) {
    if (wanted.has(m[1]) && !out.has(m[1])) {
      for (let i = counted; i < m.index; i++) {
        if (text.charCodeAt(i) === 10) {
          line++;
        }
      }
      counted = m.index;
      out.set(m[1], line);
    }
  }
  return out;
}
