import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';

/** Where and as whom SNS/SQS calls go: the embedded emulator, LocalStack, or a real account. */
export interface MessagingTarget {
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly region: string;
  /** The account in the ARNs the target returns (used for `AWS::AccountId`). */
  readonly accountId: string;
  /** Settings the target accepts but does not enforce (reported per template by the deployer). */
  readonly gaps: readonly EmulatorGap[];
}

/** A setting the emulator stores but does not act on. */
export interface EmulatorGap {
  /** CloudFormation resource type. */
  readonly type: string;
  /** CloudFormation property. */
  readonly property: string;
  /** Only values for which this returns true are affected. @default every value */
  readonly when?: (value: string) => boolean;
  /** What the emulator does instead. */
  readonly detail: string;
  /** Which test layer proves the real behaviour instead. */
  readonly verifiedBy: string;
}

/** The embedded emulator: fauxqs on 127.0.0.1, in a worker thread of this process. */
export interface Emulator extends MessagingTarget {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** What ran, e.g. `fauxqs 2.4.1`: the version is read from the package.json of the module the worker loaded. */
  readonly name: string;
  /** The fauxqs version that ran, e.g. `2.4.1`. */
  readonly version: string;
  /** Stop the emulator and close the clients. Safe to call twice. */
  stop(): Promise<void>;
}

/** fauxqs' fixed account (000000000000, as LocalStack's). */
export const EMULATOR_ACCOUNT_ID = '000000000000';

/**
 * The two fauxqs lines this project pins (package.json devDependencies): `fauxqs` 1.9.2, the last
 * release that runs on Node 20, and `fauxqs2` (npm alias of fauxqs 2.4.1), which declares engines
 * node >= 22.5.0.
 */
export const FAUXQS_LINES = {
  1: { module: 'fauxqs', minNode: '20.0.0' },
  2: { module: 'fauxqs2', minNode: '22.5.0' },
} as const;

/** A fauxqs release line this project pins. */
export type FauxqsLine = keyof typeof FAUXQS_LINES;

/** Which fauxqs line runs, and why. */
export interface FauxqsChoice {
  readonly line: FauxqsLine;
  /** The module specifier the worker imports (`fauxqs` or `fauxqs2`). */
  readonly module: string;
  /** The version in that module's package.json, e.g. `2.4.1`. */
  readonly version: string;
  /** `fauxqs 2.4.1` */
  readonly name: string;
  readonly reason: string;
}

const atLeast = (version: string, min: string): boolean => {
  const [a, b] = [version, min].map((v) => v.replace(/^v/, '').split('.').map(Number));
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
};

/**
 * The version in the package.json of an installed module, found on Node's resolution paths from this
 * file (fauxqs' `exports` expose no `./package.json`, so `require.resolve` cannot name it).
 */
export function installedVersion(module: string): string {
  for (const dir of require.resolve.paths(module) ?? []) {
    const file = path.join(dir, module, 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  }
  throw new Error(`${module} is not installed: run \`npm ci\``);
}

/**
 * The newest pinned fauxqs line this Node runs: 2.x on Node >= 22.5, else 1.9.2. `FAUXQS_LINE=1`
 * (or `2`) in the environment forces a line; forcing 2 on an older Node is an error.
 */
export function chooseFauxqs(nodeVersion: string = process.versions.node, override: string | undefined = process.env.FAUXQS_LINE): FauxqsChoice {
  let line: FauxqsLine;
  let reason: string;
  if (override !== undefined && override !== '') {
    if (override !== '1' && override !== '2') throw new Error(`FAUXQS_LINE=${override}: allowed are 1 (fauxqs 1.9.2) and 2 (fauxqs 2.x)`);
    line = Number(override) as FauxqsLine;
    if (!atLeast(nodeVersion, FAUXQS_LINES[line].minNode)) {
      throw new Error(`FAUXQS_LINE=${override}: fauxqs ${line}.x needs Node >= ${FAUXQS_LINES[line].minNode}, this is ${nodeVersion}`);
    }
    reason = `FAUXQS_LINE=${override}`;
  } else {
    line = atLeast(nodeVersion, FAUXQS_LINES[2].minNode) ? 2 : 1;
    reason = line === 2 ? `Node ${nodeVersion} >= ${FAUXQS_LINES[2].minNode}` : `Node ${nodeVersion} < ${FAUXQS_LINES[2].minNode}, which fauxqs 2.x needs`;
  }
  const module = FAUXQS_LINES[line].module;
  const version = installedVersion(module);
  return { line, module, version, name: `fauxqs ${version}`, reason };
}

/** Whether a gap listed for `lines` is present in fauxqs `version` (its major version is one of them). */
export function gapIn(gap: { readonly lines: readonly FauxqsLine[] }, version: string): boolean {
  return gap.lines.some((line) => Number(version.split('.')[0]) === line);
}

/**
 * What fauxqs accepts but does not emulate (read from the source of 1.9.2 and 2.4.1,
 * dist/sns/actions/publish.js and dist/sqs/sqsStore.js), per release line: `lines` lists the lines
 * that still have the gap. The canaries in test/e2e/deploy.test.ts assert the gap where it is listed
 * and the real behaviour where it is not, so an upgrade that closes a gap fails until this list says so.
 */
export const FAUXQS_GAPS: ReadonlyArray<EmulatorGap & { readonly lines: readonly FauxqsLine[] }> = [
  {
    type: 'AWS::SNS::Topic',
    property: 'FifoThroughputScope',
    when: (v) => v === 'MessageGroup',
    detail: 'stored only: fauxqs deduplicates in each subscribed FIFO queue by deduplication ID, never per message group',
    lines: [1, 2],
    verifiedBy: 'template assertions (FifoThroughputScope / DeduplicationScope) and the cdk-secure-fifo:dedupPerMessageGroup warning test',
  },
  {
    type: 'AWS::SQS::Queue',
    property: 'DeduplicationScope',
    when: (v) => v === 'messageGroup',
    detail: 'stored only: fauxqs deduplicates across the whole queue',
    lines: [1, 2],
    verifiedBy: 'template assertions (DeduplicationScope: messageGroup with FifoThroughputLimit: perMessageGroupId)',
  },
  {
    type: 'AWS::SQS::Queue',
    property: 'FifoThroughputLimit',
    detail: 'stored only: no throughput quota is emulated',
    lines: [1, 2],
    verifiedBy: 'template assertions',
  },
  {
    type: 'AWS::SQS::Queue',
    property: 'RedriveAllowPolicy',
    detail: 'stored only: any queue may use this queue as its DLQ',
    lines: [1, 2],
    verifiedBy: 'template assertions (byQueue, source ARN built from the queue name)',
  },
  {
    type: 'AWS::SQS::Queue',
    property: 'MessageRetentionPeriod',
    detail: 'stored only: messages never expire',
    lines: [1, 2],
    verifiedBy: 'template assertions and SecureFifoQueue range validation tests',
  },
  {
    type: 'AWS::SNS::Subscription',
    property: 'RedrivePolicy',
    detail: 'stored only: fauxqs never fails a delivery (an unreachable queue silently drops the message), so the subscription DLQ receives nothing',
    lines: [1, 2],
    verifiedBy: 'iam-simulate policy proofs (SNS may send to the DLQ and use its key) and template assertions',
  },
  {
    type: 'AWS::SNS::Subscription',
    property: 'Protocol',
    when: (v) => v !== 'sqs',
    detail: 'subscribed, but fauxqs delivers to SQS queues only',
    lines: [1, 2],
    verifiedBy: 'template assertions',
  },
  {
    type: 'AWS::SNS::Topic',
    property: 'ArchivePolicy',
    detail: 'stored only: no archive, no replay',
    lines: [1, 2],
    verifiedBy: 'template assertions',
  },
  {
    type: 'AWS::SNS::Topic',
    property: 'SignatureVersion',
    detail: 'stored only: notifications carry the placeholder signature "EXAMPLE"',
    lines: [1, 2],
    verifiedBy: 'template assertions',
  },
];

/** SDK clients for any SNS/SQS endpoint (the emulator, LocalStack's http://localhost:4566, ...). */
export function messagingClients(endpoint: string, region: string): { sns: SNSClient; sqs: SQSClient } {
  // Emulators accept any credentials; these never leave the machine.
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  return {
    sns: new SNSClient({ endpoint, region, credentials, maxAttempts: 2 }),
    sqs: new SQSClient({ endpoint, region, credentials, maxAttempts: 2 }),
  };
}

interface WorkerReply {
  readonly address?: string;
  /** The version in the package.json of the fauxqs module the worker imported. */
  readonly version?: string;
  readonly error?: string;
  readonly stopped?: boolean;
}

/**
 * Start fauxqs (the line `chooseFauxqs()` picks) on a free loopback port, in a worker thread of this
 * process (see fauxqs-worker.mjs for why a worker), and return SDK clients pointed at it.
 *
 * @param region the region the clients sign for; fauxqs builds ARNs and URLs in it
 */
export async function startEmulator(region = 'us-east-1'): Promise<Emulator> {
  const choice = chooseFauxqs();
  const worker = new Worker(path.join(__dirname, 'fauxqs-worker.mjs'), { workerData: { module: choice.module } });
  // A forgotten stop() must not keep a test run or the demo alive.
  worker.unref();
  const first = await new Promise<WorkerReply>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`fauxqs worker exited with code ${code} before it listened`)));
  });
  if (!first.address) {
    await worker.terminate();
    throw new Error(`fauxqs did not start: ${first.error ?? 'no address'}`);
  }
  const endpoint = first.address;
  const version = first.version ?? 'unknown';
  const { sns, sqs } = messagingClients(endpoint, region);
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    region,
    accountId: EMULATOR_ACCOUNT_ID,
    name: `fauxqs ${version}`,
    version,
    gaps: FAUXQS_GAPS.filter((gap) => gapIn(gap, version)),
    sns,
    sqs,
    stop() {
      stopped ??= (async () => {
        sns.destroy();
        sqs.destroy();
        const closed = new Promise<void>((resolve) => {
          worker.on('message', (reply: WorkerReply) => {
            if (reply.stopped) resolve();
          });
          setTimeout(resolve, 2_000).unref();
        });
        worker.postMessage('stop');
        await closed;
        await worker.terminate();
      })();
      return stopped;
    },
  };
}
