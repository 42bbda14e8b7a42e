/**
 * `npx projen bench:check`: the speed of `cdk-secure-fifo check` side by side with cfn-lint on the
 * same templates in one run (issue 26, item 6).
 *
 *   ts-node --project bench/tsconfig.json bench/check.ts [--runs 3] [--out bench]
 *
 * Templates: CDK-synthesized stacks of the hand-wired fan-out (bench/topologies.ts `floor`: one FIFO
 * topic, N subscribed FIFO queues with DLQs, aws-cdk-lib L2s). 1, 10 and 50 copies of the 10-queue
 * stack, then one stack of 10, 40 and 90 queues (under the 500-resource limit) for how the cost grows with resources.
 * Each command runs as its own process under /usr/bin/time (wall time, peak resident memory), the
 * median of --runs rounds is kept. The CLI runs compiled (tsc), as `node lib/cli.js` would.
 * cfn-lint is optional: when it is not installed the CLI is measured alone (said in the output).
 * Writes CHECK_RESULTS.md and check-results.json into --out.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as ts from 'typescript';
import { cpuModel, gitState } from './machine';
import { floor } from './topologies';

interface Sample {
  readonly wallSeconds: number;
  readonly peakMb: number;
}

interface Row {
  readonly case: string;
  readonly templates: number;
  readonly resources: number;
  readonly cli: Sample;
  readonly cfnLint?: Sample;
}

const ROOT = path.join(__dirname, '..');

function args(argv: string[]): { runs: number; out: string } {
  let runs = 3;
  let out = __dirname;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') runs = Number(argv[++i]);
    else if (argv[i] === '--out') out = path.resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}; usage: bench/check.ts [--runs 3] [--out <dir>]`);
  }
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number >= 1');
  return { runs, out };
}

/** The synthesized template of the hand-wired fan-out with `n` subscribed queues. */
function synthesize(n: number): any {
  const app = new App({ analyticsReporting: false });
  const stack = new Stack(app, `Fanout${n}`, { env: { account: '111111111111', region: 'eu-west-1' } });
  floor.build(stack, n);
  return app.synth().getStackByName(stack.stackName).template;
}

/** Transpiles every TypeScript file under `src` into `out` (CommonJS, as jsii emits it; types were checked by tsc already). */
function compile(src: string, out: string): void {
  for (const entry of fs.readdirSync(src, { withFileTypes: true })) {
    const from = path.join(src, entry.name);
    if (entry.isDirectory()) {
      compile(from, path.join(out, entry.name));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      const js = ts.transpileModule(fs.readFileSync(from, 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
      fs.mkdirSync(out, { recursive: true });
      fs.writeFileSync(path.join(out, entry.name.replace(/\.ts$/, '.js')), js.outputText);
    }
  }
}

function hasTime(): boolean {
  return fs.existsSync('/usr/bin/time');
}

function cfnLintVersion(): string | undefined {
  const r = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Runs a command once: wall seconds and peak RSS (MB) from /usr/bin/time, else wall from the clock. */
function measure(command: string, commandArgs: string[]): Sample {
  if (hasTime()) {
    const r = spawnSync('/usr/bin/time', ['-f', '@@%e %M', command, ...commandArgs], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const m = /@@([\d.]+) (\d+)\s*$/.exec(r.stderr);
    if (!m) throw new Error(`cannot read /usr/bin/time's output for ${command}: ${r.stderr.slice(-500)}`);
    return { wallSeconds: Number(m[1]), peakMb: Number(m[2]) / 1024 };
  }
  const start = process.hrtime.bigint();
  spawnSync(command, commandArgs, { stdio: 'ignore' });
  return { wallSeconds: Number(process.hrtime.bigint() - start) / 1e9, peakMb: NaN };
}

function median(samples: Sample[]): Sample {
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { wallSeconds: mid(samples.map((s) => s.wallSeconds)), peakMb: mid(samples.map((s) => s.peakMb)) };
}

function main(): void {
  const options = args(process.argv.slice(2));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-check-'));
  try {
    // The CLI as it ships: compiled JavaScript, started by node.
    const compiled = path.join(work, 'lib');
    // The compiled CLI resolves its runtime dependency (yaml), and tsc the types, from the project's node_modules.
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'));
    compile(path.join(ROOT, 'src'), compiled);
    const cli = path.join(compiled, 'cli.js');
    const lint = cfnLintVersion();
    if (!lint) {
      console.log('cfn-lint is not installed (pip install cfn-lint): measuring the CLI alone.');
    }

    const write = (name: string, template: any) => {
      const file = path.join(work, name);
      fs.writeFileSync(file, JSON.stringify(template, undefined, 1));
      return file;
    };
    const ten = synthesize(10);
    const cases: Array<{ name: string; files: string[]; resources: number }> = [];
    for (const count of [1, 10, 50]) {
      const files = Array.from({ length: count }, (_, i) => write(`ten-${i}.template.json`, ten));
      cases.push({ name: `${count} template(s) of 10 subscribed queues`, files, resources: count * Object.keys(ten.Resources).length });
    }
    for (const n of [10, 40, 90]) {
      const t = synthesize(n);
      cases.push({ name: `1 template of ${n} subscribed queues`, files: [write(`fanout-${n}.template.json`, t)], resources: Object.keys(t.Resources).length });
    }

    const rows: Row[] = [];
    for (const c of cases) {
      const cliSamples: Sample[] = [];
      const lintSamples: Sample[] = [];
      // One untimed warm-up round (file system cache, compiled bytecode), then interleaved rounds, so
      // that load from other jobs hits both tools alike.
      measure(process.execPath, [cli, 'check', ...c.files]);
      if (lint) {
        measure('cfn-lint', c.files);
      }
      for (let i = 0; i < options.runs; i++) {
        cliSamples.push(measure(process.execPath, [cli, 'check', ...c.files]));
        if (lint) {
          lintSamples.push(measure('cfn-lint', c.files));
        }
      }
      const row: Row = {
        case: c.name, templates: c.files.length, resources: c.resources, cli: median(cliSamples), cfnLint: lint ? median(lintSamples) : undefined,
      };
      rows.push(row);
      console.log(`${c.name}: CLI ${row.cli.wallSeconds.toFixed(2)} s ${row.cli.peakMb.toFixed(0)} MB${row.cfnLint ? `; cfn-lint ${row.cfnLint.wallSeconds.toFixed(2)} s ${row.cfnLint.peakMb.toFixed(0)} MB` : ''}`);
    }
    const markdown = render(rows, options.runs, lint);
    fs.mkdirSync(options.out, { recursive: true });
    fs.writeFileSync(path.join(options.out, 'CHECK_RESULTS.md'), markdown);
    fs.writeFileSync(path.join(options.out, 'check-results.json'), `${JSON.stringify({ date: new Date().toISOString(), cfnLint: lint, runs: options.runs, rows }, undefined, 2)}\n`);
    console.log(markdown);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function render(rows: Row[], runs: number, lint: string | undefined): string {
  const f = (s: Sample | undefined, what: keyof Sample, digits: number) => (s ? s[what].toFixed(digits) : 'n/a');
  const lines = [
    '# Benchmark: `cdk-secure-fifo check` vs cfn-lint',
    '',
    '<!-- Generated by `npx projen bench:check` (bench/check.ts). Do not edit by hand; re-run instead. -->',
    '',
    `Run ${new Date().toISOString()} on ${cpuModel()} (${os.cpus().length} vCPUs, shared with other jobs), Node ${process.version}, ${lint ?? 'cfn-lint not installed'}, cdk-secure-fifo at ${gitState().gitCommit}; median of ${runs} interleaved rounds; each tool a fresh process under /usr/bin/time (wall time, peak resident memory).`,
    'Templates: CDK-synthesized hand-wired fan-outs (bench/topologies.ts `floor`: FIFO topic, N subscribed FIFO queues with DLQs, key, policies).',
    '',
    '| case | templates | resources | CLI s | CLI peak MB | cfn-lint s | cfn-lint peak MB | CLI / cfn-lint time |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.case} | ${r.templates} | ${r.resources} | ${f(r.cli, 'wallSeconds', 2)} | ${f(r.cli, 'peakMb', 0)} | ${f(r.cfnLint, 'wallSeconds', 2)} | ${f(r.cfnLint, 'peakMb', 0)} | ${r.cfnLint ? (r.cli.wallSeconds / r.cfnLint.wallSeconds).toFixed(2) : 'n/a'} |`),
    '',
  ];
  const one = rows[0];
  const fifty = rows[2];
  const growth = rows.slice(3);
  lines.push('Targets (issue 26):');
  lines.push(`- one template: ${one.cli.wallSeconds.toFixed(2)} s (target <= 0.5 s: ${one.cli.wallSeconds <= 0.5 ? 'met' : '**not met**'}), ${one.cli.peakMb.toFixed(0)} MB peak (target <= 150 MB: ${one.cli.peakMb <= 150 ? 'met' : '**not met**'})`);
  for (const r of rows.slice(0, 3)) {
    lines.push(`- ${r.case}: ${r.cfnLint ? (r.cli.wallSeconds < r.cfnLint.wallSeconds ? `faster than cfn-lint (${(r.cfnLint.wallSeconds / r.cli.wallSeconds).toFixed(1)}x)` : '**not faster than cfn-lint**') : 'cfn-lint not measured'}`);
  }
  lines.push(`- templates/second at 50: CLI ${(50 / fifty.cli.wallSeconds).toFixed(1)}${fifty.cfnLint ? `, cfn-lint ${(50 / fifty.cfnLint.wallSeconds).toFixed(1)}` : ''}`);
  // Growth: the time above a one-template run's fixed cost (process start, module load), per resource.
  const fixed = one.cli.wallSeconds;
  const perResource = growth.map((r) => ({
    r, ms: ((r.cli.wallSeconds - growth[0].cli.wallSeconds) * 1000) / Math.max(1, r.resources - growth[0].resources),
  }));
  lines.push(`- cost growth with resources (one template; ms per added resource over the ${growth[0].resources}-resource template): ${perResource.slice(1).map(({ r, ms }) => `${r.resources} resources: ${ms.toFixed(2)} ms`).join('; ')}`);
  const perTemplate = (r: Row) => ((r.cli.wallSeconds - one.cli.wallSeconds) * 1000) / (r.templates - 1);
  lines.push(`- cost growth with templates (ms per added template over one): 10 templates: ${perTemplate(rows[1]).toFixed(1)} ms; 50 templates: ${perTemplate(fifty).toFixed(1)} ms${perTemplate(fifty) > 2 * Math.max(perTemplate(rows[1]), 1) ? ' (**worse than linear**)' : ''}`);
  const [, mid, big] = perResource;
  const superlinear = big.ms > 2 * Math.max(mid.ms, 0.05);
  lines.push(`- ${superlinear ? '**worse than linear**: the cost per added resource grows with the template' : 'linear or better: the cost per added resource does not grow with the template'} (fixed cost of a one-template run: ${fixed.toFixed(2)} s)`);
  lines.push('');
  return lines.join('\n');
}

main();
