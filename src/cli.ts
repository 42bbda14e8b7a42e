#!/usr/bin/env node
import * as fs from 'fs';
import * as path from 'path';
import { CHECKED_TYPES, DELIVERY_RULES, checkResource } from './private/rules';
import { TemplateDeliveryModel, TemplateInput } from './private/rules/template-model';
import { normalizeTemplate } from './private/template/normalize';
import { ReadTemplate, readTemplate, TemplateReadError } from './private/template/read';

/**
 * `cdk-secure-fifo check <template.json|yaml>...`: the delivery checks of `FifoDeliveryChecks` over
 * CloudFormation templates (CDK's synthesized ones, SAM's, hand-written ones), read as CloudFormation
 * reads them: JSON or YAML (short forms included), every given template one app (exports matched to
 * imports). Nothing is synthesized and aws-cdk-lib is not loaded: the same rules run on a model built
 * from the templates (src/private/rules/template-model.ts).
 * Exit code: 2 when a template cannot be read (after the others are checked) or on a usage error,
 * else 1 when any finding is an error, else 0.
 */

/** Rule id of a template that cannot be read. */
export const TEMPLATE_NOT_READ = 'cdk-secure-fifo:templateNotRead';
/** Rule id of what the checks could not analyse in a template (normalisation notes). */
export const NOT_ANALYSED = 'cdk-secure-fifo:notAnalysed';

const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = typeof FORMATS[number];

function usage(): string[] {
  return [
    'Usage: cdk-secure-fifo check [--format text|json|sarif] [--account ID] [--region NAME] <template.json|template.yaml>...',
    '',
    'Checks SNS -> SQS delivery in CloudFormation templates (e.g. cdk.out/*.template.json): queue and key',
    'policies SNS needs, subscription dead-letter queues, Lambda visibility timeouts, and what weakens',
    'exactly-once. All templates given are one app: Fn::ImportValue is matched to the Export of another.',
    '',
    'Options:',
    '  --format text|json|sarif  text (default): one line per finding (severity, rule id, template, logical ID,',
    '                            message); json: the findings as JSON; sarif: SARIF 2.1.0 (e.g. GitHub code scanning)',
    '  --account ID              the account of templates whose account is not known (AWS::AccountId)',
    '  --region NAME             the region of templates whose region is not known (AWS::Region)',
    '  A cdk.out manifest.json beside a template gives its stack\'s account and region first.',
    '',
    'Exit code: 2 if a template cannot be read (the others are still checked) or on a usage error,',
    '1 if any finding is an error, 0 otherwise. UNKNOWN: a finding the checks cannot decide before deployment.',
    'NOTE: what a rule of severity info notes (nothing in the template clears it).',
    '',
    'Rules (id, severity, source):',
    ...DELIVERY_RULES.map((r) => `  ${r.id} ${r.severity} ${r.source}`),
    '  (LAMBDA_CONSUMER: an error under 1 x the function timeout, a warning under 6 x.)',
  ];
}

/** One finding as the CLI prints it. */
export interface CliFinding {
  readonly level: 'error' | 'warning' | 'info';
  readonly rule: string;
  readonly template: string;
  readonly logicalId: string;
  readonly message: string;
  /** The 1-based line of the resource's logical ID in the template, when it can be found. */
  readonly line?: number;
  /** An info that is a note (printed NOTE: nothing in the template clears it), not an UNKNOWN. */
  readonly note?: boolean;
}

/** Options of `checkTemplates`. */
export interface CheckOptions {
  /** The account of templates whose account is not known otherwise. */
  readonly account?: string;
  /** The region of templates whose region is not known otherwise. */
  readonly region?: string;
  /**
   * The account and region of one template when the caller knows them (the CDK validation plugin:
   * its stack's environment); they come before the cloud assembly manifest and `account`/`region`.
   */
  readonly environmentOf?: (file: string) => { account?: string; region?: string };
}

/**
 * Runs the delivery checks over template files (one app) and returns what they found. A template
 * that cannot be read is one error finding of rule `TEMPLATE_NOT_READ` (empty logical ID) naming
 * the file and the reason; the other templates are still checked.
 */
export function checkTemplates(files: string[], options: CheckOptions = {}): CliFinding[] {
  const findings: CliFinding[] = [];
  const inputs: TemplateInput[] = [];
  const reads = new Map<string, ReadTemplate>();
  for (const file of files) {
    let read: ReadTemplate;
    try {
      read = readTemplate(file);
    } catch (e) {
      const reason = e instanceof TemplateReadError ? e.reason : (e as Error).message;
      findings.push({ level: 'error', rule: TEMPLATE_NOT_READ, template: file, logicalId: '', message: `the template ${reason}; it was not checked` });
      continue;
    }
    reads.set(file, read);
    const normalized = normalizeTemplate(read.template);
    for (const note of normalized.notes) {
      findings.push({ level: 'info', rule: NOT_ANALYSED, template: file, logicalId: note.logicalId, message: note.message, line: read.lineOf(note.logicalId) });
    }
    const given = options.environmentOf?.(file) ?? {};
    const env = manifestEnvironment(file);
    const account = given.account ?? env.account ?? options.account;
    inputs.push({ file, template: normalized.template, account, region: given.region ?? env.region ?? options.region });
  }
  const model = TemplateDeliveryModel.fromTemplates(inputs);
  const seen = new Set<string>();
  for (const res of model.resources) {
    if (!CHECKED_TYPES.has(res.type)) {
      continue;
    }
    for (const f of checkResource(model, res)) {
      const template = f.on.source.file!;
      const key = `${template}\u0000${f.on.logicalId}\u0000${f.id}\u0000${f.message}`;
      if (seen.has(key)) {
        continue;
      }
      seen.add(key);
      const line = reads.get(template)?.lineOf(f.on.logicalId);
      findings.push({ level: f.level, rule: f.id, template, logicalId: f.on.logicalId, message: f.message, line, ...(f.note ? { note: true } : {}) });
    }
  }
  return findings;
}

/**
 * The account and region of a template synthesized into a cloud assembly: its stack artifact in the
 * `manifest.json` beside it (`environment: aws://<account>/<region>`, `unknown-account`/`unknown-region`
 * for an environment-agnostic stack).
 */
function manifestEnvironment(file: string): { account?: string; region?: string } {
  const manifest = path.join(path.dirname(file), 'manifest.json');
  let artifacts: Record<string, any>;
  try {
    artifacts = JSON.parse(fs.readFileSync(manifest, 'utf8')).artifacts ?? {};
  } catch {
    return {};
  }
  const base = path.basename(file);
  const artifact = Object.values(artifacts).find((a: any) => a?.type === 'aws:cloudformation:stack' && a?.properties?.templateFile === base);
  const m = /^aws:\/\/([^/]+)\/(.+)$/.exec(String(artifact?.environment ?? ''));
  if (!m) {
    return {};
  }
  return { account: m[1] === 'unknown-account' ? undefined : m[1], region: m[2] === 'unknown-region' ? undefined : m[2] };
}

interface Args {
  readonly files: string[];
  readonly format: Format;
  readonly options: CheckOptions;
}

function parseArgs(args: string[]): Args | string {
  const [command, ...rest] = args;
  if (command !== 'check') {
    return command === undefined ? 'no command' : `unknown command ${command}`;
  }
  const files: string[] = [];
  const values: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const m = /^--(format|account|region)(?:=(.*))?$/.exec(arg);
    if (m) {
      const value = m[2] ?? rest[++i];
      if (value === undefined) {
        return `--${m[1]} needs a value`;
      }
      values[m[1]] = value;
    } else if (arg.startsWith('--')) {
      return `unknown option ${arg}`;
    } else {
      files.push(arg);
    }
  }
  const format = (values.format ?? 'text') as Format;
  if (!FORMATS.includes(format)) {
    return `--format must be one of ${FORMATS.join(', ')}, not ${values.format}`;
  }
  if (files.length === 0) {
    return 'no template given';
  }
  return { files, format, options: { account: values.account, region: values.region } };
}

/** The command line: returns the exit code; `write` prints one line. */
export function runCli(args: string[], write: (line: string) => void): number {
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    usage().forEach((line) => write(line));
    return 0;
  }
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    usage().forEach((line) => write(line));
    write(`cdk-secure-fifo: ${parsed}`);
    return 2;
  }
  const findings = checkTemplates(parsed.files, parsed.options);
  const unread = findings.some((f) => f.rule === TEMPLATE_NOT_READ);
  if (parsed.format === 'json') {
    write(JSON.stringify({ findings, summary: summary(findings, parsed.files.length) }, undefined, 2));
  } else if (parsed.format === 'sarif') {
    write(JSON.stringify(toSarif(findings), undefined, 2));
  } else {
    const label = { error: 'ERROR', warning: 'WARNING', info: 'UNKNOWN' } as const;
    for (const f of findings) {
      write(`${f.note ? 'NOTE' : label[f.level]} ${f.rule} ${f.template}${f.logicalId ? ` ${f.logicalId}` : ''}: ${f.message}`);
    }
    const s = summary(findings, parsed.files.length);
    write(`${s.errors} error(s), ${s.warnings} warning(s), ${s.unknown} unknown${s.notes ? `, ${s.notes} note(s)` : ''} in ${s.templates} template(s)${s.unread ? `, ${s.unread} not read` : ''}`);
  }
  return unread ? 2 : findings.some((f) => f.level === 'error') ? 1 : 0;
}

function summary(findings: CliFinding[], templates: number) {
  const checked = findings.filter((f) => f.rule !== TEMPLATE_NOT_READ);
  const count = (level: CliFinding['level']) => checked.filter((f) => f.level === level && !f.note).length;
  const notes = checked.filter((f) => f.note).length;
  return { errors: count('error'), warnings: count('warning'), unknown: count('info'), ...(notes ? { notes } : {}), templates, unread: findings.length - checked.length };
}

const SARIF_LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;

/** A file name as a SARIF artifact URI: relative to the working directory when inside it, `/`-separated. */
function artifactUri(file: string): string {
  const relative = path.relative(process.cwd(), path.resolve(file));
  const inside = !relative.startsWith('..') && !path.isAbsolute(relative);
  const p = (inside ? relative : path.resolve(file)).split(path.sep).join('/');
  return inside ? encodeURI(p) : `file://${encodeURI(p.startsWith('/') ? p : `/${p}`)}`;
}

/**
 * The findings as a SARIF 2.1.0 log (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html):
 * one result per finding on its template at the line of the resource's logical ID; a template that
 * cannot be read is a tool execution notification, and the run is then not successful.
 */
export function toSarif(findings: CliFinding[]): any {
  const location = (f: CliFinding) => ({
    physicalLocation: {
      artifactLocation: { uri: artifactUri(f.template) },
      ...(f.line !== undefined ? { region: { startLine: f.line } } : {}),
    },
    ...(f.logicalId ? { logicalLocations: [{ name: f.logicalId, kind: 'resource' }] } : {}),
  });
  const unread = findings.filter((f) => f.rule === TEMPLATE_NOT_READ);
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'cdk-secure-fifo',
          informationUri: 'https://github.com/cdk-secure-fifo/cdk-secure-fifo',
          rules: DELIVERY_RULES.map((r) => ({
            id: r.id,
            shortDescription: { text: r.what },
            helpUri: r.source,
            defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
          })),
        },
      },
      invocations: [{
        executionSuccessful: unread.length === 0,
        toolExecutionNotifications: unread.map((f) => ({ level: 'error', message: { text: `${f.template}: ${f.message}` }, locations: [location(f)] })),
      }],
      results: findings.filter((f) => f.rule !== TEMPLATE_NOT_READ).map((f) => ({
        ruleId: f.rule,
        level: SARIF_LEVEL[f.level],
        message: { text: f.message },
        locations: [location(f)],
      })),
    }],
  };
}

if (require.main === module) {
  process.exitCode = runCli(process.argv.slice(2), (line) => console.log(line));
}
