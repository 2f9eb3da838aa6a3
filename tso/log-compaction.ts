/**
 * Log compaction of the TSO group. Every ceiling renewal (about one every
 * two seconds per leader) is a Raft entry, so without compaction the log
 * grows forever, in memory and in RocksDB. The oracle's whole state is one
 * number (the highest committed ceiling), so a snapshot costs 8 bytes: every
 * `intervalEntries` applied entries the oracle records a snapshot at its
 * applied index and discards the log below it, keeping a short tail so a
 * follower a few entries behind still catches up from the log. A follower
 * further behind (down for a while) gets the snapshot from the leader.
 *
 * This module owns the policy and the port; `tso-log-storage.ts` implements
 * the port over RocksDB, and the simulator passes its MemoryStorage.
 */
import type { ConfState, Snapshot } from '../consensus/messages.js';

/** Applied entries between two snapshots: the in-memory log stays below this plus the tail (and what is not applied yet). */
export const DEFAULT_SNAPSHOT_INTERVAL_ENTRIES = 1_000;
/** Entries kept below a snapshot, so a follower slightly behind is sent entries rather than the snapshot. */
export const DEFAULT_LOG_KEEP_ENTRIES = 32;

/**
 * What compaction needs of the group's storage. Both calls must take effect
 * on what the Raft core reads before they return (it reads synchronously);
 * making them durable may follow (losing them in a crash only leaves a
 * longer log).
 */
export interface TsoCompactableLog {
  firstIndex(): number;
  snapshot(): Snapshot;
  /** Record a snapshot of the oracle's state at applied index `index`. */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): void;
  /** Discard entries up to and including `index`. */
  compact(index: number): void;
}

export interface TsoCompactionOptions {
  log: TsoCompactableLog;
  intervalEntries?: number;
  keepEntries?: number;
}

export class TsoCompactionConfigError extends Error {
  readonly code = 'TsoCompactionConfig' as const;
}

/** The compaction policy bound to one log; the oracle calls `maybeCompact` after every Ready. */
export class TsoLogCompactor {
  readonly intervalEntries: number;
  readonly keepEntries: number;

  constructor(private readonly opts: TsoCompactionOptions) {
    this.intervalEntries = opts.intervalEntries ?? DEFAULT_SNAPSHOT_INTERVAL_ENTRIES;
    this.keepEntries = opts.keepEntries ?? DEFAULT_LOG_KEEP_ENTRIES;
    if (!Number.isInteger(this.intervalEntries) || this.intervalEntries < 1) {
      throw new TsoCompactionConfigError(`intervalEntries must be a positive integer, got ${this.intervalEntries}`);
    }
    if (!Number.isInteger(this.keepEntries) || this.keepEntries < 0) {
      throw new TsoCompactionConfigError(`keepEntries must be a non-negative integer, got ${this.keepEntries}`);
    }
  }

  /**
   * Snapshot at `applied` if `intervalEntries` were applied since the last
   * snapshot. `state()` must be the oracle's state at exactly `applied`.
   * Returns whether a snapshot was taken.
   */
  maybeCompact(applied: number, confState: () => ConfState, state: () => Uint8Array): boolean {
    const log = this.opts.log;
    if (applied - log.snapshot().metadata.index < this.intervalEntries) return false;
    log.createSnapshot(applied, confState(), state());
    const compactTo = applied - this.keepEntries;
    if (compactTo >= log.firstIndex()) log.compact(compactTo);
    return true;
  }
}
