// The embedded SNS/SQS emulator, run in a worker thread of the calling process.
//
// fauxqs 1.9.2 is ESM-only. Code that jest (ts-jest, CommonJS) loads cannot `import()` it without
// `--experimental-vm-modules`, but a worker thread has Node's own ESM loader, so the same code works
// under jest, ts-node and plain node with no flag. Bare specifiers resolve from this file, whatever
// the current directory. Started and stopped by `startEmulator()` in ./emulator.ts.
//
// `startFauxqs()` always listens on 0.0.0.0; `buildApp()` + `listen()` keeps the emulator on
// 127.0.0.1 (loopback only) with an OS-assigned free port.
import { parentPort } from 'node:worker_threads';
import { buildApp } from 'fauxqs';

const app = buildApp({ logger: false });
try {
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  parentPort.postMessage({ address });
} catch (err) {
  parentPort.postMessage({ error: String(err?.stack ?? err) });
}

parentPort.on('message', (msg) => {
  if (msg === 'stop') {
    app.close().then(
      () => parentPort.postMessage({ stopped: true }),
      (err) => parentPort.postMessage({ stopped: true, error: String(err) }),
    );
  }
});
