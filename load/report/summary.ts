/**
 * The numbers of a comparison: per-run records, their summary per scenario
 * and target over the rounds, and the ratios of ours against each peer,
 * computed from runs of the same invocation (the machine is shared and noisy,
 * so only same-run ratios mean much). Pure functions.
 */

/** What one measured run yields (measure/load-run.ts fills it). */
export interface RunNumbers {
  requests: number;
  durationS: number;
  reqPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  ok: number;
  /** Expected transaction conflicts (TransactionCanceled/Conflict), not errors. */
  conflicts: number;
  /** Non-2xx answers other than conflicts, plus socket errors and timeouts. */
  errors: number;
  /** Count per `<status> <__type>`, for the report. */
  errorTypes: Record<string, number>;
  /** Successes per endpoint (`host:port`): how the load spread over a cluster's members. */
  okPerEndpoint?: Record<string, number>;
  /** Summed over the target's processes (a cluster's nodes). */
  peakRssBytes?: number;
}

export interface RunRecord extends RunNumbers {
  scenario: string;
  target: string;
  round: number;
  /** Requests sent again because signing fell behind (see SignedRequestPool). */
  reusedSignedRequests: number;
  /** Requests signed inside the measured window, on the load generator's CPU. */
  signedDuringRun: number;
  check?: { checked: number; missingCount: number; missingSample: string[]; truncated: boolean };
}

export interface TargetSummary {
  scenario: string;
  target: string;
  rounds: number;
  /** Mean over the rounds. */
  reqPerSec: number;
  /** Mean over the rounds. */
  latencyP99Ms: number;
  latencyP50Ms: number;
  requests: number;
  errors: number;
  conflicts: number;
  /** conflicts / (ok + conflicts). */
  conflictRate: number;
  peakRssBytes?: number;
  reusedSignedRequests: number;
  lostWrites?: number;
}

export interface Ratio {
  scenario: string;
  ours: string;
  versus: string;
  /** ours / versus: above 1 means we answer more requests per second. */
  reqPerSec: number;
  /** ours / versus: below 1 means our p99 latency is lower. */
  latencyP99: number;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

export function summarize(records: readonly RunRecord[]): TargetSummary[] {
  const groups = new Map<string, RunRecord[]>();
  for (const record of records) {
    const key = `${record.scenario}\u0000${record.target}`;
    const group = groups.get(key) ?? [];
    group.push(record);
    groups.set(key, group);
  }
  return [...groups.values()].map((runs) => {
    const first = runs[0] as RunRecord;
    const ok = sum(runs.map((run) => run.ok));
    const conflicts = sum(runs.map((run) => run.conflicts));
    const rss = runs.flatMap((run) => (run.peakRssBytes === undefined ? [] : [run.peakRssBytes]));
    const checks = runs.flatMap((run) => (run.check ? [run.check] : []));
    return {
      scenario: first.scenario,
      target: first.target,
      rounds: runs.length,
      reqPerSec: mean(runs.map((run) => run.reqPerSec)),
      latencyP99Ms: mean(runs.map((run) => run.latencyP99Ms)),
      latencyP50Ms: mean(runs.map((run) => run.latencyP50Ms)),
      requests: sum(runs.map((run) => run.requests)),
      errors: sum(runs.map((run) => run.errors)),
      conflicts,
      conflictRate: ok + conflicts === 0 ? 0 : conflicts / (ok + conflicts),
      ...(rss.length > 0 ? { peakRssBytes: Math.max(...rss) } : {}),
      reusedSignedRequests: sum(runs.map((run) => run.reusedSignedRequests)),
      ...(checks.length > 0 ? { lostWrites: sum(checks.map((check) => check.missingCount)) } : {}),
    };
  });
}

/** Ours against every other target of the same scenario. */
export function ratios(summaries: readonly TargetSummary[], ours: string): Ratio[] {
  const result: Ratio[] = [];
  for (const mine of summaries.filter((summary) => summary.target === ours)) {
    for (const peer of summaries.filter((summary) => summary.scenario === mine.scenario && summary.target !== ours)) {
      result.push({
        scenario: mine.scenario,
        ours,
        versus: peer.target,
        reqPerSec: peer.reqPerSec > 0 ? mine.reqPerSec / peer.reqPerSec : Number.NaN,
        latencyP99: peer.latencyP99Ms > 0 ? mine.latencyP99Ms / peer.latencyP99Ms : Number.NaN,
      });
    }
  }
  return result;
}

/** A target's TransactWriteItems rate as a share of its PutItem rate, both from the same invocation. */
export interface TxnPutRatio {
  target: string;
  txnReqPerSec: number;
  putReqPerSec: number;
  /** txn req/s / put req/s. */
  ratio: number;
}

/** For every target that ran both `put` and `txn`: the ratio of their rates. */
export function txnPutRatios(summaries: readonly TargetSummary[]): TxnPutRatio[] {
  const result: TxnPutRatio[] = [];
  for (const txn of summaries.filter((summary) => summary.scenario === 'txn')) {
    const put = summaries.find((summary) => summary.scenario === 'put' && summary.target === txn.target);
    if (put === undefined) continue;
    result.push({ target: txn.target, txnReqPerSec: txn.reqPerSec, putReqPerSec: put.reqPerSec, ratio: put.reqPerSec > 0 ? txn.reqPerSec / put.reqPerSec : Number.NaN });
  }
  return result;
}
