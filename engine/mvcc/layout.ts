/**
 * The top-level layout of the one ordered keyspace every node stores.
 *
 *   0x00 | name ...            system records (catalog, oracle ceiling, tokens)
 *   0x10 | itemKey | ~ts       MVCC versions of items, newest first per key
 *   0x11 | itemKey             the lock (intent) of an uncommitted transaction
 *
 * `itemKey` is the prefix-free order-preserving encoding of engine/keys, so the
 * versions of one item are contiguous and never interleave with another item's.
 * The commit timestamp is stored inverted (2^64 - 1 - ts) so that a forward
 * seek to `itemKey | ~T` lands on the newest version with commitTs <= T.
 */
import { TIMESTAMP_BYTES } from '../timestamp-source.js';

export const SYSTEM_PREFIX = 0x00;
export const VERSION_PREFIX = 0x10;
export const LOCK_PREFIX = 0x11;

const MAX_U64 = (1n << 64n) - 1n;

export function systemKey(name: string): Buffer {
  return Buffer.concat([Buffer.of(SYSTEM_PREFIX), Buffer.from(name, 'utf8')]);
}

export function versionKey(itemKey: Buffer, commitTs: bigint): Buffer {
  const out = Buffer.allocUnsafe(1 + itemKey.length + TIMESTAMP_BYTES);
  out[0] = VERSION_PREFIX;
  itemKey.copy(out, 1);
  out.writeBigUInt64BE(MAX_U64 - commitTs, 1 + itemKey.length);
  return out;
}

/** All versions of one item: [itemKey | ~MAX, itemKey | ~0]. */
export function versionSpanOf(itemKey: Buffer): { gte: Buffer; lte: Buffer } {
  return { gte: versionKey(itemKey, MAX_U64), lte: versionKey(itemKey, 0n) };
}

export function splitVersionKey(key: Buffer): { itemKey: Buffer; commitTs: bigint } {
  const itemKey = key.subarray(1, key.length - TIMESTAMP_BYTES);
  const inverted = key.readBigUInt64BE(key.length - TIMESTAMP_BYTES);
  return { itemKey, commitTs: MAX_U64 - inverted };
}

export function lockKey(itemKey: Buffer): Buffer {
  return Buffer.concat([Buffer.of(LOCK_PREFIX), itemKey]);
}

/** The version-space bounds of an item-key span [start, end). */
export function versionSpan(start: Buffer, end: Buffer): { gte: Buffer; lt: Buffer } {
  return {
    gte: Buffer.concat([Buffer.of(VERSION_PREFIX), start]),
    lt: Buffer.concat([Buffer.of(VERSION_PREFIX), end]),
  };
}
