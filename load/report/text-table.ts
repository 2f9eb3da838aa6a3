/**
 * The final tables on stdout: one row per scenario and target, then the
 * ratios of ours against each peer.
 */
import type { Ratio, TargetSummary } from './summary.js';

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

export function ratioTable(ratioRows: readonly Ratio[]): string {
  return formatTable(
    ['scenario', 'ratio', 'req/s', 'p99'],
    ratioRows.map((r) => [r.scenario, `${r.ours}/${r.versus}`, `${r.reqPerSec.toFixed(2)}x`, `${r.latencyP99.toFixed(2)}x`]),
  );
}
