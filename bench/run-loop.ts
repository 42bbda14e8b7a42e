import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { checkSameAwsCdkLib, cpuModel, gitState, packageVersion } from './machine';
import type { BenchOptions, BenchResults, Measurement, RatioKey, SizeResult, TopologyCounts } from './result-types';
import { BENCH_CONTEXT, BENCH_ENV, CFN_LIMITS, OVER_500_RESOURCES, PRICES, STACK_NAME } from './settings';
import { IMPLEMENTATIONS, Implementation, ImplementationId } from './topologies';
import { verifyTopology } from './topology-check';

/** The run loop: verify the topology per implementation and size, then time interleaved synths. */

/** Runs the benchmark: verifies the topology per implementation and size, then times interleaved synths. */
export function runBench(options: BenchOptions): BenchResults {
  const log = options.log ?? (() => undefined);
  if (options.sizes.length === 0 || options.sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`sizes: ${JSON.stringify(options.sizes)} is not allowed; allowed: whole numbers >= 1`);
  }
  if (!Number.isInteger(options.runs) || options.runs < 1 || !Number.isInteger(options.warmup) || options.warmup < 0) {
    throw new Error(`runs ${options.runs} / warmup ${options.warmup} are not allowed; allowed: runs >= 1, warmup >= 0 (whole numbers)`);
  }
  const sameAwsCdkLib = checkSameAwsCdkLib();
  if (!sameAwsCdkLib.same) {
    log(`WARNING: the peer does not use the bench's aws-cdk-lib: ${JSON.stringify(sameAwsCdkLib)}`);
  }
  const loadAverageStart = os.loadavg();
  const results: SizeResult[] = [];

  for (const n of options.sizes) {
    // 1. Same topology, verified before any timing; also the first warm-up of each implementation.
    const analyses = new Map<ImplementationId, { analysis: TemplateAnalysis; fixed: number }>();
    for (const impl of IMPLEMENTATIONS) {
      const full = synthOnce(impl, n, true);
      const problems = verifyTopology(full.analysis!, n);
      if (problems.length > 0) {
        throw new Error(`${impl.id} with N=${n} does not build the bench topology:\n  - ${problems.join('\n  - ')}`);
      }
      const empty = synthOnce(impl, 0, true);
      analyses.set(impl.id, { analysis: full.analysis!, fixed: empty.analysis!.resources });
    }
    const reference = analyses.get('ours')!.analysis.topology;
    for (const [id, { analysis }] of analyses) {
      const t = analysis.topology;
      if (t.topics !== reference.topics || t.queues !== reference.queues || t.subscriptions !== reference.subscriptions) {
        throw new Error(`N=${n}: ${id} has ${JSON.stringify(t)} but ours has ${JSON.stringify(reference)}`);
      }
    }
    log(`N=${n}: topology verified (${reference.topics} topic, ${reference.queues} queues, ${reference.subscriptions} subscriptions in each)`);

    // 2. Timing: interleaved, the order rotating every round, warm-up rounds discarded.
    const samples = new Map<ImplementationId, number[]>(IMPLEMENTATIONS.map((i) => [i.id, []]));
    for (let round = 0; round < options.warmup + options.runs; round++) {
      const timed = round >= options.warmup;
      for (const impl of rotate(IMPLEMENTATIONS, round)) {
        const { ms } = synthOnce(impl, n, false);
        if (timed) {
          samples.get(impl.id)!.push(ms);
        }
      }
      log(`N=${n}: ${timed ? 'run' : 'warm-up'} ${timed ? round - options.warmup + 1 : round + 1}/${timed ? options.runs : options.warmup} done`);
    }

    const measurements = IMPLEMENTATIONS.map((impl): Measurement => {
      const { analysis, fixed } = analyses.get(impl.id)!;
      const ms = samples.get(impl.id)!;
      const fixedMonthlyUsd = analysis.kmsKeys * PRICES.kmsKeyMonth +
        analysis.interfaceEndpointAzs * PRICES.interfaceEndpointAzHour * PRICES.hoursPerMonth;
      return {
        implementation: impl.id,
        title: impl.title,
        synthMs: { median: round2(median(ms)), min: round2(Math.min(...ms)), max: round2(Math.max(...ms)), samples: ms.map(round2) },
        resources: analysis.resources,
        fixedResources: fixed,
        resourcesPerSubscriber: round2((analysis.resources - fixed) / n),
        resourceTypes: analysis.resourceTypes,
        templateBytes: analysis.templateBytes,
        kmsKeys: analysis.kmsKeys,
        interfaceEndpointAzs: analysis.interfaceEndpointAzs,
        fixedMonthlyUsd: round2(fixedMonthlyUsd),
        fitsLimits: {
          resources: analysis.resources <= CFN_LIMITS.resources,
          templateBytes: analysis.templateBytes <= CFN_LIMITS.templateBytes,
        },
        topology: analysis.topology,
        synthFindings: analysis.synthFindings,
      };
    });
    const paired = (other: ImplementationId) => {
      const a = samples.get('ours')!;
      const b = samples.get(other)!;
      return Math.round(median(a.map((x, i) => x / b[i])) * 1000) / 1000;
    };
    results.push({
      subscribers: n,
      measurements,
      ratios: ratiosOf(measurements),
      pairedSynthRatio: { oursOverFloor: paired('floor'), oursOverPeer: paired('peer') },
    });
  }

  return {
    meta: {
      date: new Date().toISOString(),
      node: process.version,
      cpuModel: cpuModel(),
      cpuCount: os.cpus().length,
      loadAverageStart: loadAverageStart.map(round2),
      loadAverageEnd: os.loadavg().map(round2),
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      awsCdkLib: packageVersion('aws-cdk-lib'),
      constructs: packageVersion('constructs'),
      peerPackage: `@aws-solutions-constructs/aws-sns-sqs@${packageVersion('@aws-solutions-constructs/aws-sns-sqs')}`,
      ...gitState(),
      runs: options.runs,
      warmup: options.warmup,
      context: 'the feature flags `cdk init` writes for this aws-cdk-lib (cx-api CURRENTLY_RECOMMENDED_FLAGS), which include ' +
        '`@aws-cdk/core:validateAgainstDefaultRules: true`; plus `@aws-cdk/core:stackResourceLimit: 0` and an acknowledged ' +
        'CloudFormation-Validate::F0007, so that a stack over 500 resources is measured (and reported as over the limit)',
      sameAwsCdkLib,
      prices: PRICES,
      limits: CFN_LIMITS,
    },
    results,
  };
}

export interface TemplateAnalysis {
  readonly resources: number;
  readonly resourceTypes: Record<string, number>;
  readonly templateBytes: number;
  readonly kmsKeys: number;
  readonly interfaceEndpointAzs: number;
  readonly topology: TopologyCounts;
  readonly synthFindings: number;
  readonly template: any;
}

/**
 * One synthesis in a fresh App and a fresh output directory. Timed: from `new App()` to `synth()`
 * returning (constructs, validation, writing the cloud assembly). Not timed: GC before, reading
 * the template and removing the directory after.
 */
export function synthOnce(impl: Implementation, n: number, analyse: boolean): { ms: number; analysis?: TemplateAnalysis } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `cdk-secure-fifo-bench-${impl.id}-`));
  try {
    const start = performance.now();
    const app = new App({ outdir, context: BENCH_CONTEXT });
    const stack = new Stack(app, STACK_NAME, { env: BENCH_ENV });
    Validations.of(stack).acknowledge(OVER_500_RESOURCES);
    impl.build(stack, n);
    const assembly = app.synth();
    const ms = performance.now() - start;
    if (!analyse) {
      return { ms };
    }
    const artifact = assembly.getStackByName(STACK_NAME);
    const templateBytes = fs.statSync(artifact.templateFullPath).size;
    const reportPath = path.join(outdir, 'validation-report.json');
    const synthFindings = fs.existsSync(reportPath) ? countFindings(JSON.parse(fs.readFileSync(reportPath, 'utf8'))) : 0;
    return { ms, analysis: analyseTemplate(artifact.template, templateBytes, synthFindings) };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function analyseTemplate(template: any, templateBytes: number, synthFindings: number): TemplateAnalysis {
  const resources: Record<string, any> = template.Resources ?? {};
  const resourceTypes: Record<string, number> = {};
  for (const r of Object.values(resources)) {
    resourceTypes[r.Type] = (resourceTypes[r.Type] ?? 0) + 1;
  }
  let interfaceEndpointAzs = 0;
  for (const r of Object.values(resources)) {
    if (r.Type === 'AWS::EC2::VPCEndpoint' && r.Properties?.VpcEndpointType === 'Interface') {
      const subnets = r.Properties?.SubnetIds;
      interfaceEndpointAzs += Array.isArray(subnets) ? subnets.length : PRICES.defaultEndpointAzs;
    }
  }
  const count = (type: string) => resourceTypes[type] ?? 0;
  const queues = Object.values(resources).filter((r) => r.Type === 'AWS::SQS::Queue');
  return {
    resources: Object.keys(resources).length,
    resourceTypes,
    templateBytes,
    kmsKeys: count('AWS::KMS::Key'),
    interfaceEndpointAzs,
    topology: {
      topics: count('AWS::SNS::Topic'),
      queues: count('AWS::SQS::Queue'),
      subscriptions: count('AWS::SNS::Subscription'),
      deadLetterQueues: queues.filter((q) => q.Properties?.RedrivePolicy?.deadLetterTargetArn !== undefined).length,
      kmsKeys: count('AWS::KMS::Key'),
    },
    synthFindings,
    template,
  };
}

function countFindings(report: any): number {
  let count = 0;
  for (const plugin of report?.pluginReports ?? []) {
    for (const v of plugin.violations ?? []) {
      count += Math.max(1, (v.violatingResources ?? v.violatingConstructs ?? []).length);
    }
  }
  return count;
}

function ratiosOf(measurements: Measurement[]): SizeResult['ratios'] {
  const by = (id: ImplementationId) => measurements.find((m) => m.implementation === id)!;
  const figures = (m: Measurement): Record<RatioKey, number> => ({
    synthMedianMs: m.synthMs.median,
    resources: m.resources,
    resourcesPerSubscriber: m.resourcesPerSubscriber,
    templateBytes: m.templateBytes,
    kmsKeys: m.kmsKeys,
    fixedMonthlyUsd: m.fixedMonthlyUsd,
  });
  const ratio = (a: Measurement, b: Measurement) => {
    const fa = figures(a);
    const fb = figures(b);
    const out = {} as Record<RatioKey, number>;
    for (const k of Object.keys(fa) as RatioKey[]) {
      out[k] = fb[k] === 0 ? NaN : Math.round((fa[k] / fb[k]) * 1000) / 1000;
    }
    return out;
  };
  return { oursOverFloor: ratio(by('ours'), by('floor')), oursOverPeer: ratio(by('ours'), by('peer')) };
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
