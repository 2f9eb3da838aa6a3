/**
 * The TSO group's Raft storage: RocksDbRaftStorage (same layout, same
 * keys), whose compaction writes join the host's next write batch instead
 * of being written on their own.
 *
 * Why: RaftHost stages each Ready's writes synchronously and writes them as
 * one batch, and RocksDB does not order two batches in flight against each
 * other. A compaction written separately could land after a batch that
 * installs a newer snapshot from the leader (both write the snapshot and the
 * compaction point), leaving an older snapshot over a log compacted beyond
 * it, which the next open() refuses as a gap. Put at the head of the host's
 * next batch, the compaction reaches the disk in the order its changes were
 * made to the in-memory view the Raft core reads. Until then the disk holds
 * the longer log and the older snapshot, which is consistent.
 */
import { ForwardingStorage } from '../consensus/adapters/forwarding-storage.js';
import type { RaftKvRange, RaftKvStore, RaftKvWrite } from '../consensus/adapters/kv-port.js';
import { RocksDbRaftStorage } from '../consensus/adapters/rocksdb-storage.js';
import type { ConfState, Entry, HardState, Snapshot } from '../consensus/messages.js';
import type { TsoCompactableLog } from './log-compaction.js';

export class TsoLogStorageError extends Error {
  readonly code = 'TsoLogStorage' as const;
}

/** The store as RocksDbRaftStorage sees it: reads go through; writes wait for the host's next batch once `deferring`. */
class DeferringKv implements RaftKvStore {
  deferring = false;
  /** At most one compaction's writes: the oracle compacts again only after they joined a batch (see TsoLogStorage). */
  private pending: RaftKvWrite[] = [];

  constructor(private readonly kv: RaftKvStore) {}

  get(key: Buffer): Promise<Buffer | undefined> {
    return this.kv.get(key);
  }

  iterate(range: RaftKvRange): AsyncIterable<[Buffer, Buffer]> {
    return this.kv.iterate(range);
  }

  write(batch: readonly RaftKvWrite[], options?: { sync?: boolean }): Promise<void> {
    if (!this.deferring) return this.kv.write(batch, options);
    this.pending.push(...batch);
    return Promise.resolve();
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  take(): RaftKvWrite[] {
    const writes = this.pending;
    this.pending = [];
    return writes;
  }
}

export class TsoLogStorage extends ForwardingStorage<RocksDbRaftStorage> implements TsoCompactableLog {
  private constructor(
    inner: RocksDbRaftStorage,
    private readonly kv: DeferringKv,
  ) {
    super(inner);
  }

  /** Opens the group's storage in `kv`, bootstrapping it with `voters` the first time. */
  static async open(kv: RaftKvStore, groupId: number, voters: readonly number[]): Promise<TsoLogStorage> {
    const deferring = new DeferringKv(kv);
    let inner = await RocksDbRaftStorage.open(deferring, groupId);
    if (inner.lastIndex() === 0 && inner.initialState().hardState.term === 0) {
      inner = await RocksDbRaftStorage.bootstrap(deferring, groupId, voters);
    }
    deferring.deferring = true;
    return new TsoLogStorage(inner, deferring);
  }

  /** The compaction's writes first (they were made to the view first), then the Ready's. */
  override stage(rd: { snapshot: Snapshot | undefined; entries: readonly Entry[]; hardState: HardState | undefined }): RaftKvWrite[] {
    const deferred = this.kv.take();
    const writes = this.log.stage(rd);
    return deferred.length === 0 ? writes : [...deferred, ...writes];
  }

  createSnapshot(index: number, confState: ConfState, data: Uint8Array): void {
    // A compaction needs `intervalEntries` applied entries, hence TSO Readies, hence stage() calls since the last one.
    if (this.kv.hasPending) throw new TsoLogStorageError('a compaction started before the previous one joined a write batch');
    // The view changes before the first await inside; the write is only queued.
    crashOnFailure(this.log.createSnapshot(index, confState, data));
  }

  compact(index: number): void {
    crashOnFailure(this.log.compact(index));
  }
}

/** A failed compaction is a broken invariant (index checks are done before): stop loudly, not silently. */
function crashOnFailure(p: Promise<unknown>): void {
  p.catch((err: unknown) => {
    process.nextTick(() => {
      throw err instanceof Error ? err : new TsoLogStorageError(String(err));
    });
  });
}
