/**
 * The top-level layout of the one ordered keyspace every node stores.
 *
 *   0x00 | name                  system records (catalog, oracle ceiling, tokens,
 *                                transaction records: txn/ | primary | startTs)
 *   0x10 | itemKey               the head: the newest version of an item
 *   0x11 | itemKey               the lock (intent) of an uncommitted transaction
 *   0x12 | itemKey | ~commitTs   every version (history), newest first per item
 *
 * The head repeats the newest version at a fixed key, so the common read, at a
 * timestamp at or above the newest commit, is a single point lookup; only a
 * read below the head's commit timestamp seeks into the history. `itemKey` is the
 * prefix-free order-preserving encoding of engine/keys, so the versions of one
 * item are contiguous and never interleave with another item's. The history
 * timestamp is stored inverted (2^64 - 1 - ts) so that a forward seek to
 * `itemKey | ~T` lands on the newest older version with commitTs <= T.
 */
import { TIMESTAMP_BYTES } from '../timestamp-source.js';

export const SYSTEM_PREFIX = 0x00;
export const HEAD_PREFIX = 0x10;
export const LOCK_PREFIX = 0x11;
export const HISTORY_PREFIX = 0x12;

export const MAX_U64 = (1n << 64n) - 1n;

export function systemKey(name: string): Buffer {
  return Buffer.concat([Buffer.of(SYSTEM_PREFIX), Buffer.from(name, 'utf8')]);
}

export function headKey(itemKey: Buffer): Buffer {
  return prefixed(HEAD_PREFIX, itemKey);
}

export function lockKey(itemKey: Buffer): Buffer {
  return prefixed(LOCK_PREFIX, itemKey);
}

const TXN_RECORD_NAME = 'txn/';

/**
 * The record of a two-phase transaction's decision (committed or rolled back),
 * named by its primary key and start timestamp; it lives on the primary's range.
 */
export function txnRecordKey(primary: Buffer, startTs: bigint): Buffer {
  const ts = Buffer.allocUnsafe(TIMESTAMP_BYTES);
  ts.writeBigUInt64BE(startTs);
  return Buffer.concat([systemKey(TXN_RECORD_NAME), primary, ts]);
}

export function historyKey(itemKey: Buffer, commitTs: bigint): Buffer {
  const out = Buffer.allocUnsafe(1 + itemKey.length + TIMESTAMP_BYTES);
  out[0] = HISTORY_PREFIX;
  itemKey.copy(out, 1);
  out.writeBigUInt64BE(MAX_U64 - commitTs, 1 + itemKey.length);
  return out;
}

export function splitHistoryKey(key: Buffer): { itemKey: Buffer; commitTs: bigint } {
  const itemKey = key.subarray(1, key.length - TIMESTAMP_BYTES);
  const inverted = key.readBigUInt64BE(key.length - TIMESTAMP_BYTES);
  return { itemKey, commitTs: MAX_U64 - inverted };
}

/** The item key inside a head or lock key. */
export function itemKeyOf(key: Buffer): Buffer {
  return key.subarray(1);
}

/** The bounds, under `prefix`, of the item-key span [start, end). */
export function spanUnder(prefix: number, start: Buffer, end: Buffer): { gte: Buffer; lt: Buffer } {
  return { gte: prefixed(prefix, start), lt: prefixed(prefix, end) };
}

/** Everything under one prefix byte. */
export function prefixSpace(prefix: number): { gte: Buffer; lt: Buffer } {
  return { gte: Buffer.of(prefix), lt: Buffer.of(prefix + 1) };
}

function prefixed(prefix: number, itemKey: Buffer): Buffer {
  const out = Buffer.allocUnsafe(1 + itemKey.length);
  out[0] = prefix;
  itemKey.copy(out, 1);
  return out;
}
