/**
 * Transaction locks (DESIGN.md sections 4 and 6): the intent a two-phase
 * transaction leaves on each key it prewrote, persisted at lockKey(itemKey),
 * and the in-memory table of a range's locks that every replica keeps in step
 * with its applied commands (so a new leader has it).
 *
 * A lock carries what its commit writes (the item's and its index entries'
 * new versions; none for a ConditionCheck), so committing or resolving it needs
 * nothing but the lock and the commit timestamp.
 */
import { pack, unpack } from 'msgpackr';
import type { KvStore } from '../storage/kv-store.js';
import { InternalError } from '../errors.js';
import { LOCK_PREFIX, itemKeyOf, spanUnder } from '../mvcc/layout.js';
import { decodeVersion, encodeVersion } from '../mvcc/version-value.js';
import { TIMESTAMP_BYTES } from '../timestamp-source.js';
import type { KeySpan } from '../keys/key-span.js';
import type { Mutation } from './replica.js';
import { readHeartbeat } from './txn-record.js';

/**
 * How long a lock protects an unfinished transaction from being resolved by
 * others without news from its coordinator: a crashed coordinator blocks its
 * keys about this long. A live coordinator renews its primary lock every
 * TXN_HEARTBEAT_INTERVAL_MS, so this only has to outlast a few missed
 * heartbeats (a stalled event loop, a slow Raft round), not a whole
 * transaction.
 */
export const LOCK_TTL_MS = 3_000;
/**
 * How often a coordinator renews the primary lock of a transaction it has not
 * decided yet (to now + LOCK_TTL_MS): two heartbeats may be lost or late
 * before others may resolve the transaction.
 */
export const TXN_HEARTBEAT_INTERVAL_MS = 1_000;
/** At most this many locks on one range; beyond it prewrites are throttled. */
export const MAX_LOCKS_PER_RANGE = 100_000;

export interface Lock {
  startTs: bigint;
  /** The item key of the transaction's primary: where its decision is recorded. */
  primary: Buffer;
  /** Wall-clock time after which anyone may resolve the lock through the primary. */
  expiresAtMs: number;
  /** What the commit writes at commitTs (empty for a ConditionCheck). */
  mutations: Mutation[];
}

export interface LockedKey {
  itemKey: Buffer;
  lock: Lock;
}

interface StoredLock {
  startTs: Buffer;
  primary: Buffer;
  expiresAtMs: number;
  /** [itemKey, encoded version] pairs. */
  mutations: Array<[Buffer, Buffer]>;
}

export function encodeLock(lock: Lock): Buffer {
  const startTs = Buffer.allocUnsafe(TIMESTAMP_BYTES);
  startTs.writeBigUInt64BE(lock.startTs);
  const stored: StoredLock = {
    startTs,
    primary: lock.primary,
    expiresAtMs: lock.expiresAtMs,
    mutations: lock.mutations.map((m) => [m.itemKey, encodeVersion(m.item)]),
  };
  return pack(stored);
}

export function decodeLock(value: Buffer): Lock {
  const stored = unpack(value) as StoredLock;
  if (!Buffer.isBuffer(stored.startTs) || stored.startTs.length !== TIMESTAMP_BYTES || !Buffer.isBuffer(stored.primary)) {
    throw new InternalError('corrupt transaction lock');
  }
  return {
    startTs: stored.startTs.readBigUInt64BE(0),
    primary: stored.primary,
    expiresAtMs: stored.expiresAtMs,
    mutations: stored.mutations.map(([itemKey, version]) => ({ itemKey, item: decodeVersion(version) })),
  };
}

export function isExpired(lock: Pick<Lock, 'expiresAtMs'>, nowMs: number): boolean {
  return nowMs >= lock.expiresAtMs;
}

/** The locks of one range, in memory, keyed by item key. */
export class LockTable {
  private readonly locks = new Map<string, LockedKey>();

  get size(): number {
    return this.locks.size;
  }

  get(itemKey: Buffer): Lock | undefined {
    return this.locks.get(tableId(itemKey))?.lock;
  }

  set(itemKey: Buffer, lock: Lock): void {
    this.locks.set(tableId(itemKey), { itemKey, lock });
  }

  /**
   * Moves the expiry of the lock on `itemKey` to `expiresAtMs` if it belongs
   * to the transaction of `startTs` and expires earlier (a heartbeat never
   * shortens a lock, nor brings back one that is gone).
   */
  extend(itemKey: Buffer, startTs: bigint, expiresAtMs: number): void {
    const id = tableId(itemKey);
    const entry = this.locks.get(id);
    if (entry === undefined || entry.lock.startTs !== startTs || entry.lock.expiresAtMs >= expiresAtMs) return;
    this.locks.set(id, { itemKey: entry.itemKey, lock: { ...entry.lock, expiresAtMs } });
  }

  /** Removes the lock on `itemKey` if it belongs to the transaction of `startTs`. */
  delete(itemKey: Buffer, startTs: bigint): void {
    const id = tableId(itemKey);
    if (this.locks.get(id)?.lock.startTs === startTs) this.locks.delete(id);
  }

  /** The locks in [start, end) that a read at `readTs` must resolve (startTs <= readTs). */
  visibleIn(span: KeySpan, readTs: bigint): LockedKey[] {
    const found: LockedKey[] = [];
    for (const entry of this.locks.values()) {
      if (entry.lock.startTs > readTs) continue;
      if (Buffer.compare(entry.itemKey, span.start) >= 0 && Buffer.compare(entry.itemKey, span.end) < 0) found.push(entry);
    }
    return found;
  }

  /** Every lock (for tests and metrics). */
  entries(): LockedKey[] {
    return [...this.locks.values()];
  }

  /**
   * Fills the table from the locks persisted in `span`; a primary lock takes
   * the expiry of its last heartbeat (kept beside it, see txn-record.ts).
   */
  async load(store: KvStore, span: KeySpan): Promise<void> {
    for await (const [key, value] of store.iterate(spanUnder(LOCK_PREFIX, span.start, span.end))) {
      this.set(Buffer.from(itemKeyOf(key)), decodeLock(value));
    }
    for (const { itemKey, lock } of this.entries()) {
      if (!itemKey.equals(lock.primary)) continue;
      const renewedMs = await readHeartbeat(store, lock.primary, lock.startTs);
      if (renewedMs !== undefined) this.extend(itemKey, lock.startTs, renewedMs);
    }
  }
}

function tableId(itemKey: Buffer): string {
  return itemKey.toString('latin1');
}
