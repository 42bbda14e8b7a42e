import * as fs from 'fs';
import * as path from 'path';
import {
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
  PolicyValidationStack,
  PolicyViolation,
} from 'aws-cdk-lib';
import { CliFinding, checkTemplates, NOT_ANALYSED, TEMPLATE_NOT_READ } from './cli';
import { DELIVERY_RULES } from './private/rules';

/** The prefix of every rule id of this library (`cdk-secure-fifo:<Rule>`). */
const ID_PREFIX = 'cdk-secure-fifo:';
/** The rule name of a defect of the checks themselves (reported as a warning). */
const CHECKS_FAILED = 'checksFailed';

/** The version of this package, for the validation report (`0.0.0` if it cannot be read). */
function packageVersion(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * The delivery checks of `FifoDeliveryChecks` and `cdk-secure-fifo check` as an aws-cdk-lib
 * validation plugin, beside cdk-nag 3 and other policy plugins:
 * `Validations.of(app).addPlugins(new FifoDeliveryPlugin())`.
 *
 * It reads the synthesized templates of the app (all of them one app: exports matched to imports)
 * with the CLI's reader and runs the same rules. Each finding is a violation on the resource at
 * fault (its logical ID and template, which the CDK maps back to the construct path): an error
 * fails synth, a warning does not, an unknown is severity `info`. Rule names are the rule ids
 * without the `cdk-secure-fifo:` prefix; acknowledge one with
 * `Validations.of(scope).acknowledge({ id: 'cdk-secure-fifo::<Rule>', reason })`.
 * A template the plugin cannot read is a warning, never an error: it cannot fail synth for what it
 * could not read.
 */
export class FifoDeliveryPlugin implements IPolicyValidationPlugin {
  /** The name of the plugin in the validation report, and the prefix of its acknowledgement ids. */
  public readonly name: string = 'cdk-secure-fifo';

  /** The version of this library. */
  public readonly version?: string = packageVersion();

  /** The rule names the plugin reports (the rule ids without `cdk-secure-fifo:`). */
  public readonly ruleIds?: string[] = [...DELIVERY_RULES.map((r) => r.id), TEMPLATE_NOT_READ, NOT_ANALYSED, CHECKS_FAILED].map(ruleName);

  /** Runs the delivery checks over the templates of the context. */
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    // `stackTemplates` (each template's account and region) is newer than the 2.257.0 peer floor,
    // whose context has `templatePaths` only: read it only when it is there.
    const stacks = (context.stackTemplates as PolicyValidationStack[] | undefined) ?? [];
    const environmentOf = (file: string) => {
      const stack = stacks.find((s) => s.templatePath === file);
      return { account: stack?.accountId, region: stack?.region };
    };
    let findings: CliFinding[];
    try {
      findings = checkTemplates([...context.templatePaths], { environmentOf });
    } catch (e) {
      // A defect of the checks must not fail the app's synth: it is reported, as a warning.
      return {
        success: true,
        violations: [{
          ruleName: CHECKS_FAILED,
          description: `cdk-secure-fifo could not run its delivery checks: ${(e as Error).message}`,
          fix: 'Run `npx cdk-secure-fifo check cdk.out/*.template.json` and report the error to cdk-secure-fifo.',
          severity: 'warning',
          violatingResources: [],
        }],
      };
    }
    const violations = findings.map((f) => toViolation(f));
    return { success: violations.every((v) => v.severity !== 'error'), violations };
  }
}

/** A rule id as a rule name of the plugin: `cdk-secure-fifo:X` is `X`. */
function ruleName(id: string): string {
  return id.startsWith(ID_PREFIX) ? id.slice(ID_PREFIX.length) : id;
}

function toViolation(f: CliFinding): PolicyViolation {
  const rule = DELIVERY_RULES.find((r) => r.id === f.rule);
  const unread = f.rule === TEMPLATE_NOT_READ;
  return {
    ruleName: ruleName(f.rule),
    description: f.message,
    fix: rule
      ? `${rule.source} (cdk-secure-fifo README, "Check any app": rule ${f.rule})`
      : 'See the cdk-secure-fifo README, "Check any app".',
    // A template the plugin cannot read is its own limitation, not a defect of the app: a warning.
    severity: unread ? 'warning' : f.level,
    ruleMetadata: { ruleId: f.rule, ...(rule ? { source: rule.source } : {}) },
    violatingResources: [{
      ...(f.logicalId ? { resourceLogicalId: f.logicalId } : {}),
      templatePath: f.template,
      locations: [],
    }],
  };
}
