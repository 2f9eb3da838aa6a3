/**
 * Writes versions the way the range replica does (a tombstone over nothing is
 * dropped), for tests of the MVCC layer on its own.
 */
import type { KvStore } from '../../../engine/storage/kv-store.js';
import { isTombstone, readHead, versionWrites } from '../../../engine/mvcc/mvcc.js';
import type { Item } from '../../../engine/types.js';

export async function writeVersion(store: KvStore, itemKey: Buffer, commitTs: bigint, item: Item | undefined): Promise<void> {
  const previous = await readHead(store, itemKey);
  if (item === undefined && (previous === undefined || isTombstone(previous))) return;
  await store.write(versionWrites(itemKey, commitTs, item));
}
