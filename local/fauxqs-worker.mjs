// The embedded SNS/SQS emulator, run in a worker thread of the calling process.
//
// fauxqs is ESM-only. Code that jest (ts-jest, CommonJS) loads cannot `import()` it without
// `--experimental-vm-modules`, but a worker thread has Node's own ESM loader, so the same code works
// under jest, ts-node and plain node with no flag. Bare specifiers resolve from this file, whatever
// the current directory. Started and stopped by `startEmulator()` in ./emulator.ts, which passes the
// module to load in `workerData.module`: `fauxqs` (1.9.2) or `fauxqs2` (npm alias of fauxqs 2.x).
//
// `startFauxqs()` always listens on 0.0.0.0; `buildApp()` + `listen()` keeps the emulator on
// 127.0.0.1 (loopback only) with an OS-assigned free port.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const specifier = workerData?.module ?? 'fauxqs';

/** The version in the package.json of the fauxqs package `specifier` resolves to (the one imported below). */
function loadedVersion() {
  let dir = dirname(fileURLToPath(import.meta.resolve(specifier)));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (pkg.name === 'fauxqs') return pkg.version;
    } catch {
      // no package.json here: look further up
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

let app;
try {
  const { buildApp } = await import(specifier);
  app = buildApp({ logger: false });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  parentPort.postMessage({ address, version: loadedVersion() });
} catch (err) {
  parentPort.postMessage({ error: String(err?.stack ?? err) });
}

parentPort.on('message', (msg) => {
  if (msg === 'stop') {
    (app ? app.close() : Promise.resolve()).then(
      () => parentPort.postMessage({ stopped: true }),
      (err) => parentPort.postMessage({ stopped: true, error: String(err) }),
    );
  }
});
