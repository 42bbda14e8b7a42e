#!/usr/bin/env node
// node run.js verify|update|deploy [integ-runner arguments...]
//   verify  offline: each snapshot must be UNCHANGED; exit code non-zero otherwise. No credentials.
//   update  offline: rewrite the snapshots of changed tests WITHOUT deploying (--dry-run): they are
//           not deploy-verified (see SNAPSHOTS.md).
//   deploy  with AWS credentials: deploy each changed (or --force'd) test, run its assertions, destroy
//           it, and write a deploy-verified snapshot (--update-on-failed).
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const [mode, ...rest] = process.argv.slice(2);
const modes = {
  verify: [],
  // --force: integ-runner would skip tests whose stacks under test are unchanged, leaving a changed
  // assertion stack stale (it never diffs those).
  update: ['--dry-run', '--update-on-failed', '--force'],
  deploy: ['--update-on-failed', '--force'],
};
if (!(mode in modes)) {
  console.error('usage: node run.js verify|update|deploy [integ-runner arguments...]');
  process.exit(2);
}
const bin = (name) => path.join(__dirname, 'node_modules', '.bin', name);
const run = (command, args, env = process.env, quiet = false) => {
  const r = spawnSync(command, args, { stdio: quiet ? 'pipe' : 'inherit', cwd: __dirname, env, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    if (quiet) process.stderr.write(`${r.stdout}${r.stderr}`);
    process.exit(r.status ?? 1);
  }
};

run(process.execPath, [path.join(__dirname, 'check-versions.js')]);
// Type-check every test once here; integ-runner's ts-node then only transpiles (much faster).
run(bin('tsc'), ['--noEmit', '-p', __dirname]);

const env = { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' };
if (mode !== 'deploy') {
  // Offline: without a region the toolkit probes the EC2 instance metadata service (seconds of
  // timeouts off EC2). Snapshots are region-agnostic, so any region will do.
  env.AWS_REGION ??= 'us-east-1';
  env.AWS_EC2_METADATA_DISABLED ??= 'true';
}
const withoutSalt = (text) => JSON.stringify(JSON.parse(text), (k, v) => (k === 'salt' ? undefined : v));
const templates = () => fs.readdirSync(path.join(__dirname, 'test'))
  .filter((d) => d.endsWith('.snapshot'))
  .flatMap((d) => fs.readdirSync(path.join(__dirname, 'test', d)).filter((f) => f.endsWith('.template.json')).map((f) => path.join(__dirname, 'test', d, f)));
// Every assertion custom resource has a `salt` (the synth time) so that it runs on every deploy:
// keep a template that changed in nothing else, so that a refresh leaves no noise in the diff.
const before = new Map(mode === 'verify' ? [] : templates().map((f) => [f, fs.readFileSync(f, 'utf8')]));
run(bin('integ-runner'), ['--language', 'typescript', '--directory', 'test', ...modes[mode], ...rest], env);
for (const [file, text] of before) {
  if (fs.existsSync(file) && withoutSalt(fs.readFileSync(file, 'utf8')) === withoutSalt(text)) fs.writeFileSync(file, text);
}

if (mode === 'verify') {
  // integ-runner diffs only the stacks under test, never the assertion stacks (aws/aws-cdk#25191):
  // a changed assertion would still pass as UNCHANGED. Synthesize every test afresh into a scratch
  // folder and compare every template, and integ.json, with the committed snapshot.
  const scratch = path.join(__dirname, '.snapshot-check');
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.mkdirSync(scratch);
  const tests = fs.readdirSync(path.join(__dirname, 'test')).filter((f) => f.endsWith('.ts'));
  for (const f of tests) fs.copyFileSync(path.join(__dirname, 'test', f), path.join(scratch, f));
  const selected = rest.filter((a) => !a.startsWith('-'));
  run(bin('integ-runner'), ['--language', 'typescript', '--directory', '.snapshot-check', '--dry-run', '--update-on-failed', ...selected], env, true);
  const problems = [];
  let checked = 0;
  for (const snapshot of fs.readdirSync(path.join(__dirname, 'test')).filter((f) => f.endsWith('.snapshot'))) {
    if (selected.length > 0 && !selected.some((t) => snapshot.startsWith(path.basename(t)))) continue;
    const committed = path.join(__dirname, 'test', snapshot);
    const fresh = path.join(scratch, snapshot);
    const compared = (dir) => fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.template.json') || f === 'integ.json').sort() : [];
    const names = [...new Set([...compared(committed), ...compared(fresh)])];
    checked++;
    for (const name of names) {
      const read = (dir) => fs.existsSync(path.join(dir, name)) ? withoutSalt(fs.readFileSync(path.join(dir, name), 'utf8')) : undefined;
      if (read(committed) !== read(fresh)) problems.push(`${snapshot}/${name}`);
    }
  }
  if (problems.length === 0 || !process.env.KEEP_SNAPSHOT_CHECK) fs.rmSync(scratch, { recursive: true, force: true });
  if (problems.length > 0) {
    console.error(`\nSnapshot files that differ from a fresh synth (assertion stacks included):\n  ${problems.join('\n  ')}`);
    console.error('Refresh with `npm run update` (not deploy-verified) or `npm run deploy` (with AWS credentials).');
    process.exit(1);
  }
  console.log(`Every template and integ.json of ${checked} snapshots matches a fresh synth (assertion stacks included).`);
}
