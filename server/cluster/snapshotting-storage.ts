/**
 * The Raft storage of a meta or range group on a cluster node: the group's
 * RocksDbRaftStorage, plus snapshots built on demand for followers that fell
 * behind the compacted log (etcd's lazy generation).
 *
 * The log's own snapshot record carries no data (LogCompactor records
 * snapshot points; RaftHost records installed snapshots without their data):
 * the state lives in the node's store. When the Raft core wants to send a
 * snapshot, `snapshot()` answers with one built earlier if it still covers
 * the compacted log; otherwise it starts building one and throws
 * SnapshotTemporarilyUnavailableError (the core tries again at the
 * follower's next heartbeat response). A build runs in the group's apply
 * queue (ReplicatedStateMachine.runExclusive), so it reads the state at
 * exactly the applied index it names, with no entry applied meanwhile.
 */
import { ForwardingStorage } from '../../consensus/adapters/forwarding-storage.js';
import { SnapshotTemporarilyUnavailableError } from '../../consensus/errors.js';
import type { Snapshot } from '../../consensus/messages.js';
import type { RawNode } from '../../consensus/raw-node.js';
import type { RocksDbRaftStorage } from '../../consensus/adapters/rocksdb-storage.js';
import type { ReplicatedStateMachine } from '../../consensus/state-machine.js';

/** Most snapshots a node builds at once (each reads a group's whole state into memory). */
export const MAX_CONCURRENT_SNAPSHOT_BUILDS = 2;
/** How long a built snapshot is kept for resending (a lost message, a second follower) before it is dropped. */
export const SNAPSHOT_RETAIN_MS = 30_000;
/** After a failed build (too large, store error), how long before the group tries again. */
export const SNAPSHOT_RETRY_MS = 5_000;

/** What the node's groups share: how many builds run now, and counters for metrics. */
export class SnapshotBudget {
  building = 0;
  built = 0;
  failed = 0;
  constructor(readonly maxBuilds = MAX_CONCURRENT_SNAPSHOT_BUILDS) {}
}

/** Where a group's snapshots come from, once its Raft node runs. */
export interface SnapshotSource {
  node: RawNode;
  machine: ReplicatedStateMachine;
  /** The group's state now (called inside runExclusive: nothing applies meanwhile). */
  build(): Promise<Uint8Array>;
}

export class SnapshottingStorage extends ForwardingStorage<RocksDbRaftStorage> {
  private source: SnapshotSource | undefined;
  private built: { snapshot: Snapshot; atMs: number } | undefined;
  private building = false;
  private retryAtMs = 0;

  constructor(
    log: RocksDbRaftStorage,
    private readonly budget: SnapshotBudget,
    private readonly onBuildError: (error: unknown) => void,
    private readonly nowMs: () => number = Date.now,
  ) {
    super(log);
  }

  /**
   * From now on, snapshots are built from `source`. Until then (while the
   * Raft node is constructed) `snapshot()` is the log's record, whose
   * metadata seeds the node's membership.
   */
  attach(source: SnapshotSource): void {
    this.source = source;
  }

  override snapshot(): Snapshot {
    if (this.source === undefined) return this.log.snapshot();
    const built = this.built;
    // A snapshot older than the compaction point would leave a gap before the log the follower gets next.
    if (built !== undefined && built.snapshot.metadata.index >= this.log.firstIndex() - 1) return built.snapshot;
    this.built = undefined;
    this.startBuilding(this.source);
    throw new SnapshotTemporarilyUnavailableError();
  }

  /** Drops a built snapshot kept longer than SNAPSHOT_RETAIN_MS (called every tick). */
  releaseStale(): void {
    if (this.built !== undefined && this.nowMs() - this.built.atMs > SNAPSHOT_RETAIN_MS) this.built = undefined;
  }

  /** Bytes of the built snapshot held in memory. */
  get heldBytes(): number {
    return this.built?.snapshot.data.length ?? 0;
  }

  private startBuilding(source: SnapshotSource): void {
    if (this.building || this.nowMs() < this.retryAtMs || this.budget.building >= this.budget.maxBuilds) return;
    this.building = true;
    this.budget.building++;
    source.machine
      .runExclusive(async (index): Promise<Snapshot> => {
        // The membership never changes after bootstrap on a cluster node, so today's is the one at `index`.
        const metadata = { index, term: this.log.term(index), confState: source.node.raft.trk.confState() };
        return { metadata, data: await source.build() };
      })
      .then(
        (snapshot) => {
          this.built = { snapshot, atMs: this.nowMs() };
          this.budget.built++;
        },
        (error: unknown) => {
          this.retryAtMs = this.nowMs() + SNAPSHOT_RETRY_MS;
          this.budget.failed++;
          this.onBuildError(error);
        },
      )
      .finally(() => {
        this.building = false;
        this.budget.building--;
      });
  }
}
