/**
 * Garbage collection of MVCC versions (DESIGN.md section 4).
 *
 * Below the safe timestamp S no read will ever be served, so for each item only
 * the newest version at or below S (the one a read at S sees) and the versions
 * above S are needed. Everything older is garbage; so is the version at S when
 * it is a tombstone, since with nothing older left a read at or above S finds
 * the item absent either way.
 *
 * Work is bounded: one pass examines at most `maxVersions` entries and returns
 * a cursor to resume from, so a huge keyspace is swept over many passes.
 */
import type { KvStore } from '../storage/kv-store.js';
import { splitVersionKey, VERSION_PREFIX } from './layout.js';
import { decodeVersionValue } from './version-value.js';

/** Versions examined per pass. */
export const GC_MAX_VERSIONS_PER_PASS = 10_000;

export interface GcCursor {
  /** The version key to resume after. */
  after: Buffer;
  /** The item the cursor is inside, and whether its version at the safe point was seen. */
  itemKey: Buffer;
  pastSafePoint: boolean;
}

export interface GcPass {
  /** Version keys to delete (apply them as one command). */
  garbage: Buffer[];
  /** Where the next pass starts; undefined when the sweep reached the end. */
  next: GcCursor | undefined;
}

const VERSION_SPACE = { gte: Buffer.of(VERSION_PREFIX), lt: Buffer.of(VERSION_PREFIX + 1) };

export async function findGarbage(
  store: KvStore,
  safeTs: bigint,
  cursor: GcCursor | undefined,
  maxVersions = GC_MAX_VERSIONS_PER_PASS,
): Promise<GcPass> {
  const range =
    cursor === undefined
      ? { ...VERSION_SPACE, limit: maxVersions }
      : { gt: cursor.after, lt: VERSION_SPACE.lt, limit: maxVersions };
  const garbage: Buffer[] = [];
  let itemKey = cursor?.itemKey;
  let pastSafePoint = cursor?.pastSafePoint ?? false;
  let last: Buffer | undefined;
  let examined = 0;
  for await (const [key, value] of store.iterate(range)) {
    examined++;
    last = key;
    const version = splitVersionKey(key);
    if (itemKey === undefined || !version.itemKey.equals(itemKey)) {
      itemKey = Buffer.from(version.itemKey);
      pastSafePoint = false;
    }
    if (version.commitTs > safeTs) continue;
    if (pastSafePoint) {
      garbage.push(Buffer.from(key));
      continue;
    }
    pastSafePoint = true;
    if (decodeVersionValue(value) === undefined) garbage.push(Buffer.from(key));
  }
  const next =
    examined < maxVersions || last === undefined || itemKey === undefined
      ? undefined
      : { after: last, itemKey, pastSafePoint };
  return { garbage, next };
}
