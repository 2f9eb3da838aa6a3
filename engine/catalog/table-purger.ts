/**
 * Deletes the data of dropped tables in the background, in bounded batches.
 * Correctness never depends on it: table ids are never reused, so a dropped
 * table's versions are unreachable the moment its catalog record is gone.
 */
import type { KvStore, KvWrite } from '../storage/kv-store.js';
import { tableSpan } from '../keys/item-key.js';
import { HEAD_PREFIX, HISTORY_PREFIX, LOCK_PREFIX, spanUnder, systemKey } from '../mvcc/layout.js';
import { DROPPED_TABLE_PREFIX } from './catalog.js';

/** Keys deleted per write batch. */
export const PURGE_BATCH_KEYS = 1_000;

export async function purgeDroppedTables(store: KvStore): Promise<number> {
  const prefix = systemKey(DROPPED_TABLE_PREFIX);
  const end = systemKey(DROPPED_TABLE_PREFIX.slice(0, -1) + String.fromCharCode(DROPPED_TABLE_PREFIX.charCodeAt(DROPPED_TABLE_PREFIX.length - 1) + 1));
  const dropped: number[] = [];
  for await (const [key] of store.iterate({ gte: prefix, lt: end })) {
    dropped.push(Number(key.subarray(prefix.length).toString('utf8')));
  }
  let deleted = 0;
  for (const tableId of dropped) {
    const span = tableSpan(tableId);
    for (const prefix of [HEAD_PREFIX, LOCK_PREFIX, HISTORY_PREFIX]) {
      deleted += await deleteRange(store, spanUnder(prefix, span.start, span.end));
    }
    await store.write([{ type: 'del', key: systemKey(`${DROPPED_TABLE_PREFIX}${tableId}`) }]);
  }
  return deleted;
}

async function deleteRange(store: KvStore, range: { gte: Buffer; lt: Buffer }): Promise<number> {
  let deleted = 0;
  for (;;) {
    const batch: KvWrite[] = [];
    for await (const [key] of store.iterate({ ...range, limit: PURGE_BATCH_KEYS })) {
      batch.push({ type: 'del', key });
    }
    if (batch.length === 0) return deleted;
    await store.write(batch, { sync: false });
    deleted += batch.length;
  }
}
