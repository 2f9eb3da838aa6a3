/**
 * MVCC reads and writes over the KvStore (DESIGN.md section 4; layout in
 * layout.ts). A read at T sees the newest version with commitTs <= T; a
 * tombstone reads as absent. Writes are returned as KvWrites so that a caller
 * can put the versions of many items (and its own records) into one atomic,
 * durable batch.
 */
import type { KvStore, KvWrite } from '../storage/kv-store.js';
import type { Item } from '../types.js';
import { HEAD_PREFIX, headKey, historyKey, itemKeyOf, spanUnder, splitHistoryKey } from './layout.js';
import { decodeVersion, encodeHead, encodeVersion, splitHead } from './version-value.js';

export interface VersionRead {
  /** `undefined` when the newest visible version is a tombstone or there is none. */
  item: Item | undefined;
  /** Commit timestamp of the version read, or `undefined` when there was none. */
  commitTs: bigint | undefined;
}

/** The newest version of an item, still encoded. */
export interface Head {
  commitTs: bigint;
  version: Buffer;
}

const NO_VERSION: VersionRead = { item: undefined, commitTs: undefined };

export async function readHead(store: KvStore, itemKey: Buffer): Promise<Head | undefined> {
  const value = await store.get(headKey(itemKey));
  return value === undefined ? undefined : splitHead(value);
}

export function decodeHead(head: Head | undefined): VersionRead {
  return head === undefined ? NO_VERSION : { item: decodeVersion(head.version), commitTs: head.commitTs };
}

export function isTombstone(head: Head | undefined): boolean {
  return head !== undefined && decodeVersion(head.version) === undefined;
}

export async function readVersion(store: KvStore, itemKey: Buffer, readTs: bigint): Promise<VersionRead> {
  const head = await readHead(store, itemKey);
  if (head === undefined) return NO_VERSION;
  if (head.commitTs <= readTs) return decodeHead(head);
  return readHistory(store, itemKey, readTs);
}

async function readHistory(store: KvStore, itemKey: Buffer, readTs: bigint): Promise<VersionRead> {
  const range = { gte: historyKey(itemKey, readTs), lte: historyKey(itemKey, 0n), limit: 1 };
  for await (const [key, value] of store.iterate(range)) {
    return { item: decodeVersion(value), commitTs: splitHistoryKey(key).commitTs };
  }
  return NO_VERSION;
}

/**
 * The writes that make `item` (or a tombstone) the newest version: the head,
 * and the same version in the history. Every version is in the history from
 * the moment it is written, so a write needs nothing from the version it
 * replaces and a blind write (no condition, nothing returned, no index) reads
 * nothing at all.
 */
export function versionWrites(itemKey: Buffer, commitTs: bigint, item: Item | undefined): KvWrite[] {
  const version = encodeVersion(item);
  return [
    { type: 'put', key: headKey(itemKey), value: encodeHead(commitTs, version) },
    { type: 'put', key: historyKey(itemKey, commitTs), value: version },
  ];
}

export interface VisibleItem {
  itemKey: Buffer;
  item: Item;
  commitTs: bigint;
}

/**
 * The items visible at `readTs` in the item-key span [start, end), in key
 * order (or reverse key order). Heads newer than `readTs` fall back to the
 * history.
 */
export async function* scanVisible(
  store: KvStore,
  start: Buffer,
  end: Buffer,
  readTs: bigint,
  reverse = false,
): AsyncGenerator<VisibleItem> {
  for await (const [key, value] of store.iterate({ ...spanUnder(HEAD_PREFIX, start, end), reverse })) {
    const itemKey = Buffer.from(itemKeyOf(key));
    const head = splitHead(value);
    const visible = head.commitTs <= readTs ? decodeHead(head) : await readHistory(store, itemKey, readTs);
    if (visible.item !== undefined && visible.commitTs !== undefined) {
      yield { itemKey, item: visible.item, commitTs: visible.commitTs };
    }
  }
}
