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

/** The ConsumedCapacity member for one table, or undefined when not asked for. */
export function consumedCapacity(mode: ReturnConsumedCapacity, use: CapacityUse): Record<string, unknown> | undefined {
  if (mode !== 'TOTAL' && mode !== 'INDEXES') return undefined;
  const capacity: Record<string, unknown> = { TableName: use.tableName, CapacityUnits: use.units };
  if (mode === 'INDEXES') capacity.Table = { CapacityUnits: use.units };
  return capacity;
}

/** ConsumedCapacity for several tables (transactions): one entry per table, in first-use order. */
export function consumedCapacities(mode: ReturnConsumedCapacity, uses: readonly CapacityUse[]): Array<Record<string, unknown>> | undefined {
  if (mode !== 'TOTAL' && mode !== 'INDEXES') return undefined;
  const totals = new Map<string, number>();
  for (const use of uses) totals.set(use.tableName, (totals.get(use.tableName) ?? 0) + use.units);
  return [...totals].map(([tableName, units]) => consumedCapacity(mode, { tableName, units })!);
}
