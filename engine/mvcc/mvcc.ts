/**
 * MVCC reads and writes over the KvStore (DESIGN.md section 4). A read at T
 * sees the newest version with commitTs <= T; a tombstone reads as absent.
 * Writes are returned as KvWrites so that a caller can put the versions of
 * many items (and its own records) into one atomic, durable batch.
 */
import type { KvStore, KvWrite } from '../storage/kv-store.js';
import type { Item } from '../types.js';
import { splitVersionKey, versionKey, versionSpan } from './layout.js';
import { decodeVersionValue, encodeVersionValue } from './version-value.js';

export interface VersionRead {
  /** `undefined` when the newest visible version is a tombstone or there is none. */
  item: Item | undefined;
  /** Commit timestamp of the version read, or `undefined` when there was none. */
  commitTs: bigint | undefined;
}

const NO_VERSION: VersionRead = { item: undefined, commitTs: undefined };

export async function readVersion(store: KvStore, itemKey: Buffer, readTs: bigint): Promise<VersionRead> {
  const range = { gte: versionKey(itemKey, readTs), lte: versionKey(itemKey, 0n), limit: 1 };
  for await (const [key, value] of store.iterate(range)) {
    return { item: decodeVersionValue(value), commitTs: splitVersionKey(key).commitTs };
  }
  return NO_VERSION;
}

export function versionWrite(itemKey: Buffer, commitTs: bigint, item: Item | undefined): KvWrite {
  return { type: 'put', key: versionKey(itemKey, commitTs), value: encodeVersionValue(item) };
}

export interface VisibleItem {
  itemKey: Buffer;
  item: Item;
  commitTs: bigint;
}

/**
 * The items visible at `readTs` in the item-key span [start, end), in key
 * order. Skips versions newer than `readTs`, older shadowed versions and
 * tombstones.
 */
export async function* scanVisible(
  store: KvStore,
  start: Buffer,
  end: Buffer,
  readTs: bigint,
): AsyncGenerator<VisibleItem> {
  let current: Buffer | undefined;
  let resolved = false;
  for await (const [key, value] of store.iterate(versionSpan(start, end))) {
    const { itemKey, commitTs } = splitVersionKey(key);
    if (current === undefined || !itemKey.equals(current)) {
      current = Buffer.from(itemKey);
      resolved = false;
    }
    if (resolved || commitTs > readTs) continue;
    resolved = true;
    const item = decodeVersionValue(value);
    if (item !== undefined) yield { itemKey: current, item, commitTs };
  }
}
