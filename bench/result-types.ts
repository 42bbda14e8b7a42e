import type { CFN_LIMITS, PRICES } from './settings';
import type { ImplementationId } from './topologies';

/** What the bench measures: its options and results (also the shape of results.json). */

export interface BenchOptions {
  /** Subscriber counts to measure. */
  readonly sizes: number[];
  /** Timed runs per implementation and size (after warm-up). */
  readonly runs: number;
  /** Untimed runs per implementation and size before the timed ones. */
  readonly warmup: number;
  /** Progress lines (default: none). */
  readonly log?: (line: string) => void;
}

export interface TopologyCounts {
  readonly topics: number;
  readonly queues: number;
  readonly subscriptions: number;
  readonly deadLetterQueues: number;
  readonly kmsKeys: number;
}

export interface Measurement {
  readonly implementation: ImplementationId;
  readonly title: string;
  readonly synthMs: { readonly median: number; readonly min: number; readonly max: number; readonly samples: number[] };
  readonly resources: number;
  /** Resources of the same implementation with 0 subscribers (topic, key(s), policies). */
  readonly fixedResources: number;
  /** (resources - fixedResources) / N: what each subscriber adds. */
  readonly resourcesPerSubscriber: number;
  readonly resourceTypes: Record<string, number>;
  readonly templateBytes: number;
  readonly kmsKeys: number;
  readonly interfaceEndpointAzs: number;
  readonly fixedMonthlyUsd: number;
  readonly fitsLimits: { readonly resources: boolean; readonly templateBytes: boolean };
  readonly topology: TopologyCounts;
  /** Warnings or errors in the synth's validation report (annotations, CloudFormation validation). */
  readonly synthFindings: number;
}

export interface SizeResult {
  readonly subscribers: number;
  readonly measurements: Measurement[];
  /** ours / floor and ours / peer for each figure. */
  readonly ratios: Record<'oursOverFloor' | 'oursOverPeer', Record<RatioKey, number>>;
  /**
   * Median over the timed rounds of ours' time divided by the other's time in the same round: on a
   * shared machine this cancels slow periods that hit a whole round (the table shows ratios of medians).
   */
  readonly pairedSynthRatio: { readonly oursOverFloor: number; readonly oursOverPeer: number };
}

export type RatioKey = 'synthMedianMs' | 'resources' | 'resourcesPerSubscriber' | 'templateBytes' | 'kmsKeys' | 'fixedMonthlyUsd';

export interface BenchMeta {
  readonly date: string;
  readonly node: string;
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly loadAverageStart: number[];
  readonly loadAverageEnd: number[];
  readonly platform: string;
  readonly awsCdkLib: string;
  readonly constructs: string;
  readonly peerPackage: string;
  readonly gitCommit: string;
  readonly gitDirty: boolean;
  readonly runs: number;
  readonly warmup: number;
  readonly context: string;
  readonly sameAwsCdkLib: SameCdkCheck;
  readonly prices: typeof PRICES;
  readonly limits: typeof CFN_LIMITS;
}

export interface SameCdkCheck {
  /** aws-cdk-lib's directory (relative to the repository) as resolved by the bench (ours, floor). */
  readonly bench: string;
  /** aws-cdk-lib as resolved from @aws-solutions-constructs/aws-sns-sqs and from its core package. */
  readonly peer: string;
  readonly peerCore: string;
  /** A peer-built queue is an `sqs.Queue` of the bench's aws-cdk-lib (one module instance). */
  readonly instanceofHolds: boolean;
  readonly same: boolean;
}

export interface BenchResults {
  readonly meta: BenchMeta;
  readonly results: SizeResult[];
}
