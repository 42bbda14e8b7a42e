#!/usr/bin/env node
// The Node matrix (`npx projen test:node`; .projenrc.ts chooses the versions and suites):
//
//   node .ci/node-matrix.mjs --node=22.23.3 --node=24.21.0 test/a.test.ts test/e2e ...
//
// For each version: install the npm registry's `node@<version>` package (a real Node binary, pinned
// exact) into .node-matrix/<version>/ (gitignored; reused while the binary there reports that version),
// then run jest with that binary on the given suites. Child processes the tests start (the demo,
// ts-node) inherit it through process.execPath and PATH. Writes test-reports/node-<version>.json
// (jest --json) and test-reports/node-matrix.json (the per-version counts .ci/run adds to its last line),
// prints one line per version, and exits 1 when any version fails or could not run.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(root, '.node-matrix');
const reports = join(root, 'test-reports');

const args = process.argv.slice(2);
const versions = args.filter((a) => a.startsWith('--node=')).map((a) => a.slice('--node='.length));
const suites = args.filter((a) => !a.startsWith('--'));
if (versions.length === 0 || suites.length === 0) {
  console.error('usage: node .ci/node-matrix.mjs --node=<exact version>... <test file or folder>...');
  process.exit(2);
}

/** The binary of node@<version> from the npm registry, installed once into the cache. */
function nodeBinary(version) {
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`--node=${version}: pin an exact version, e.g. 24.21.0`);
  const prefix = join(cache, version);
  const bin = join(prefix, 'node_modules', 'node', 'bin', 'node');
  const reported = () => (existsSync(bin) ? execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim() : undefined);
  if (reported() !== `v${version}`) {
    mkdirSync(prefix, { recursive: true });
    // The package's preinstall script fetches the platform binary (node-<os>-<arch>@<version>): scripts must run.
    const npm = spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--no-package-lock', '--prefix', prefix, `node@${version}`], {
      stdio: 'inherit',
    });
    if (npm.status !== 0) throw new Error(`npm install node@${version} failed (exit ${npm.status})`);
  }
  const got = reported();
  if (got !== `v${version}`) throw new Error(`${bin} reports ${got ?? 'nothing'}, expected v${version}`);
  return bin;
}

mkdirSync(reports, { recursive: true });
const results = [];
for (const version of versions) {
  const started = Date.now();
  const outputFile = join(reports, `node-${version}.json`);
  let result;
  try {
    const bin = nodeBinary(version);
    console.log(`\n== Node ${version}: jest ${suites.join(' ')}`);
    const jest = spawnSync(bin, [
      join(root, 'node_modules', 'jest', 'bin', 'jest.js'),
      '--ci', '--coverage=false', '--maxWorkers=2',
      // Only the console reporter: jest-junit would overwrite the full run's test-reports/junit.xml.
      '--reporters=default',
      '--json', `--outputFile=${outputFile}`,
      ...suites,
    ], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, PATH: `${dirname(bin)}:${process.env.PATH}`, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    const json = existsSync(outputFile) ? JSON.parse(readFileSync(outputFile, 'utf8')) : undefined;
    result = {
      node: version,
      passed: json?.numPassedTests ?? 0,
      failed: json?.numFailedTests ?? 0,
      // A suite that fails to load has no failed test but must still fail the version.
      ok: jest.status === 0 && json?.success === true,
      error: json ? undefined : `jest wrote no results (exit ${jest.status})`,
    };
  } catch (err) {
    result = { node: version, passed: 0, failed: 0, ok: false, error: String(err?.message ?? err) };
  }
  result.seconds = Math.round((Date.now() - started) / 100) / 10;
  results.push(result);
}

writeFileSync(join(reports, 'node-matrix.json'), JSON.stringify({ suites, results }, undefined, 2) + '\n');
console.log('\nNode matrix:');
for (const r of results) {
  console.log(`  Node ${r.node}: ${r.passed} passed, ${r.failed} failed${r.ok ? '' : ' -- FAILED'}${r.error ? ` (${r.error})` : ''}; ${r.seconds} s`);
}
process.exit(results.every((r) => r.ok) ? 0 : 1);
