/**
 * The keys a range owns in its node's shared store: everything a replica of
 * the range [start, end) writes, and nothing another range writes. A range's
 * snapshot is these keys; installing one replaces exactly these keys; garbage
 * collection confined to a range can walk them.
 *
 *   - its items: head, lock and every history version of each item key in
 *     the span (contiguous under each prefix, engine/mvcc/layout.ts);
 *   - the records of the transactions whose primary is in the span (the
 *     decision, and the heartbeat of a pending one), kept under system names
 *     followed by primary | startTs, so contiguous by primary too;
 *   - the secondary-index entries of its items, every version and any lock.
 *     These live in each index's own keyspace, mixed with the entries of
 *     other ranges' items, ordered by index key: an entry's owner is found
 *     from its key, which ends with the table's primary-key components
 *     (engine/items/secondary-index.ts).
 *   - the ClientRequestToken records of requests whose first item is in the
 *     span (`txn-token/ | firstItemKey | token | length`, so contiguous by
 *     first item too; engine/txn/request-tokens.ts).
 */
import type { KvRange, KvStore } from '../storage/kv-store.js';
import type { IndexDefinition, TableDefinition } from '../catalog/table.js';
import { hashKeyOf, rangeKeyOf } from '../catalog/table.js';
import { HEAD_PREFIX, HISTORY_PREFIX, LOCK_PREFIX, spanUnder, txnRecordKey } from '../mvcc/layout.js';
import { TIMESTAMP_BYTES } from '../timestamp-source.js';
import { PARTITION_HASH_BYTES, TABLE_ID_BYTES, encodeItemKey, tableSpan } from '../keys/item-key.js';
import { decodeKeyComponent } from '../keys/values.js';
import { MalformedKeyError } from '../keys/malformed-key-error.js';
import { InternalError } from '../errors.js';
import { spanContains, type KeySpan } from '../keys/key-span.js';
import { txnHeartbeatKey } from './txn-record.js';
import { tokenRecordBounds, tokenRecordPrimary } from '../txn/request-tokens.js';

/** The item-key prefixes of the MVCC layout: one key per item (head, lock) or per version (history). */
const ITEM_PREFIXES = [HEAD_PREFIX, LOCK_PREFIX, HISTORY_PREFIX] as const;

/** System records named `<name> | primary | startTs`, which belong to the primary's range. */
const PRIMARY_RECORDS: ReadonlyArray<(primary: Buffer, startTs: bigint) => Buffer> = [txnRecordKey, txnHeartbeatKey];

/** What a range is, for ownership: its span, and the table whose items it holds (for its index entries). */
export interface OwnedSpan extends KeySpan {
  /** The table of the range's items as this node's catalog knows it (undefined: dropped, no index entries). */
  table: TableDefinition | undefined;
}

/** The store spans of the range's items: head, lock and history keys of its item span, one contiguous span each. */
export function itemSpans(range: KeySpan): Array<{ gte: Buffer; lt: Buffer }> {
  return ITEM_PREFIXES.map((prefix) => spanUnder(prefix, range.start, range.end));
}

/** Every key-value pair the range owns, in store order per family (see the module comment). */
export async function* rangeOwnedEntries(store: KvStore, range: OwnedSpan): AsyncGenerator<[Buffer, Buffer]> {
  for (const span of itemSpans(range)) yield* store.iterate(span);
  for (const recordKey of PRIMARY_RECORDS) {
    const bounds: KvRange = { gte: recordKey(range.start, 0n).subarray(0, -TIMESTAMP_BYTES), lt: recordKey(range.end, 0n).subarray(0, -TIMESTAMP_BYTES) };
    for await (const entry of store.iterate(bounds)) {
      const primary = entry[0].subarray(bounds.gte!.length - range.start.length, entry[0].length - TIMESTAMP_BYTES);
      if (spanContains(range, primary)) yield entry;
    }
  }
  for await (const entry of store.iterate(tokenRecordBounds(range))) {
    if (spanContains(range, tokenRecordFirstItem(entry[0]) ?? Buffer.alloc(0))) yield entry;
  }
  for (const space of ownedIndexSpaces(range)) {
    for (const prefix of ITEM_PREFIXES) {
      const segment = indexSegment(prefix, space);
      for await (const entry of store.iterate(segment.bounds)) if (segment.owns(entry[0])) yield entry;
    }
  }
}

/**
 * A stretch of one MVCC prefix's keyspace [gte, lt) that holds keys of the
 * range; `owns` tells the range's keys from other ranges' (undefined: every
 * key in it is the range's).
 */
export interface OwnedSegment {
  bounds: { gte: Buffer; lt: Buffer };
  owns?: (key: Buffer) => boolean;
}

/**
 * The range's keys under one MVCC prefix (HEAD, LOCK or HISTORY): its item
 * span, then the index keyspaces of its items' entries, as disjoint segments
 * in key order (so one key, the last one visited, can resume a walk over all
 * of them: what garbage collection confined to a range does).
 */
export function ownedSegmentsUnder(prefix: (typeof ITEM_PREFIXES)[number], range: OwnedSpan): OwnedSegment[] {
  const segments: OwnedSegment[] = [{ bounds: spanUnder(prefix, range.start, range.end) }];
  for (const space of ownedIndexSpaces(range)) segments.push(indexSegment(prefix, space));
  segments.sort((a, b) => Buffer.compare(a.bounds.gte, b.bounds.gte));
  for (let i = 1; i < segments.length; i++) {
    if (Buffer.compare(segments[i - 1]!.bounds.lt, segments[i]!.bounds.gte) > 0) {
      throw new InternalError('the segments a range owns under a prefix overlap');
    }
  }
  return segments;
}

/** An index keyspace holding entries of the range's items, and the test of an entry key (without prefix or timestamp). */
interface OwnedIndexSpace extends KeySpan {
  ownsEntry: (entryKey: Buffer) => boolean;
}

/**
 * The keyspaces of the range's table's indexes. One that lies inside the
 * range's own span (the embedded node's one range spans the whole keyspace)
 * is left out: the item span already holds all of it, and a range whose span
 * only partly covers an index keyspace cannot exist (a cluster range lies in
 * its table's keyspace, which no index keyspace shares).
 */
function ownedIndexSpaces(range: OwnedSpan): OwnedIndexSpace[] {
  const spaces: OwnedIndexSpace[] = [];
  for (const index of range.table?.indexes ?? []) {
    const space = tableSpan(index.indexId);
    if (Buffer.compare(range.start, space.start) <= 0 && Buffer.compare(space.end, range.end) <= 0) continue;
    const owner = indexEntryOwner(range.table!, index);
    spaces.push({
      ...space,
      ownsEntry: (entryKey) => {
        const itemKey = owner(entryKey);
        return itemKey !== undefined && spanContains(range, itemKey);
      },
    });
  }
  return spaces;
}

function indexSegment(prefix: (typeof ITEM_PREFIXES)[number], space: OwnedIndexSpace): Required<OwnedSegment> {
  const entryKeyOf = prefix === HISTORY_PREFIX ? historyEntryKey : prefixedEntryKey;
  return { bounds: spanUnder(prefix, space.start, space.end), owns: (key) => space.ownsEntry(entryKeyOf(key)) };
}

/** The first item named by a token record's key (undefined for a key of another shape). */
function tokenRecordFirstItem(key: Buffer): Buffer | undefined {
  try {
    return tokenRecordPrimary(key);
  } catch {
    return undefined;
  }
}

/** Just the keys (what an install deletes before writing a snapshot's). */
export async function rangeOwnedKeys(store: KvStore, range: OwnedSpan): Promise<Buffer[]> {
  const keys: Buffer[] = [];
  for await (const [key] of rangeOwnedEntries(store, range)) keys.push(key);
  return keys;
}

/**
 * The item key of the item an entry of `index` mirrors: the entry key is the
 * index's own key (header, hash and range components) followed by the
 * table's hash and range components. Undefined for a key that does not parse
 * (not an entry of this index's schema).
 */
export function indexEntryOwner(table: TableDefinition, index: IndexDefinition): (entryKey: Buffer) => Buffer | undefined {
  const indexHash = hashKeyOf(table, index).type;
  const indexRange = rangeKeyOf(table, index)?.type;
  const tableHash = hashKeyOf(table).type;
  const tableRange = rangeKeyOf(table)?.type;
  return (entryKey) => {
    try {
      let end = decodeKeyComponent(entryKey, TABLE_ID_BYTES + PARTITION_HASH_BYTES, indexHash).end;
      if (indexRange !== undefined) end = decodeKeyComponent(entryKey, end, indexRange).end;
      const hash = decodeKeyComponent(entryKey, end, tableHash);
      const range = tableRange === undefined ? undefined : decodeKeyComponent(entryKey, hash.end, tableRange);
      if ((range?.end ?? hash.end) !== entryKey.length) return undefined;
      return encodeItemKey(table.tableId, hash.value, range?.value);
    } catch (error) {
      if (error instanceof MalformedKeyError || error instanceof RangeError) return undefined;
      throw error;
    }
  };
}

function prefixedEntryKey(key: Buffer): Buffer {
  return key.subarray(1);
}

function historyEntryKey(key: Buffer): Buffer {
  return key.subarray(1, key.length - TIMESTAMP_BYTES);
}
