import { App } from 'aws-cdk-lib';
import { CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { CfnTemplate } from '../../local/intrinsics';

/** The account of stacks that are environment-agnostic (as the unit tests' ENV). */
export const DEFAULT_ACCOUNT = '111111111111';
/** The region of stacks that are environment-agnostic. */
export const DEFAULT_REGION = 'eu-west-1';

/** One stack of an app, as synthesized. */
export interface StackVersion {
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  readonly template: CfnTemplate;
  /** The stacks this one depends on (`cdk deploy --all` deploys them first). */
  readonly dependsOn: string[];
}

/** Every stack of an app, in a deploy order `cdk deploy --all` may follow. */
export interface AppVersion {
  readonly stacks: StackVersion[];
}

/** Synthesizes an app: its stacks' templates, environments and stack dependencies. */
export function synthApp(app: App): AppVersion {
  const assembly = app.synth();
  const stacks = assembly.stacks.map((s: CloudFormationStackArtifact) => ({
    stackName: s.stackName,
    account: concrete(s.environment.account, DEFAULT_ACCOUNT),
    region: concrete(s.environment.region, DEFAULT_REGION),
    template: s.template as CfnTemplate,
    dependsOn: s.dependencies.filter((d) => d instanceof CloudFormationStackArtifact).map((d) => (d as CloudFormationStackArtifact).stackName),
  }));
  return { stacks: deployOrder(stacks) };
}

/** The stacks sorted so that each comes after the stacks it depends on (a topological sort). */
export function deployOrder(stacks: StackVersion[]): StackVersion[] {
  const byName = new Map(stacks.map((s) => [s.stackName, s]));
  const out: StackVersion[] = [];
  const visiting = new Set<string>();
  const visit = (s: StackVersion) => {
    if (out.includes(s)) return;
    if (visiting.has(s.stackName)) throw new Error(`stack dependency cycle through ${s.stackName}`);
    visiting.add(s.stackName);
    for (const d of s.dependsOn) {
      const dep = byName.get(d);
      if (dep) visit(dep);
    }
    out.push(s);
  };
  stacks.forEach(visit);
  return out;
}

function concrete(value: string, fallback: string): string {
  return value.startsWith('unknown-') ? fallback : value;
}
