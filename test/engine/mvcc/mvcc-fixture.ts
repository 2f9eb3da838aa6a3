/**
 * Writes versions the way the range replica does (a tombstone over nothing is
 * dropped), and sweeps garbage the way it does, for tests of the MVCC layer on
 * its own.
 */
import type { KvStore } from '../../../engine/storage/kv-store.js';
import { isTombstone, readHead, versionWrites } from '../../../engine/mvcc/mvcc.js';
import { headKey } from '../../../engine/mvcc/layout.js';
import { findGarbage, WHOLE_HISTORY, type GcCursor, type GcSegment } from '../../../engine/mvcc/gc.js';
import type { Item } from '../../../engine/types.js';

export async function writeVersion(store: KvStore, itemKey: Buffer, commitTs: bigint, item: Item | undefined): Promise<void> {
  const previous = await readHead(store, itemKey);
  if (item === undefined && (previous === undefined || isTombstone(previous))) return;
  await store.write(versionWrites(itemKey, commitTs, item));
}

/** Garbage-collection passes of at most `perPass` entries over `segments`, resumed by cursor to the end; the keys deleted. */
export async function sweep(
  store: KvStore,
  safeTs: bigint,
  perPass: number,
  segments: readonly GcSegment[] = WHOLE_HISTORY,
): Promise<{ deleted: Buffer[]; passes: number }> {
  let cursor: GcCursor | undefined;
  const deleted: Buffer[] = [];
  let passes = 0;
  do {
    const pass = await findGarbage(store, safeTs, cursor, perPass, segments);
    passes++;
    const garbage = [...pass.history];
    for (const tombstone of pass.tombstones) {
      const head = await readHead(store, tombstone.itemKey);
      if (head !== undefined && head.commitTs === tombstone.commitTs && isTombstone(head)) garbage.push(headKey(tombstone.itemKey));
    }
    if (garbage.length > 0) await store.write(garbage.map((key) => ({ type: 'del' as const, key })));
    deleted.push(...garbage);
    cursor = pass.next;
  } while (cursor !== undefined);
  return { deleted, passes };
}
