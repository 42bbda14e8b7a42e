#!/usr/bin/env node
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aspects, CfnElement, DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { FifoDeliveryChecks } from './fifo-delivery-checks';

/**
 * `cdk-secure-fifo check <template.json|yaml>...`: the delivery checks of `FifoDeliveryChecks` over
 * CloudFormation templates (CDK's synthesized ones, SAM's, hand-written ones). One implementation:
 * each template is loaded with `CfnInclude` (which reads JSON and YAML, short-form intrinsics
 * included) into a stack of one app, the aspect runs at synthesis, and the annotations are printed.
 * Exit code: 1 when any finding is an error, 2 on a usage error, else 0.
 */

const USAGE = [
  'Usage: cdk-secure-fifo check <template.json|template.yaml>...',
  '',
  'Checks SNS -> SQS delivery in CloudFormation templates (e.g. cdk.out/*.template.json): queue and key',
  'policies SNS needs, subscription dead-letter queues, Lambda visibility timeouts, and what weakens',
  "exactly-once. Prints one line per finding: severity, rule id, template, resource's logical ID, message.",
  'Exit code: 1 if any finding is an error, 2 on a usage error, 0 otherwise.',
];

/** One finding as the CLI prints it. */
export interface CliFinding {
  readonly level: 'error' | 'warning' | 'info';
  readonly rule: string;
  readonly template: string;
  readonly logicalId: string;
  readonly message: string;
}

/** Runs the delivery checks over template files and returns what they found. */
export function checkTemplates(files: string[]): CliFinding[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-secure-fifo-check-'));
  try {
    // Nothing of its own in the stacks: a synthesized template already has CDK's metadata and bootstrap rule.
    const app = new App({ outdir, analyticsReporting: false });
    const stacks = files.map((file, i) => {
      const stack = new Stack(app, `Template${i + 1}`, { synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }) });
      new CfnInclude(stack, 'Template', { templateFile: file });
      return { file, stack };
    });
    Aspects.of(app).add(new FifoDeliveryChecks());
    const assembly = app.synth();
    const findings: CliFinding[] = [];
    for (const { file, stack } of stacks) {
      const logicalIds = new Map<string, string>();
      for (const c of stack.node.findAll()) {
        if (c instanceof CfnElement) {
          logicalIds.set(`/${c.node.path}`, stack.resolve(c.logicalId));
        }
      }
      for (const message of assembly.getStackArtifact(stack.artifactId).messages) {
        const text = String(message.entry.data);
        const rule = /cdk-secure-fifo:[A-Za-z0-9_]+/.exec(text)?.[0];
        if (!rule) {
          continue;
        }
        findings.push({
          level: message.level as CliFinding['level'],
          rule,
          template: file,
          logicalId: logicalIds.get(message.id) ?? message.id,
          // Construct paths of the included template (`Template1/Template/Queue`) read as logical IDs.
          message: text.replace(/\s*\[(ack: )?cdk-secure-fifo:[A-Za-z0-9_]+\]$/, '').replace(/Template\d+\/Template\//g, ''),
        });
      }
    }
    return findings;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The command line: returns the exit code; `write` prints one line. */
export function runCli(args: string[], write: (line: string) => void): number {
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    USAGE.forEach((line) => write(line));
    return 0;
  }
  const [command, ...files] = args;
  if (command !== 'check' || files.length === 0) {
    USAGE.forEach((line) => write(line));
    return 2;
  }
  const missing = files.filter((f) => !fs.existsSync(f) || !fs.statSync(f).isFile());
  if (missing.length > 0) {
    write(`cdk-secure-fifo: no such template: ${missing.join(', ')}`);
    return 2;
  }
  let findings: CliFinding[];
  try {
    findings = checkTemplates(files);
  } catch (e) {
    write(`cdk-secure-fifo: cannot read the templates: ${(e as Error).message}`);
    return 2;
  }
  const label = { error: 'ERROR', warning: 'WARNING', info: 'UNKNOWN' } as const;
  for (const f of findings) {
    write(`${label[f.level]} ${f.rule} ${f.template} ${f.logicalId}: ${f.message}`);
  }
  const count = (level: CliFinding['level']) => findings.filter((f) => f.level === level).length;
  write(`${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} unknown in ${files.length} template(s)`);
  return count('error') > 0 ? 1 : 0;
}

if (require.main === module) {
  process.exitCode = runCli(process.argv.slice(2), (line) => console.log(line));
}
