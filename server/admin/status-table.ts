/**
 * Renders /admin/nodes and /admin/ranges as the plain-text tables the
 * `status` command prints. Leaders of the TSO and meta groups are marked.
 */
import type { NodeInfo, RangeStatus } from './node-status.js';

/** Span keys longer than this are shortened in the table (the JSON has them whole). */
export const SPAN_HEX_MAX_CHARS = 16;

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function shortHex(hex: string): string {
  if (hex === '') return '(start)';
  return hex.length > SPAN_HEX_MAX_CHARS ? `${hex.slice(0, SPAN_HEX_MAX_CHARS)}…` : hex;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function formatNodes(nodes: readonly NodeInfo[]): string {
  const rows = nodes.map((node) => [
    String(node.nodeId),
    node.httpAddress ?? '-',
    node.version,
    `${Math.floor(node.uptimeSeconds)}s`,
    node.role,
    [node.tsoLeader ? 'TSO leader' : '', node.metaLeader ? 'meta leader' : ''].filter((mark) => mark !== '').join(', ') || '-',
  ]);
  return table(['NODE', 'ADDRESS', 'VERSION', 'UPTIME', 'ROLE', 'LEADS'], rows);
}

export function formatRanges(ranges: readonly RangeStatus[]): string {
  const rows = ranges.map((range) => [
    String(range.rangeId),
    range.table ?? '-',
    shortHex(range.start),
    shortHex(range.end),
    String(range.leader),
    range.replicas.join(','),
    String(range.applied),
    formatBytes(range.approximateBytes),
    String(range.locks),
  ]);
  return table(['RANGE', 'TABLE', 'START', 'END', 'LEADER', 'REPLICAS', 'APPLIED', 'SIZE', 'LOCKS'], rows);
}

export function formatStatus(nodes: readonly NodeInfo[], ranges: readonly RangeStatus[]): string {
  return `Nodes\n${formatNodes(nodes)}\n\nRanges\n${formatRanges(ranges)}\n`;
}
