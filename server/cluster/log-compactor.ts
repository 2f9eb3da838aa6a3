/**
 * Raft log compaction for the meta and range groups of a cluster node.
 *
 * Once a group's applied index is more than `keep` entries past its first
 * index, the compactor records a snapshot point at the applied index and
 * discards the log up to `tail` entries before it (a follower that lags a
 * little catches up from the log, not by snapshot), in RocksDB and in the
 * in-memory view. A group's log then holds at most about `keep` + the
 * entries not yet applied. From the node's tick, at most
 * MAX_COMPACTIONS_PER_TICK groups start a compaction.
 *
 * A compaction runs in the group's apply queue (runExclusive), so the state
 * machine's writes up to the applied index have been handed to the store
 * before it, and none after it are. They were written unsynced; the
 * compaction's batch (the snapshot record, the compaction point, the
 * deletion of the entries, the applied index) is unsynced too. That is safe
 * because all of them go through the same RocksDB write-ahead log, in order:
 * a crash keeps a prefix of it, so if the compaction survives, every state
 * write it relies on survived too; if it is lost, the entries are still in
 * the log and are applied again on restart. The next synced Raft write
 * (every flush that appends entries) makes all of them durable.
 */
import type { KvStore, KvWrite } from '../../engine/storage/kv-store.js';
import type { RawNode } from '../../consensus/raw-node.js';
import type { ReplicatedStateMachine } from '../../consensus/state-machine.js';
import type { SnapshottingStorage } from './snapshotting-storage.js';

/** Default entries a group's log may hold past its first index before it is compacted. */
export const DEFAULT_RAFT_LOG_KEEP = 1_000;
/** The environment variable that overrides DEFAULT_RAFT_LOG_KEEP (docs/OPERATIONS.md). */
export const RAFT_LOG_KEEP_ENV = 'RANGEDB_RAFT_LOG_KEEP';
/** The smallest accepted `keep` (a tail of at least one entry stays below it). */
export const MIN_RAFT_LOG_KEEP = 10;
/** Groups that start a compaction in one tick (each is one store write of about `keep` deletions). */
export const MAX_COMPACTIONS_PER_TICK = 2;
/** The tail kept after a compaction, as a fraction of `keep` (200 of 1,000). */
const TAIL_DIVISOR = 5;

export class RaftLogKeepError extends Error {
  override readonly name = 'RaftLogKeepError';
}

/** `keep` from the environment (RANGEDB_RAFT_LOG_KEEP), or the default. */
export function raftLogKeepFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[RAFT_LOG_KEEP_ENV];
  if (raw === undefined || raw === '') return DEFAULT_RAFT_LOG_KEEP;
  const keep = Number(raw);
  if (!Number.isSafeInteger(keep) || keep < MIN_RAFT_LOG_KEEP) {
    throw new RaftLogKeepError(`${RAFT_LOG_KEEP_ENV} must be an integer >= ${MIN_RAFT_LOG_KEEP}, not ${JSON.stringify(raw)}`);
  }
  return keep;
}

/** The entries kept below the snapshot point for a given `keep`. */
export function raftLogTail(keep: number): number {
  return Math.max(1, Math.floor(keep / TAIL_DIVISOR));
}

/** A group whose log the compactor keeps short. */
export interface CompactedGroup {
  groupId: number;
  storage: SnapshottingStorage;
  machine: ReplicatedStateMachine;
  node: RawNode;
  /** The write that records `index` as the group's applied index in the store. */
  appliedWrite(index: number): KvWrite;
}

export interface LogCompactorStats {
  compactions: number;
  entriesDiscarded: number;
}

export class LogCompactor {
  private readonly groups = new Map<number, CompactedGroup>();
  private readonly running = new Set<number>();
  private readonly tail: number;
  readonly stats: LogCompactorStats = { compactions: 0, entriesDiscarded: 0 };

  constructor(
    private readonly store: KvStore,
    readonly keep: number,
    private readonly onError: (groupId: number, error: unknown) => void,
  ) {
    if (keep < MIN_RAFT_LOG_KEEP) throw new RaftLogKeepError(`keep must be >= ${MIN_RAFT_LOG_KEEP}`);
    this.tail = raftLogTail(keep);
  }

  add(group: CompactedGroup): void {
    this.groups.set(group.groupId, group);
  }

  remove(groupId: number): void {
    this.groups.delete(groupId);
  }

  /** Starts the compactions that are due (at most MAX_COMPACTIONS_PER_TICK) and drops stale built snapshots. */
  tick(): void {
    let started = 0;
    for (const group of this.groups.values()) {
      group.storage.releaseStale();
      if (started >= MAX_COMPACTIONS_PER_TICK || this.running.has(group.groupId) || !this.due(group)) continue;
      started++;
      this.running.add(group.groupId);
      group.machine
        .runExclusive((applied) => this.compact(group, applied))
        .catch((error: unknown) => this.onError(group.groupId, error))
        .finally(() => this.running.delete(group.groupId));
    }
    // Round robin: the groups that started go last, so a busy group cannot starve the others.
    for (const groupId of this.running) {
      const group = this.groups.get(groupId);
      if (group === undefined) continue;
      this.groups.delete(groupId);
      this.groups.set(groupId, group);
    }
  }

  private due(group: CompactedGroup): boolean {
    return group.machine.appliedIndex - (group.storage.log.firstIndex() - 1) > this.keep;
  }

  /** In the group's apply queue, at applied index `applied` (see the module comment). */
  private async compact(group: CompactedGroup, applied: number): Promise<void> {
    const log = group.storage.log;
    // Checked again here: a snapshot may have been installed since the tick.
    if (!this.due(group) || applied <= log.snapshot().metadata.index || applied > log.lastIndex()) return;
    const compactIndex = applied - this.tail;
    const discarded = compactIndex - (log.firstIndex() - 1);
    const writes: KvWrite[] = [...log.stageCompaction(applied, group.node.raft.trk.confState(), compactIndex), group.appliedWrite(applied)];
    await this.store.write(writes, { sync: false });
    this.stats.compactions++;
    this.stats.entriesDiscarded += discarded;
  }
}
