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
 *
 * A pass sweeps `segments` of the history: all of it on an embedded node, on
 * a cluster the segments one range owns (engine/range/range-keys.ts: its item
 * span, and its index entries, mixed with other ranges' in each index's
 * keyspace and told apart by `owns`). A range's leader submits what it finds
 * in its own log, so it must never find another range's keys. Segments are
 * disjoint and visited in key order, so one key resumes a sweep over all of
 * them; entries filtered out still count against `maxVersions`.
 */
import type { KvRange, KvStore } from '../storage/kv-store.js';
import { HISTORY_PREFIX, prefixSpace, splitHistoryKey } from './layout.js';
import { decodeVersion } from './version-value.js';
import { readHead } from './mvcc.js';

/** History entries examined per pass. */
export const GC_MAX_VERSIONS_PER_PASS = 10_000;

/** A stretch of the history [gte, lt) to sweep; `owns` keeps only some of its keys (undefined: all). */
export interface GcSegment {
  bounds: { gte: Buffer; lt: Buffer };
  owns?: (historyKey: Buffer) => boolean;
}

/** The whole history: what the embedded node's one range owns. */
export const WHOLE_HISTORY: readonly GcSegment[] = [{ bounds: prefixSpace(HISTORY_PREFIX) }];

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
  /** The key examined just before the item's first version in this pass (undefined: that version opened the pass). */
  before: Buffer | undefined;
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
  segments: readonly GcSegment[] = WHOLE_HISTORY,
): Promise<GcPass> {
  const pass: GcPass = { history: [], tombstones: [], next: undefined };
  let state: ItemState | undefined;
  /** Whether the last key examined was a version of `state`'s item (so more of it may follow). */
  let inItem = false;
  let last: Buffer | undefined;
  /** The key examined before `last`. */
  let before: Buffer | undefined;
  let examined = 0;
  for (const segment of segments) {
    const range = resumeIn(segment, cursor, maxVersions - examined);
    if (range === undefined) continue;
    for await (const [key, value] of store.iterate(range)) {
      examined++;
      before = last;
      last = key;
      inItem = false;
      if (segment.owns?.(key) === false) continue;
      inItem = true;
      const version = splitHistoryKey(key);
      if (state === undefined || !version.itemKey.equals(state.itemKey)) {
        if (state !== undefined) finishItem(pass, state);
        state = startItem(Buffer.from(version.itemKey), examined === 1 ? undefined : before);
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
    if (examined >= maxVersions) break;
  }
  const exhausted = examined < maxVersions || last === undefined;
  if (exhausted || !inItem) {
    if (state !== undefined) finishItem(pass, state);
    if (!exhausted) pass.next = { after: Buffer.from(last!) };
  } else {
    // Cut short inside an item: the next pass reads the item again from its first version, so it sees
    // which version a read at S sees and finishes the item's tombstones; only an item with more versions
    // than a whole pass is resumed where the pass stopped (its older versions are then kept until a later sweep).
    pass.next = { after: Buffer.from(state!.before ?? last!) };
  }
  return pass;
}

/** The part of `segment` after the cursor, at most `limit` entries; undefined when the cursor is past it. */
function resumeIn(segment: GcSegment, cursor: GcCursor | undefined, limit: number): KvRange | undefined {
  const { gte, lt } = segment.bounds;
  if (cursor === undefined || Buffer.compare(cursor.after, gte) < 0) return { gte, lt, limit };
  if (Buffer.compare(cursor.after, lt) >= 0) return undefined;
  return { gt: cursor.after, lt, limit };
}

function startItem(itemKey: Buffer, before: Buffer | undefined): ItemState {
  return { itemKey, before, pastSafePoint: false, pendingHistory: [], pendingHead: undefined };
}

function finishItem(pass: GcPass, state: ItemState): void {
  pass.history.push(...state.pendingHistory);
  if (state.pendingHead !== undefined) pass.tombstones.push(state.pendingHead);
}
