/**
 * A comparison: for each scenario, every target prepared (table or keys,
 * preload, a probe that the target supports the scenario), then `rounds`
 * rounds in which the targets run one after the other (ours, peer, peer,
 * ours, ...), so every target sees the same moments of a noisy shared
 * machine. What differs between the DynamoDB API and etcd's gateway lives
 * in protocols/.
 */
import type { BenchOptions } from './options.js';
import { measureRun, type RunMeasurement } from './measure/load-run.js';
import type { Target, TargetProtocol } from './peers/targets.js';
import { DYNAMODB_PROTOCOL } from './protocols/dynamodb.js';
import { ETCD_PROTOCOL } from './protocols/etcd.js';
import type { LoadProtocol, RequestCost } from './protocols/protocol.js';
import type { ScenarioContext, ScenarioName } from './scenarios/scenario.js';
import type { RunRecord } from './report/summary.js';
import { SIGNED_POOL_MAX } from './signing/signed-pool.js';

export type ComparisonSettings = Pick<BenchOptions, 'scenarios' | 'durationS' | 'connections' | 'rounds' | 'preloadKeys' | 'presign' | 'check'> & {
  targets: Target[];
};

export interface Skip {
  scenario: ScenarioName;
  target: string;
  reason: string;
}

export interface ComparisonResult {
  records: RunRecord[];
  skipped: Skip[];
  signing: { signed: number; signingMs: number; /** Signed inside measured windows (load-generator CPU). */ signedDuringRuns: number };
}

export const PROTOCOLS: Record<TargetProtocol, LoadProtocol> = { dynamodb: DYNAMODB_PROTOCOL, etcd: ETCD_PROTOCOL };

/** Presigning aims this much above the requests the previous round of a target sent. */
export const PRESIGN_HEADROOM = 1.2;

/**
 * How many requests to sign before a run: `configured` per endpoint (one
 * pool each), or more when an earlier round of the same target tells how
 * many it sends, so signing stays out of the measured window; bounded by
 * the pools' capacity (SIGNED_POOL_MAX each).
 */
export function presignCount(configured: number, previousRequests: number | undefined, endpoints = 1): number {
  const floor = configured * endpoints;
  const wanted = previousRequests === undefined ? floor : Math.max(floor, Math.ceil(previousRequests * PRESIGN_HEADROOM));
  return Math.min(wanted, SIGNED_POOL_MAX * endpoints);
}

/** Uniform randomness for key choice (not security). */
const random = Math.random;

async function prepareAll(scenario: ScenarioName, settings: ComparisonSettings, preloaded: Set<string>, skipped: Skip[]): Promise<Target[]> {
  const active: Target[] = [];
  for (const target of settings.targets) {
    const reason = await PROTOCOLS[target.protocol].prepare(scenario, target, settings.preloadKeys, preloaded);
    if (reason === undefined) active.push(target);
    else {
      skipped.push({ scenario, target: target.name, reason });
      process.stderr.write(`  skip ${scenario} on ${target.name}: ${reason}\n`);
    }
  }
  return active;
}

interface RoundSpec {
  scenario: ScenarioName;
  target: Target;
  round: number;
  runPrefix: string;
  previousRequests: number | undefined;
}

async function runOne(spec: RoundSpec, settings: ComparisonSettings): Promise<{ record: RunRecord; cost: RequestCost }> {
  const { scenario, target, round } = spec;
  const protocol = PROTOCOLS[target.protocol];
  const label = `${scenario} ${target.name} round ${round}/${settings.rounds}`;
  const context: ScenarioContext = { runPrefix: spec.runPrefix, preloadedKeys: settings.preloadKeys, random };
  const expected = presignCount(settings.presign, spec.previousRequests, target.endpoints.length);
  const requests = await protocol.open({ scenario, context, target, expected, label });
  let measured: RunMeasurement;
  let cost: RequestCost;
  try {
    measured = await measureRun(
      { endpoints: target.endpoints, durationS: settings.durationS, connections: settings.connections, label, pids: target.pids, classify: protocol.classify },
      requests,
    );
  } finally {
    cost = requests.finish();
  }
  const { ackedKeys, ackedKeysTruncated, ...numbers } = measured;
  const record: RunRecord = { scenario, target: target.name, round, ...numbers, reusedSignedRequests: cost.reused, signedDuringRun: cost.signedDuringRun };
  if (settings.check && target.storesData && ackedKeys.length > 0) {
    const checked = await protocol.check(target, ackedKeys, label);
    record.check = { ...checked, truncated: ackedKeysTruncated };
  }
  process.stderr.write(`  ${label}: ${measured.reqPerSec.toFixed(0)} req/s, p99 ${measured.latencyP99Ms} ms, errors ${measured.errors}, conflicts ${measured.conflicts}\n`);
  return { record, cost };
}

export async function runComparison(settings: ComparisonSettings): Promise<ComparisonResult> {
  const records: RunRecord[] = [];
  const skipped: Skip[] = [];
  const signing = { signed: 0, signingMs: 0, signedDuringRuns: 0 };
  const preloaded = new Set<string>();
  const stamp = Date.now().toString(36);
  for (const scenario of settings.scenarios) {
    const active = await prepareAll(scenario, settings, preloaded, skipped);
    const previousRequests = new Map<string, number>();
    for (let round = 1; round <= settings.rounds; round++) {
      for (const target of active) {
        const runPrefix = `${stamp}-${scenario}-r${round}`;
        const { record, cost } = await runOne({ scenario, target, round, runPrefix, previousRequests: previousRequests.get(target.name) }, settings);
        previousRequests.set(target.name, record.requests);
        records.push(record);
        signing.signed += cost.signed;
        signing.signingMs += cost.signingMs;
        signing.signedDuringRuns += cost.signedDuringRun;
      }
    }
  }
  return { records, skipped, signing };
}
