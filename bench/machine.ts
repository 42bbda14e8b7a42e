import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SnsToSqs } from '@aws-solutions-constructs/aws-sns-sqs';
import { App, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { SameCdkCheck } from './result-types';

/** Facts about the machine and the code the bench ran on, for the results' metadata. */

/**
 * Whether the peer runs on the same aws-cdk-lib module instance as ours and floor: resolved from its
 * own directory (a nested node_modules/aws-cdk-lib would win there) and checked with `instanceof`.
 */
export function checkSameAwsCdkLib(): SameCdkCheck {
  const bench = require.resolve('aws-cdk-lib/package.json');
  const peerDir = path.dirname(require.resolve('@aws-solutions-constructs/aws-sns-sqs/package.json'));
  const peer = require.resolve('aws-cdk-lib/package.json', { paths: [peerDir] });
  const coreDir = path.dirname(require.resolve('@aws-solutions-constructs/core/package.json', { paths: [peerDir] }));
  const peerCore = require.resolve('aws-cdk-lib/package.json', { paths: [coreDir] });
  const stack = new Stack(new App(), 'SameLibCheck');
  const topic = new sns.Topic(stack, 'Topic');
  const probe = new SnsToSqs(stack, 'Probe', { existingTopicObj: topic, encryptionKey: new kms.Key(stack, 'Key'), enableEncryptionWithCustomerManagedKey: false });
  const instanceofHolds = probe.sqsQueue instanceof sqs.Queue && probe.snsTopic instanceof sns.Topic;
  const rel = (file: string) => path.relative(path.join(__dirname, '..'), path.dirname(file));
  return {
    bench: rel(bench),
    peer: rel(peer),
    peerCore: rel(peerCore),
    instanceofHolds,
    same: bench === peer && bench === peerCore && instanceofHolds,
  };
}

export function cpuModel(): string {
  try {
    const line = fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    if (line) return line.split(':')[1].trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

export function packageVersion(name: string): string {
  const file = require.resolve(`${name}/package.json`);
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

export function gitState(): { gitCommit: string; gitDirty: boolean } {
  const cwd = path.join(__dirname, '..');
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return { gitCommit: commit, gitDirty: status.length > 0 };
  } catch {
    return { gitCommit: 'unknown', gitDirty: false };
  }
}
