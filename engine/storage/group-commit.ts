/**
 * Group commit in front of a KvStore (DESIGN.md section 8): at most one synced
 * write is in flight; writers that arrive meanwhile queue up and are written
 * together in ONE synced batch when it returns, so one fdatasync covers many
 * writers.
 *
 * Guarantees:
 * - `commit` resolves only after the batch holding its writes is durable.
 * - The writes of one `commit` are never split across batches (a single commit
 *   larger than the batch limits is written alone, whole).
 * - Batches are written in arrival order and one at a time, so a later commit
 *   never becomes visible before an earlier one.
 * - A commit with an invalid key is refused alone, before it joins a batch.
 * - A failed batch rejects all its callers, and poisons the committer: every
 *   queued and later commit rejects with CommitterFailedError. After a failed
 *   fsync the store's state is unknown; carrying on could make a later write
 *   durable while an earlier one is lost.
 *
 * Overload: when `maxQueuedWriters` commits are already waiting, `commit`
 * rejects at once with CommitOverloadError (code RequestLimitExceeded) instead
 * of waiting. Waiting would just move the unbounded queue into callers'
 * promises; rejecting gives the request layer a throttling error that SDKs
 * retry with backoff.
 */
import { checkWrites } from './kv-range.js';
import type { KvStore, KvWrite } from './kv-store.js';
import { CommitOverloadError, CommitterClosedError, CommitterFailedError } from './storage-errors.js';

export interface GroupCommitLimits {
  /** Most writes (puts + dels) in one synced batch, unless one commit alone is larger. */
  maxBatchWrites: number;
  /** Most key + value bytes in one synced batch, unless one commit alone is larger. */
  maxBatchBytes: number;
  /** Most commits waiting behind the in-flight batch; beyond it commit rejects. */
  maxQueuedWriters: number;
}

export const DEFAULT_GROUP_COMMIT_LIMITS: Readonly<GroupCommitLimits> = {
  maxBatchWrites: 4096,
  maxBatchBytes: 8 * 1024 * 1024,
  maxQueuedWriters: 16_384,
};

interface Waiter {
  writes: readonly KvWrite[];
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitStats {
  /** Synced batches written to the store. */
  batches: number;
  /** Commits acknowledged. */
  commits: number;
}

export class GroupCommitter {
  private readonly limits: GroupCommitLimits;
  private readonly queue: Waiter[] = [];
  /** The batch being written, if any: never more than one. */
  private inFlight: Promise<void> | undefined;
  private flushScheduled = false;
  private failure: CommitterFailedError | undefined;
  private closed = false;
  private readonly counters: GroupCommitStats = { batches: 0, commits: 0 };

  constructor(
    private readonly store: KvStore,
    limits: Partial<GroupCommitLimits> = {},
  ) {
    this.limits = { ...DEFAULT_GROUP_COMMIT_LIMITS, ...limits };
    for (const [name, value] of Object.entries(this.limits)) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`GroupCommitter ${name} must be a positive integer`);
    }
  }

  get stats(): Readonly<GroupCommitStats> {
    return { ...this.counters };
  }

  get queuedWriters(): number {
    return this.queue.length;
  }

  commit(writes: readonly KvWrite[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new CommitterClosedError());
    if (this.queue.length >= this.limits.maxQueuedWriters) {
      return Promise.reject(new CommitOverloadError(this.queue.length));
    }
    try {
      // A bad key must fail its own caller here, not the shared batch (which would poison the committer).
      checkWrites(writes);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<void>((resolve, reject) => {
      // Copy: the caller may reuse its array; what is queued must be what it asked for.
      this.queue.push({ writes: writes.slice(), bytes: bytesOf(writes), resolve, reject });
      this.scheduleFlush();
    });
  }

  /** Stops accepting commits and waits until every accepted one is settled. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.inFlight !== undefined || this.queue.length > 0) {
      if (this.inFlight === undefined) this.flush();
      await this.inFlight?.catch(() => undefined);
    }
  }

  private scheduleFlush(): void {
    if (this.inFlight !== undefined || this.flushScheduled) return;
    // A microtask lets every writer that calls commit in the same turn share
    // the first batch too, at no added latency.
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      if (this.inFlight === undefined) this.flush();
    });
  }

  private flush(): void {
    const group = this.takeGroup();
    if (group.length === 0) return;
    this.inFlight = this.writeGroup(group).finally(() => {
      this.inFlight = undefined;
      if (this.queue.length > 0) this.flush();
    });
  }

  /** The longest prefix of the queue within the limits, and at least one commit. */
  private takeGroup(): Waiter[] {
    let writes = 0;
    let bytes = 0;
    let count = 0;
    for (const waiter of this.queue) {
      const fits = writes + waiter.writes.length <= this.limits.maxBatchWrites && bytes + waiter.bytes <= this.limits.maxBatchBytes;
      if (count > 0 && !fits) break;
      writes += waiter.writes.length;
      bytes += waiter.bytes;
      count++;
    }
    return this.queue.splice(0, count);
  }

  private async writeGroup(group: Waiter[]): Promise<void> {
    const batch = group.length === 1 ? (group[0] as Waiter).writes : group.flatMap((w) => w.writes);
    try {
      if (batch.length > 0) {
        await this.store.write(batch, { sync: true });
        this.counters.batches++;
      }
    } catch (error) {
      this.failure = new CommitterFailedError(error);
      for (const waiter of group) waiter.reject(error);
      this.rejectQueued();
      return;
    }
    this.counters.commits += group.length;
    for (const waiter of group) waiter.resolve();
  }

  private rejectQueued(): void {
    const failure = this.failure as CommitterFailedError;
    for (const waiter of this.queue.splice(0)) waiter.reject(failure);
  }
}

function bytesOf(writes: readonly KvWrite[]): number {
  let bytes = 0;
  for (const write of writes) bytes += write.key.length + (write.type === 'put' ? write.value.length : 0);
  return bytes;
}
