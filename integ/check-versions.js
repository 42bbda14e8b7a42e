#!/usr/bin/env node
// Guards the premise of these integration tests: the library under test (copied from the parent
// folder by `install-links=true`, see .npmrc) and the tests themselves load the aws-cdk-lib pinned
// here (the oldest version the library supports), and the copy is the library as compiled now.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { createRequire } = require('module');

const EXPECTED = require('./package.json').devDependencies['aws-cdk-lib'];
const here = __dirname;
const problems = [];

const installed = path.join(here, 'node_modules', 'cdk-secure-fifo');
if (!fs.existsSync(installed)) {
  problems.push(`${installed} is missing: run \`npm ci\` in integ/ (after compiling the library).`);
} else if (fs.lstatSync(installed).isSymbolicLink()) {
  problems.push(`${installed} is a symlink: its aws-cdk-lib would resolve through the parent's node_modules. ` +
    'integ/.npmrc must set install-links=true (and npm ci must be run from integ/).');
} else {
  if (fs.existsSync(path.join(installed, 'integ'))) {
    problems.push('the copied library contains integ/ (the parent .npmignore must exclude /integ/, or the copy nests integ/node_modules).');
  }
  const libFromRequire = createRequire(path.join(installed, 'lib', 'index.js'));
  const fromLibrary = libFromRequire.resolve('aws-cdk-lib/package.json');
  const fromTests = createRequire(path.join(here, 'test', 'x.ts')).resolve('aws-cdk-lib/package.json');
  const fromAssertions = createRequire(require.resolve('@aws-cdk/integ-tests-alpha', { paths: [here] })).resolve('aws-cdk-lib/package.json');
  const expectedPath = path.join(here, 'node_modules', 'aws-cdk-lib', 'package.json');
  for (const [who, resolved] of [['cdk-secure-fifo', fromLibrary], ['the integ tests', fromTests], ['@aws-cdk/integ-tests-alpha', fromAssertions]]) {
    const version = JSON.parse(fs.readFileSync(resolved, 'utf8')).version;
    console.log(`${who}: aws-cdk-lib ${version} from ${path.relative(here, resolved)}`);
    if (resolved !== expectedPath || version !== EXPECTED) {
      problems.push(`${who} loads aws-cdk-lib ${version} from ${resolved}; expected ${EXPECTED} from ${expectedPath}`);
    }
  }
  // The copy must be the library as compiled now (npm ci copies lib/ when it runs; a later compile
  // leaves the copy stale).
  const parentLib = path.join(here, '..', 'lib');
  if (!fs.existsSync(path.join(parentLib, 'index.js'))) {
    problems.push(`${parentLib}/index.js is missing: compile the library first (npx projen compile).`);
  } else {
    const stale = listJs(parentLib).filter((rel) => digest(path.join(parentLib, rel)) !== digest(path.join(installed, 'lib', rel)));
    if (stale.length > 0) {
      problems.push(`the copied library is stale (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', ...' : ''} differ from ../lib): re-run \`npm ci\` in integ/.`);
    }
  }
  if (problems.length === 0) {
    // Loading it proves the compiled library runs on this aws-cdk-lib.
    const exported = Object.keys(libFromRequire('./index.js')).length;
    console.log(`cdk-secure-fifo loads on aws-cdk-lib ${EXPECTED} (${exported} exports)`);
  }
}

if (problems.length > 0) {
  for (const p of problems) console.error(`check-versions: ${p}`);
  process.exit(1);
}

function listJs(dir, prefix = '') {
  return fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(prefix, e.name);
    if (e.isDirectory()) return listJs(dir, rel);
    return /\.(js|d\.ts)$/.test(e.name) ? [rel] : [];
  });
}

function digest(file) {
  if (!fs.existsSync(file)) return 'missing';
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}
