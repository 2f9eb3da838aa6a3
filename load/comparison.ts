/**
 * A comparison: for each scenario, every target prepared (table, preload,
 * a probe that the target supports the scenario), then `rounds` rounds in
 * which the targets run one after the other (ours, peer, peer, ours, ...),
 * so every target sees the same moments of a noisy shared machine.
 */
import { DynamoHttpClient } from './dynamo-http.js';
import type { BenchOptions } from './options.js';
import { measureRun } from './measure/load-run.js';
import { progressBar } from './measure/progress.js';
import type { Target } from './peers/targets.js';
import { SCENARIOS } from './scenarios/catalog.js';
import { errorTypeOf, type ScenarioContext, type ScenarioName } from './scenarios/scenario.js';
import type { RunRecord } from './report/summary.js';
import { endpointOf, RequestSigner } from './signing/request-signer.js';
import { SIGNED_POOL_MAX, SignedRequestPool } from './signing/signed-pool.js';
import { checkAcknowledged, ensureTable, preload } from './table-setup.js';

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

/** Presigning aims this much above the requests the previous round of a target sent. */
export const PRESIGN_HEADROOM = 1.2;

/**
 * How many requests to sign before a run: enough for the whole run when an
 * earlier round of the same target tells how many it sends, so signing
 * stays out of the measured window; bounded by the pool's capacity.
 */
export function presignCount(configured: number, previousRequests: number | undefined): number {
  const wanted = previousRequests === undefined ? configured : Math.max(configured, Math.ceil(previousRequests * PRESIGN_HEADROOM));
  return Math.min(wanted, SIGNED_POOL_MAX);
}

/** Uniform randomness for key choice (not security). */
const random = Math.random;

async function prepare(scenario: ScenarioName, target: Target, settings: ComparisonSettings, preloaded: Set<string>): Promise<string | undefined> {
  if (!target.storesData) return undefined;
  const client = new DynamoHttpClient(target.endpoint);
  try {
    await ensureTable(client);
    const definition = SCENARIOS[scenario];
    if (definition.needsPreload && !preloaded.has(target.name)) {
      await preload(client, settings.preloadKeys, target.name);
      preloaded.add(target.name);
    }
    const probe = definition.generator({ runPrefix: `probe-${scenario}`, preloadedKeys: settings.preloadKeys, random })();
    const answer = await client.raw(probe.operation, probe.body);
    const errorType = errorTypeOf(answer.body);
    if (errorType === 'UnknownOperationException') return `${target.name} does not implement ${probe.operation} (UnknownOperationException)`;
    return undefined;
  } finally {
    client.close();
  }
}

export async function runComparison(settings: ComparisonSettings): Promise<ComparisonResult> {
  const records: RunRecord[] = [];
  const skipped: Skip[] = [];
  const signing = { signed: 0, signingMs: 0, signedDuringRuns: 0 };
  const preloaded = new Set<string>();
  const stamp = Date.now().toString(36);
  for (const scenario of settings.scenarios) {
    const active: Target[] = [];
    for (const target of settings.targets) {
      const reason = await prepare(scenario, target, settings, preloaded);
      if (reason === undefined) active.push(target);
      else {
        skipped.push({ scenario, target: target.name, reason });
        process.stderr.write(`  skip ${scenario} on ${target.name}: ${reason}\n`);
      }
    }
    const previousRequests = new Map<string, number>();
    for (let round = 1; round <= settings.rounds; round++) {
      for (const target of active) {
        const label = `${scenario} ${target.name} round ${round}/${settings.rounds}`;
        const context: ScenarioContext = { runPrefix: `${stamp}-${scenario}-r${round}`, preloadedKeys: settings.preloadKeys, random };
        const pool = new SignedRequestPool(new RequestSigner(endpointOf(target.endpoint)), SCENARIOS[scenario].generator(context));
        const presign = presignCount(settings.presign, previousRequests.get(target.name));
        await pool.fill(presign, progressBar(`sign ${label}`, presign));
        pool.startRefill();
        let measured;
        try {
          measured = await measureRun(
            { endpoint: target.endpoint, durationS: settings.durationS, connections: settings.connections, label, ...(target.pid === undefined ? {} : { pid: target.pid }) },
            pool,
          );
        } finally {
          pool.stop();
        }
        previousRequests.set(target.name, measured.requests);
        signing.signed += pool.stats.signed;
        signing.signedDuringRuns += pool.stats.signed - presign;
        signing.signingMs += pool.stats.signingMs;
        const { ackedKeys, ackedKeysTruncated, ...numbers } = measured;
        const record: RunRecord = {
          scenario,
          target: target.name,
          round,
          ...numbers,
          reusedSignedRequests: pool.stats.reused,
          signedDuringRun: pool.stats.signed - presign,
        };
        if (settings.check && target.storesData && ackedKeys.length > 0) {
          const client = new DynamoHttpClient(target.endpoint);
          try {
            const checked = await checkAcknowledged(client, ackedKeys, label);
            record.check = { ...checked, truncated: ackedKeysTruncated };
          } finally {
            client.close();
          }
        }
        records.push(record);
        process.stderr.write(`  ${label}: ${measured.reqPerSec.toFixed(0)} req/s, p99 ${measured.latencyP99Ms} ms, errors ${measured.errors}, conflicts ${measured.conflicts}\n`);
      }
    }
  }
  return { records, skipped, signing };
}
