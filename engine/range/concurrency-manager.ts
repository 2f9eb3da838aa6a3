/**
 * The concurrency manager of one range (as in CockroachDB's kvserver): the
 * key latches that order requests while they evaluate, the lock table of
 * two-phase transactions, and how a request gets past another transaction's
 * locks: a writer resolves expired ones before it latches and is told which
 * live ones block it; a reader waits for live ones and resolves expired ones.
 * Resolution goes through the LockResolver (the transaction's primary decides).
 *
 * Only the primary lock is renewed by its coordinator's heartbeats: the
 * other locks of a transaction keep the expiry of their prewrite. When the
 * primary answers that such a lock's transaction is still pending, the
 * manager remembers until when (the primary's expiry) and treats the lock as
 * live until then, instead of asking the primary again and again.
 */
import { TransactionConflictError } from '../errors.js';
import type { LockResolver } from '../txn/resolver.js';
import { LatchManager, type ReleaseLatches } from './latches.js';
import { LockTable, isExpired, type Lock, type LockedKey } from './locks.js';

/** A read waits at most this long for live locks before it fails with TransactionConflict (beyond one lock TTL). */
export const LOCK_WAIT_MAX_MS = 15_000;
/** The first and the largest pause between checks of a live lock. */
export const LOCK_WAIT_MIN_BACKOFF_MS = 2;
export const LOCK_WAIT_MAX_BACKOFF_MS = 100;
/** A writer resolves expired locks and retakes its latches at most this many times. */
export const MAX_RESOLVE_ATTEMPTS = 3;
/** Pending transactions whose primary expiry a range remembers; past it the oldest is forgotten (and asked again). */
export const MAX_KNOWN_PENDING_TXNS = 10_000;

export class ConcurrencyManager {
  readonly latches = new LatchManager();
  readonly locks = new LockTable();
  /** startTs -> the primary lock's expiry, as last answered by the primary (a pending transaction). */
  private readonly pendingUntilMs = new Map<bigint, number>();

  /**
   * Without a resolver (an embedded node, where no two-phase transaction
   * runs) an expired lock blocks like a live one. `nowMs` is the wall clock
   * of lock expiry.
   */
  constructor(
    private readonly resolver: LockResolver | undefined,
    private readonly nowMs: () => number,
  ) {}

  /**
   * Takes the latches of `itemKeys` once the expired locks of other
   * transactions on them are resolved. Resolution runs outside the latches: it
   * reaches the locks' primaries and commits or rolls back keys, possibly on
   * this range, which take latches of their own. `blocked` tells which keys
   * still hold another transaction's lock (live, or not resolvable).
   */
  async latchUnlocked(itemKeys: readonly Buffer[], ownStartTs: bigint | undefined): Promise<{ release: ReleaseLatches; blocked: boolean[] }> {
    const foreign = () => itemKeys.map((key) => this.foreignLock(key, ownStartTs));
    for (let attempt = 1; ; attempt++) {
      const nowMs = this.nowMs();
      const expired = foreign().flatMap((lock, i) => (lock !== undefined && this.isExpired(lock, nowMs) ? [{ itemKey: itemKeys[i]!, lock }] : []));
      if (expired.length > 0) await Promise.all(expired.map((entry) => this.resolve(entry)));
      const release = await this.latches.acquire(itemKeys);
      const locks = foreign();
      const expiredNow = locks.some((lock) => lock !== undefined && this.isExpired(lock, this.nowMs()));
      if (!expiredNow || this.resolver === undefined || attempt >= MAX_RESOLVE_ATTEMPTS) {
        return { release, blocked: locks.map((lock) => lock !== undefined) };
      }
      release();
    }
  }

  /** The lock on `itemKey` unless it is absent or of the transaction of `ownStartTs`. */
  foreignLock(itemKey: Buffer, ownStartTs: bigint | undefined): Lock | undefined {
    const lock = this.locks.get(itemKey);
    return lock === undefined || lock.startTs === ownStartTs ? undefined : lock;
  }

  /**
   * Waits until `find` finds no lock (a reader at readTs looks for those with
   * startTs <= readTs on the keys it reads): a live lock is waited out with a
   * bounded backoff, an expired one is resolved through its primary (rolled
   * forward if the primary committed, else rolled back).
   *
   * A reader cannot simply skip such a lock: its transaction drew commitTs
   * after all its prewrites, which may be below readTs (the reader drew readTs
   * after the prewrite), so once committed its writes are visible at readTs.
   * Answering without them would let a second read at the same readTs (or on
   * another key of the transaction, whose commit has landed) see them: a
   * partial transaction, and a read that changes after it answered. A lock
   * with startTs > readTs can be skipped: its commitTs is above readTs. A lock
   * that appears after this check was applied after readTs was drawn, so its
   * commitTs, drawn later still, is above readTs too.
   */
  async waitForLocks(find: () => LockedKey[]): Promise<void> {
    const deadlineMs = this.nowMs() + LOCK_WAIT_MAX_MS;
    let backoffMs = LOCK_WAIT_MIN_BACKOFF_MS;
    for (;;) {
      let found = find();
      if (found.length === 0) return;
      const nowMs = this.nowMs();
      const expired = found.filter((entry) => this.isExpired(entry.lock, nowMs));
      if (expired.length > 0) {
        await Promise.all(expired.map((entry) => this.resolve(entry)));
        found = find();
        if (found.length === 0) return;
      }
      if (this.nowMs() >= deadlineMs) throw new TransactionConflictError();
      const untilExpiryMs = Math.min(...found.map((entry) => this.expiryOf(entry.lock))) - this.nowMs();
      await sleep(Math.max(1, Math.min(backoffMs, untilExpiryMs)));
      backoffMs = Math.min(backoffMs * 2, LOCK_WAIT_MAX_BACKOFF_MS);
    }
  }

  /** Settles one lock of another transaction through its primary; a no-op without a resolver. */
  private async resolve(entry: LockedKey): Promise<void> {
    const status = await this.resolver?.resolve(entry.itemKey, entry.lock);
    if (status?.status !== 'pending') {
      this.pendingUntilMs.delete(entry.lock.startTs);
      return;
    }
    // Still pending: its coordinator renewed the primary. Live until the primary's expiry.
    this.pendingUntilMs.delete(entry.lock.startTs);
    if (this.pendingUntilMs.size >= MAX_KNOWN_PENDING_TXNS) {
      const oldest = this.pendingUntilMs.keys().next();
      if (!oldest.done) this.pendingUntilMs.delete(oldest.value);
    }
    this.pendingUntilMs.set(entry.lock.startTs, status.expiresAtMs);
  }

  /** When the lock's transaction may be resolved: its own expiry, or later if its primary said so. */
  private expiryOf(lock: Lock): number {
    return Math.max(lock.expiresAtMs, this.pendingUntilMs.get(lock.startTs) ?? 0);
  }

  private isExpired(lock: Lock, nowMs: number): boolean {
    return isExpired({ expiresAtMs: this.expiryOf(lock) }, nowMs);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
