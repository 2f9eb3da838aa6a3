/**
 * ConsumedCapacity as DynamoDB reports it: one write unit per started KB
 * (the larger of the old and new item), one read unit per started 4 KB,
 * half for eventually consistent reads, double for transactional work.
 */
import { itemSizeBytes } from '../../../engine/attributes/size.js';
import type { Item } from '../../../engine/types.js';

export type ReturnConsumedCapacity = 'INDEXES' | 'TOTAL' | 'NONE' | undefined;

export interface CapacityUse {
  tableName: string;
  units: number;
}

export function writeUnits(...items: Array<Item | undefined>): number {
  const bytes = Math.max(0, ...items.map((item) => (item === undefined ? 0 : itemSizeBytes(item))));
  return Math.max(1, Math.ceil(bytes / 1024));
}

export function readUnits(item: Item | undefined, consistent: boolean): number {
  const bytes = item === undefined ? 0 : itemSizeBytes(item);
  const units = Math.max(1, Math.ceil(bytes / 4096));
  return consistent ? units : units / 2;
}

/**
 * The ConsumedCapacity member for one table, or undefined when not asked for.
 * `use` is only called when asked for: sizing items is work most requests skip.
 */
export function consumedCapacity(mode: ReturnConsumedCapacity, measure: () => CapacityUse): Record<string, unknown> | undefined {
  if (!asked(mode)) return undefined;
  return capacityOf(mode, measure());
}

function asked(mode: ReturnConsumedCapacity): mode is 'TOTAL' | 'INDEXES' {
  return mode === 'TOTAL' || mode === 'INDEXES';
}

function capacityOf(mode: 'TOTAL' | 'INDEXES', use: CapacityUse): Record<string, unknown> {
  const capacity: Record<string, unknown> = { TableName: use.tableName, CapacityUnits: use.units };
  if (mode === 'INDEXES') capacity.Table = { CapacityUnits: use.units };
  return capacity;
}

/** ConsumedCapacity for several tables (batches, transactions): one entry per table, in first-use order. */
export function consumedCapacities(
  mode: ReturnConsumedCapacity,
  measure: () => readonly CapacityUse[],
): Array<Record<string, unknown>> | undefined {
  if (!asked(mode)) return undefined;
  const totals = new Map<string, number>();
  for (const use of measure()) totals.set(use.tableName, (totals.get(use.tableName) ?? 0) + use.units);
  return [...totals].map(([tableName, units]) => capacityOf(mode, { tableName, units }));
}
