/**
 * One reading of a KvRange shared by every adapter, so they agree on the edge
 * cases: when both `gt` and `gte` (or `lt` and `lte`) are given the tighter
 * bound wins, an empty buffer is a real bound (nothing is below it), and a
 * limit of zero or less yields nothing while an absent one means "no limit".
 */
import { InvalidKvKeyError } from './storage-errors.js';
import type { KvRange, KvWrite } from './kv-store.js';

export interface Bound {
  key: Buffer;
  inclusive: boolean;
}

export interface NormalizedRange {
  lower?: Bound;
  upper?: Bound;
  reverse: boolean;
  /** Infinity when the range has no limit. */
  limit: number;
  /** True when no key can be inside the range, so adapters can skip the scan. */
  empty: boolean;
}

export function normalizeRange(range: KvRange): NormalizedRange {
  const lower = tighter(bound(range.gt, false), bound(range.gte, true), 1);
  const upper = tighter(bound(range.lt, false), bound(range.lte, true), -1);
  const limit = range.limit === undefined ? Infinity : Math.max(0, Math.floor(range.limit));
  return { lower, upper, reverse: range.reverse === true, limit, empty: limit === 0 || isEmptySpan(lower, upper) };
}

export function aboveLower(key: Buffer, lower: Bound | undefined): boolean {
  if (lower === undefined) return true;
  const c = Buffer.compare(key, lower.key);
  return c > 0 || (c === 0 && lower.inclusive);
}

export function belowUpper(key: Buffer, upper: Bound | undefined): boolean {
  if (upper === undefined) return true;
  const c = Buffer.compare(key, upper.key);
  return c < 0 || (c === 0 && upper.inclusive);
}

/** Both adapters refuse the same keys, before touching any data. */
export function checkWrites(batch: readonly KvWrite[]): void {
  for (const write of batch) checkKey(write.key);
}

export function checkKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length === 0) throw new InvalidKvKeyError();
}

function bound(key: Buffer | undefined, inclusive: boolean): Bound | undefined {
  return key === undefined ? undefined : { key, inclusive };
}

/** direction 1: the larger key is tighter (a lower bound); -1: the smaller is. */
function tighter(a: Bound | undefined, b: Bound | undefined, direction: 1 | -1): Bound | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const c = Buffer.compare(a.key, b.key) * direction;
  if (c !== 0) return c > 0 ? a : b;
  return a.inclusive ? b : a; // same key: the exclusive one is tighter
}

function isEmptySpan(lower: Bound | undefined, upper: Bound | undefined): boolean {
  // Keys are never empty, so an upper bound at the empty buffer excludes everything.
  if (upper !== undefined && upper.key.length === 0) return true;
  if (lower === undefined || upper === undefined) return false;
  const c = Buffer.compare(lower.key, upper.key);
  return c > 0 || (c === 0 && !(lower.inclusive && upper.inclusive));
}
