import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthOnce, verifyTopology, BenchResults, Measurement, SizeResult } from '../bench/harness';
import { main, parseArgs } from '../bench/run';
import { ours } from '../bench/topologies';

// The benchmark is not part of the build (too slow to be a gate); this smoke test runs it with N = 1
// and one timed run so that it cannot rot, into a temp dir (bench/RESULTS.md is left alone).
describe('bench smoke run (N = 1, 1 run)', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-secure-fifo-bench-test-'));
  const committed = path.join(__dirname, '..', 'bench', 'RESULTS.md');
  const committedBefore = fs.existsSync(committed) ? fs.readFileSync(committed, 'utf8') : undefined;
  let results: BenchResults;
  let files: { markdown: string; json: string };
  let size: SizeResult;
  const by = (id: string): Measurement => size.measurements.find((m) => m.implementation === id)!;

  beforeAll(() => {
    ({ results, files } = main(['--n', '1', '--runs', '1', '--warmup', '0', '--out', out, '--quiet']));
    size = results.results[0];
  });

  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  test('writes RESULTS.md and results.json into --out only', () => {
    expect(files.markdown).toBe(path.join(out, 'RESULTS.md'));
    expect(fs.readFileSync(files.markdown, 'utf8')).toMatch(/\| 1 \| KMS keys \| 1 \|/);
    expect(JSON.parse(fs.readFileSync(files.json, 'utf8')).results[0].subscribers).toBe(1);
    expect(fs.existsSync(committed) ? fs.readFileSync(committed, 'utf8') : undefined).toBe(committedBefore);
  });

  test('all three run on one aws-cdk-lib', () => {
    expect(results.meta.sameAwsCdkLib.same).toBe(true);
  });

  test('all three build the same topology', () => {
    for (const m of size.measurements) {
      expect(m.topology).toMatchObject({ topics: 1, queues: 2, subscriptions: 1, deadLetterQueues: 1 });
    }
  });

  test('ours: one KMS key and at most 5 resources per subscriber', () => {
    const o = by('ours');
    expect(o.kmsKeys).toBe(1);
    expect(o.resourcesPerSubscriber).toBeLessThanOrEqual(5);
    expect(o.resources).toBeLessThanOrEqual(o.fixedResources + 5);
    expect(o.fixedMonthlyUsd).toBe(1);
  });

  test('every figure is there, with ratios', () => {
    for (const m of size.measurements) {
      expect(m.synthMs.samples).toHaveLength(1);
      expect(m.synthMs.median).toBeGreaterThan(0);
      expect(m.templateBytes).toBeGreaterThan(0);
      expect(m.fitsLimits).toEqual({ resources: true, templateBytes: true });
      expect(m.synthFindings).toBe(0);
    }
    for (const ratios of [size.ratios.oursOverFloor, size.ratios.oursOverPeer]) {
      for (const value of Object.values(ratios)) {
        expect(Number.isFinite(value)).toBe(true);
      }
    }
  });

  test('the topology check is not vacuous', () => {
    const { analysis } = synthOnce(ours, 1, true);
    const template = JSON.parse(JSON.stringify(analysis!.template));
    for (const [id, r] of Object.entries<any>(template.Resources)) {
      if (r.Type === 'AWS::SQS::QueuePolicy') delete template.Resources[id];
    }
    expect(verifyTopology({ template, topology: analysis!.topology }, 1)).toEqual(
      expect.arrayContaining([expect.stringMatching(/has no TLS-only policy/)]),
    );
    expect(verifyTopology(analysis!, 2)).toEqual(expect.arrayContaining([expect.stringMatching(/2 queues, expected 4/)]));
  });

  test('the CLI refuses bad arguments', () => {
    expect(() => parseArgs(['--n', '0'])).toThrow(/--n "0" is not allowed; allowed: a whole number >= 1/);
    expect(() => parseArgs(['--runs'])).toThrow(/--runs needs a value/);
    expect(() => parseArgs(['--bogus'])).toThrow(/unknown argument "--bogus"/);
    expect(parseArgs(['--n=1,10', '--runs', '7'])).toMatchObject({ sizes: [1, 10], runs: 7 });
  });
});
