/**
 * The final tables on stdout: one row per scenario and target, then the
 * ratios of ours against each peer (a peer that cannot run a scenario gets
 * an n/a row saying why), then each target's txn/put ratio.
 */
import type { Ratio, TargetSummary, TxnPutRatio } from './summary.js';

export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => cell.padStart(widths[column] ?? 0)).join('  ');
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

const mib = (bytes: number | undefined) => (bytes === undefined ? '-' : `${(bytes / 2 ** 20).toFixed(0)}`);

export function summaryTable(summaries: readonly TargetSummary[]): string {
  return formatTable(
    ['scenario', 'target', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'errors', 'conflict %', 'peak RSS MiB', 'resent', 'lost'],
    summaries.map((s) => [
      s.scenario,
      s.target,
      s.reqPerSec.toFixed(0),
      s.latencyP50Ms.toFixed(1),
      s.latencyP99Ms.toFixed(1),
      String(s.requests),
      String(s.errors),
      (s.conflictRate * 100).toFixed(1),
      mib(s.peakRssBytes),
      String(s.reusedSignedRequests),
      s.lostWrites === undefined ? '-' : String(s.lostWrites),
    ]),
  );
}

/** A scenario a peer did not run, and why. */
export interface NotApplicable {
  scenario: string;
  ours: string;
  versus: string;
  reason: string;
}

export function ratioTable(ratioRows: readonly Ratio[], notApplicable: readonly NotApplicable[] = []): string {
  const rows = [
    ...ratioRows.map((r) => ({ scenario: r.scenario, cells: [r.scenario, `${r.ours}/${r.versus}`, `${r.reqPerSec.toFixed(2)}x`, `${r.latencyP99.toFixed(2)}x`, ''] })),
    ...notApplicable.map((n) => ({ scenario: n.scenario, cells: [n.scenario, `${n.ours}/${n.versus}`, 'n/a', 'n/a', n.reason] })),
  ];
  // Group by scenario, in the order scenarios first appear; Array.prototype.sort is stable.
  const order = [...new Set(rows.map((row) => row.scenario))];
  rows.sort((a, b) => order.indexOf(a.scenario) - order.indexOf(b.scenario));
  const table = formatTable(['scenario', 'ratio', 'req/s', 'p99', 'note'], rows.map((row) => row.cells));
  return table.split('\n').map((line) => line.trimEnd()).join('\n');
}

export function txnPutTable(rows: readonly TxnPutRatio[]): string {
  return formatTable(
    ['target', 'txn req/s', 'put req/s', 'txn/put'],
    rows.map((r) => [r.target, r.txnReqPerSec.toFixed(0), r.putReqPerSec.toFixed(0), `${r.ratio.toFixed(2)}x`]),
  );
}
