/**
 * Garbage collection of MVCC versions (DESIGN.md section 4).
 *
 * Below the safe timestamp S no read will ever be served, so for each item only
 * the newest version at or below S (the one a read at S sees) and the versions
 * above it are needed. Everything older is garbage; so is the version at S when
 * it is a tombstone, since with nothing older left a read at or above S finds
 * the item absent either way. When that tombstone is also the newest version,
 * the head (which repeats it) goes too.
 *
 * Only the history is swept: it holds every version, the head's included.
 * Work is bounded: one pass examines at most `maxVersions` history entries and
 * returns a cursor to resume from.
 */
import type { KvStore } from '../storage/kv-store.js';
import { HISTORY_PREFIX, prefixSpace, splitHistoryKey } from './layout.js';
import { decodeVersion } from './version-value.js';
import { readHead } from './mvcc.js';

/** History entries examined per pass. */
export const GC_MAX_VERSIONS_PER_PASS = 10_000;

export interface GcCursor {
  /** The history key to resume after. */
  after: Buffer;
}

export interface GcPass {
  /** History keys to delete: immutable entries, safe to delete as they are. */
  history: Buffer[];
  /**
   * Tombstone heads at or below S. A writer may replace a head at any time, so
   * the caller deletes one only under the item's latch, after checking that
   * the head is still this tombstone.
   */
  tombstones: Array<{ itemKey: Buffer; commitTs: bigint }>;
  /** Where the next pass starts; undefined when the sweep reached the end. */
  next: GcCursor | undefined;
}

interface ItemState {
  itemKey: Buffer;
  /** Whether the version a read at S sees has been passed (so older ones are garbage). */
  pastSafePoint: boolean;
  /**
   * Tombstones to delete once the item's whole older history is known to be
   * deleted in the same pass: deleting one without all older versions would
   * resurrect an older version for reads at or above S.
   */
  pendingHistory: Buffer[];
  pendingHead: { itemKey: Buffer; commitTs: bigint } | undefined;
}

export async function findGarbage(
  store: KvStore,
  safeTs: bigint,
  cursor: GcCursor | undefined,
  maxVersions = GC_MAX_VERSIONS_PER_PASS,
): Promise<GcPass> {
  const space = prefixSpace(HISTORY_PREFIX);
  const range = cursor === undefined ? { ...space, limit: maxVersions } : { gt: cursor.after, lt: space.lt, limit: maxVersions };
  const pass: GcPass = { history: [], tombstones: [], next: undefined };
  let state: ItemState | undefined;
  let last: Buffer | undefined;
  let examined = 0;
  for await (const [key, value] of store.iterate(range)) {
    examined++;
    last = key;
    const version = splitHistoryKey(key);
    if (state === undefined || !version.itemKey.equals(state.itemKey)) {
      if (state !== undefined) finishItem(pass, state);
      state = startItem(Buffer.from(version.itemKey));
    }
    if (version.commitTs > safeTs) continue;
    if (state.pastSafePoint) {
      pass.history.push(Buffer.from(key));
      continue;
    }
    state.pastSafePoint = true;
    if (decodeVersion(value) === undefined) {
      state.pendingHistory.push(Buffer.from(key));
      // Only a tombstone at the safe point needs the head: if it is the newest version, the head goes too.
      const head = await readHead(store, state.itemKey);
      if (head?.commitTs === version.commitTs) state.pendingHead = { itemKey: state.itemKey, commitTs: version.commitTs };
    }
  }
  const exhausted = examined < maxVersions || last === undefined;
  // A pass cut short may have stopped inside the last item: its tombstones wait for a later pass.
  if (state !== undefined && exhausted) finishItem(pass, state);
  if (!exhausted) pass.next = { after: last! };
  return pass;
}

function startItem(itemKey: Buffer): ItemState {
  return { itemKey, pastSafePoint: false, pendingHistory: [], pendingHead: undefined };
}

function finishItem(pass: GcPass, state: ItemState): void {
  pass.history.push(...state.pendingHistory);
  if (state.pendingHead !== undefined) pass.tombstones.push(state.pendingHead);
}
