/**
 * `npx projen bench`: synth time, CloudFormation resources, template size, KMS keys and fixed cost of
 * the same SNS FIFO -> SQS FIFO fan-out built three ways (ours, hand-wired L2s, SnsToSqs).
 *
 *   ts-node --project bench/tsconfig.json bench/run.ts [--n 1,10,100] [--runs 15] [--warmup 3] [--out bench]
 *
 * Prints the table and writes RESULTS.md and results.json into --out (default: this directory).
 */
import * as path from 'path';
import { renderTable, runBench, writeResults, BenchResults } from './harness';

export interface CliOptions {
  readonly sizes: number[];
  readonly runs: number;
  readonly warmup: number;
  readonly out: string;
  readonly quiet: boolean;
}

export const DEFAULTS: CliOptions = { sizes: [1, 10, 100], runs: 15, warmup: 3, out: __dirname, quiet: false };

const USAGE = 'usage: bench/run.ts [--n 1,10,100] [--runs 15] [--warmup 3] [--out <dir>] [--quiet]';

/** Parses `--n 1,10,100 --runs 9 --warmup 3 --out dir --quiet` (also `--n=1,10`). */
export function parseArgs(argv: string[]): CliOptions {
  let options = { ...DEFAULTS };
  const args = argv.flatMap((a) => (a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a]));
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${flag} needs a value; ${USAGE}`);
      return v;
    };
    const whole = (v: string, min: number) => {
      const x = Number(v);
      if (!Number.isInteger(x) || x < min) throw new Error(`${flag} ${JSON.stringify(v)} is not allowed; allowed: a whole number >= ${min}`);
      return x;
    };
    switch (flag) {
      case '--n':
      case '--sizes':
        options = { ...options, sizes: value().split(',').map((v) => whole(v.trim(), 1)) };
        break;
      case '--runs':
        options = { ...options, runs: whole(value(), 1) };
        break;
      case '--warmup':
        options = { ...options, warmup: whole(value(), 0) };
        break;
      case '--out':
        options = { ...options, out: path.resolve(value()) };
        break;
      case '--quiet':
        options = { ...options, quiet: true };
        break;
      default:
        throw new Error(`unknown argument ${JSON.stringify(flag)}; ${USAGE}`);
    }
  }
  return options;
}

/** Runs the bench as the CLI does; returns the results and the files written. */
export function main(
  argv: string[],
  print: (line: string) => void = (l) => console.log(l),
): { results: BenchResults; files: { markdown: string; json: string } } {
  const options = parseArgs(argv);
  const log = options.quiet ? undefined : (line: string) => print(`[bench] ${line}`);
  log?.(`N = ${options.sizes.join(', ')}; ${options.warmup} warm-up + ${options.runs} timed round(s) each`);
  const results = runBench({ sizes: options.sizes, runs: options.runs, warmup: options.warmup, log });
  const files = writeResults(results, options.out);
  if (!options.quiet) {
    print('');
    print(renderTable(results));
    print('');
    print(`wrote ${path.relative(process.cwd(), files.markdown)} and ${path.relative(process.cwd(), files.json)}`);
  }
  return { results, files };
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    process.exitCode = 1;
  }
}
