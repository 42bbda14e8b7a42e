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
  /** Stop the emulator and close the clients. Safe to call twice. */
  stop(): Promise<void>;
}

/** fauxqs' fixed account (000000000000, as LocalStack's). */
export const EMULATOR_ACCOUNT_ID = '000000000000';

/**
 * What fauxqs 1.9.2 accepts but does not emulate (read from its source, dist/sns/actions/publish.js
 * and dist/sqs/sqsStore.js). test/e2e/emulator-gaps.test.ts fails when an upgrade closes a gap.
 */
export const FAUXQS_GAPS: readonly EmulatorGap[] = [
  {
    type: 'AWS::SNS::Topic',
    property: 'FifoThroughputScope',
    when: (v) => v === 'MessageGroup',
    detail: 'stored only: fauxqs deduplicates in each subscribed FIFO queue by deduplication ID, never per message group',
    verifiedBy: 'template assertions (FifoThroughputScope / DeduplicationScope) and the cdk-secure-fifo:dedupPerMessageGroup warning test',
  },
  {
    type: 'AWS::SQS::Queue',
    property: 'DeduplicationScope',
    when: (v) => v === 'messageGroup',
    detail: 'stored only: fauxqs deduplicates across the whole queue',
    verifiedBy: 'template assertions (DeduplicationScope: messageGroup with FifoThroughputLimit: perMessageGroupId)',
  },
  {
    type: 'AWS::SQS::Queue',
    property: 'FifoThroughputLimit',
    detail: 'stored only: no throughput quota is emulated',
    verifiedBy: 'template assertions',
  },
  {
    type: 'AWS::SQS::Queue',
    property: 'RedriveAllowPolicy',
    detail: 'stored only: any queue may use this queue as its DLQ',
    verifiedBy: 'template assertions (byQueue, source ARN built from the queue name)',
  },
  {
    type: 'AWS::SQS::Queue',
    property: 'MessageRetentionPeriod',
    detail: 'stored only: messages never expire',
    verifiedBy: 'template assertions and SecureFifoQueue range validation tests',
  },
  {
    type: 'AWS::SNS::Subscription',
    property: 'RedrivePolicy',
    detail: 'stored only: fauxqs never fails a delivery (an unreachable queue silently drops the message), so the subscription DLQ receives nothing',
    verifiedBy: 'iam-simulate policy proofs (SNS may send to the DLQ and use its key) and template assertions',
  },
  {
    type: 'AWS::SNS::Subscription',
    property: 'Protocol',
    when: (v) => v !== 'sqs',
    detail: 'subscribed, but fauxqs delivers to SQS queues only',
    verifiedBy: 'template assertions',
  },
  {
    type: 'AWS::SNS::Topic',
    property: 'ArchivePolicy',
    detail: 'stored only: no archive, no replay',
    verifiedBy: 'template assertions',
  },
  {
    type: 'AWS::SNS::Topic',
    property: 'SignatureVersion',
    detail: 'stored only: notifications carry the placeholder signature "EXAMPLE"',
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
  readonly error?: string;
  readonly stopped?: boolean;
}

/**
 * Start fauxqs 1.9.2 on a free loopback port, in a worker thread of this process (see
 * fauxqs-worker.mjs for why a worker), and return SDK clients pointed at it.
 *
 * @param region the region the clients sign for; fauxqs builds ARNs and URLs in it
 */
export async function startEmulator(region = 'us-east-1'): Promise<Emulator> {
  const worker = new Worker(path.join(__dirname, 'fauxqs-worker.mjs'));
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
  const { sns, sqs } = messagingClients(endpoint, region);
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    region,
    accountId: EMULATOR_ACCOUNT_ID,
    gaps: FAUXQS_GAPS,
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
