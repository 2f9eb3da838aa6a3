/**
 * The TSO group's replicated state machine and its leader-side allocator
 * (DESIGN.md section 7).
 *
 * The replicated state is one number: the highest ceiling ever committed.
 * Every replica applies ceiling entries; only the leader allocates. Its
 * TimestampAllocator persists ceilings through a CeilingStore whose persist()
 * proposes a ceiling entry and resolves once that entry is applied here
 * (committed by a quorum), so nothing is handed out above a ceiling a future
 * leader might not know.
 *
 * Taking over: when this replica becomes leader of a term it first proposes a
 * barrier (an entry of its own term) and waits until it is applied. By then
 * every entry committed in earlier terms has been applied, so the allocator's
 * load() sees the highest ceiling any earlier leader may have allocated under,
 * and it resumes strictly above it (and above its own clock).
 *
 * Serving: a range is returned only while the Raft lease holds
 * (`leaseValid()`, CheckQuorum + lease-based config). A deposed leader that
 * has not noticed yet could otherwise keep handing out timestamps below its
 * old ceiling after the new leader already served higher ones, and a client
 * would see time go backwards across two responses.
 *
 * Compaction: the state being one number, the oracle snapshots it every
 * `intervalEntries` applied entries and compacts the log (log-compaction.ts);
 * a replica that installs a snapshot from the leader restores that number.
 *
 * The module does no timing of its own: the driver calls tick() with every
 * Raft tick (proposal deadlines are counted in ticks) and observe() after
 * every Ready, so the deterministic simulator can drive it too.
 */
import { NotLeaderError, ConsensusError } from '../consensus/errors.js';
import type { Entry, Snapshot } from '../consensus/messages.js';
import type { RawNode } from '../consensus/raw-node.js';
import type { GroupApplication } from '../consensus/host.js';
import { TsoLogCompactor, type TsoCompactionOptions } from './log-compaction.js';
import { AllocatorRangeError, TimestampAllocator, type AllocatorOptions, type CeilingStore, type Clock, type TimestampRange, systemClock } from './allocator.js';
import { TsoClosedError, TsoNotLeaderError, TsoUnavailableError } from './errors.js';
import { type Timestamp, timestampFromBytes, TIMESTAMP_BYTES } from './timestamp.js';

/** A ceiling proposal not applied within this many ticks is given up (it may have been dropped). */
export const DEFAULT_PROPOSAL_TIMEOUT_TICKS = 30;
/** Most ceiling proposals waiting to apply; the allocator keeps one renewal in flight, plus the barrier. */
export const MAX_PENDING_PROPOSALS = 16;

/** Ceiling entry: ceiling u64 | proposer node u32 | proposal sequence u32 (so the proposer recognises it). */
const ENTRY_BYTES = TIMESTAMP_BYTES + 8;
/** The barrier is a ceiling entry of 0: it changes nothing, but its application proves the old term applied. */
const BARRIER_CEILING = 0n;

export class TsoEntryCorruptError extends Error {
  readonly code = 'TsoEntryCorrupt' as const;
}

export class TsoOracleUnboundError extends Error {
  readonly code = 'TsoOracleUnbound' as const;
}

interface CeilingEntry {
  ceiling: Timestamp;
  proposer: number;
  seq: number;
}

export function encodeCeilingEntry(e: CeilingEntry): Uint8Array {
  const b = Buffer.alloc(ENTRY_BYTES);
  b.writeBigUInt64BE(e.ceiling, 0);
  b.writeUInt32BE(e.proposer, TIMESTAMP_BYTES);
  b.writeUInt32BE(e.seq, TIMESTAMP_BYTES + 4);
  return b;
}

export function decodeCeilingEntry(data: Uint8Array): CeilingEntry {
  if (data.length !== ENTRY_BYTES) throw new TsoEntryCorruptError(`ceiling entry of ${data.length} bytes`);
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return { ceiling: b.readBigUInt64BE(0), proposer: b.readUInt32BE(TIMESTAMP_BYTES), seq: b.readUInt32BE(TIMESTAMP_BYTES + 4) };
}

export interface TsoOracleOptions {
  /** Asks the driver to process the node's Ready soon (after a proposal). */
  kick: () => void;
  clock?: Clock;
  allocator?: AllocatorOptions;
  proposalTimeoutTicks?: number;
  /** Snapshot and compact the group's log (omitted: the log is never compacted). */
  compaction?: TsoCompactionOptions;
}

interface PendingProposal {
  resolve: () => void;
  reject: (err: Error) => void;
  expiresAtTick: number;
}

/** One leadership term of this replica: its allocator and the start that must finish first. */
interface Reign {
  term: number;
  allocator: TimestampAllocator;
  started: Promise<void>;
  ready: boolean;
  /** The start failed (e.g. the barrier timed out in a partition); the next tick starts over. */
  failed: boolean;
}

export interface OracleStats {
  reigns: number;
  proposals: number;
  proposalsFailed: number;
  ranges: number;
  /** Snapshots this replica took of its own state (each followed by a compaction). */
  snapshots: number;
  /** Snapshots restored: the one loaded at start, and every one installed from the leader. */
  snapshotsRestored: number;
}

export class TsoOracle implements GroupApplication {
  /** The highest ceiling committed so far (the replicated state). */
  private appliedCeiling: Timestamp = -1n;
  private readonly pending = new Map<number, PendingProposal>();
  private nextSeq = 1;
  private ticks = 0;
  private reign: Reign | undefined;
  private closed = false;
  private readonly clock: Clock;
  private readonly proposalTimeoutTicks: number;
  private readonly compactor: TsoLogCompactor | undefined;
  readonly stats: OracleStats = { reigns: 0, proposals: 0, proposalsFailed: 0, ranges: 0, snapshots: 0, snapshotsRestored: 0 };

  /** The Raft group member this oracle applies for; set by bind() (the node needs the oracle first). */
  private boundNode: RawNode | undefined;

  constructor(private readonly opts: TsoOracleOptions) {
    this.clock = opts.clock ?? systemClock;
    this.proposalTimeoutTicks = opts.proposalTimeoutTicks ?? DEFAULT_PROPOSAL_TIMEOUT_TICKS;
    this.compactor = opts.compaction === undefined ? undefined : new TsoLogCompactor(opts.compaction);
  }

  /** Attach the group member whose log this oracle applies and through which it proposes. */
  bind(node: RawNode): void {
    this.boundNode = node;
  }

  private get node(): RawNode {
    if (this.boundNode === undefined) throw new TsoOracleUnboundError('TsoOracle used before bind()');
    return this.boundNode;
  }

  get ceiling(): Timestamp {
    return this.appliedCeiling;
  }

  /** Whether this replica is leader with a started allocator (it may still lack the lease). */
  get serving(): boolean {
    return this.reign?.ready === true;
  }

  // ---- GroupApplication ----

  applyEntry(entry: Entry): void {
    if (entry.type !== 'normal' || entry.data.length === 0) return; // a leader's empty entry
    const e = decodeCeilingEntry(entry.data);
    if (e.ceiling > this.appliedCeiling) this.appliedCeiling = e.ceiling;
    if (e.proposer !== this.node.raft.id) return;
    const p = this.pending.get(e.seq);
    if (p === undefined) return;
    this.pending.delete(e.seq);
    p.resolve();
  }

  /** The snapshot replaces the state: a replica installs one only when it is ahead of what it applied. */
  restoreSnapshot(snapshot: Snapshot): void {
    const data = snapshot.data;
    if (data.length !== 0 && data.length !== TIMESTAMP_BYTES) throw new TsoEntryCorruptError(`oracle snapshot of ${data.length} bytes`);
    this.appliedCeiling = data.length === 0 ? -1n : timestampFromBytes(data);
    this.stats.snapshotsRestored++;
  }

  /** The state to store in a Raft snapshot (restoreSnapshot reads it back). */
  snapshotData(): Uint8Array {
    if (this.appliedCeiling < 0n) return new Uint8Array(0);
    const b = Buffer.alloc(TIMESTAMP_BYTES);
    b.writeBigUInt64BE(this.appliedCeiling);
    return b;
  }

  // ---- driving ----

  /** One Raft tick passed: expire proposals that did not apply in time; retry a failed start. */
  tick(): void {
    this.ticks++;
    const raft = this.node.raft;
    if (this.reign?.failed === true && raft.role === 'leader' && !this.closed) this.beginReign(raft.term);
    for (const [seq, p] of this.pending) {
      if (p.expiresAtTick > this.ticks) continue;
      this.pending.delete(seq);
      this.stats.proposalsFailed++;
      p.reject(new TsoUnavailableError('ceiling proposal did not commit in time'));
    }
  }

  /** Called after each Ready: notices gaining or losing leadership; compacts the log when due. */
  observe(): void {
    if (this.closed) return;
    const raft = this.node.raft;
    if (raft.role === 'leader') {
      if (this.reign?.term !== raft.term) this.beginReign(raft.term);
    } else if (this.reign !== undefined) {
      this.endReign(new TsoNotLeaderError(raft.lead));
    }
    // After a Ready everything up to raft.log.applied is applied here and nothing beyond: the state matches the index.
    if (this.compactor?.maybeCompact(raft.log.applied, () => raft.trk.confState(), () => this.snapshotData()) === true) {
      this.stats.snapshots++;
    }
  }

  close(): void {
    this.closed = true;
    this.endReign(new TsoClosedError('TSO oracle closed'));
  }

  private beginReign(term: number): void {
    this.endReign(new TsoUnavailableError('leadership term changed'));
    const allocator = new TimestampAllocator(new RaftCeilingStore(this), this.clock, this.opts.allocator);
    const reign: Reign = { term, allocator, started: Promise.resolve(), ready: false, failed: false };
    reign.started = allocator.start().then(() => {
      reign.ready = true;
    });
    // Callers waiting on this start see its error; tick() begins a fresh one.
    reign.started.catch(() => {
      reign.failed = true;
    });
    this.reign = reign;
    this.stats.reigns++;
  }

  private endReign(reason: Error): void {
    this.reign = undefined;
    for (const p of this.pending.values()) p.reject(reason);
    if (this.pending.size > 0) this.stats.proposalsFailed += this.pending.size;
    this.pending.clear();
  }

  /** Propose a ceiling entry and resolve once it is applied on this replica. */
  proposeCeiling(ceiling: Timestamp): Promise<void> {
    if (this.pending.size >= MAX_PENDING_PROPOSALS) {
      return Promise.reject(new TsoUnavailableError('too many ceiling proposals pending'));
    }
    const raft = this.node.raft;
    if (raft.role !== 'leader') return Promise.reject(new TsoNotLeaderError(raft.lead));
    const seq = this.nextSeq++;
    try {
      this.node.propose(encodeCeilingEntry({ ceiling, proposer: raft.id, seq }));
    } catch (err) {
      if (err instanceof NotLeaderError) return Promise.reject(new TsoNotLeaderError(err.leader));
      if (err instanceof ConsensusError) return Promise.reject(new TsoUnavailableError(err.message));
      throw err;
    }
    this.stats.proposals++;
    const done = new Promise<void>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject, expiresAtTick: this.ticks + this.proposalTimeoutTicks });
    });
    this.opts.kick();
    return done;
  }

  /** Wait until an entry of the current term is applied: every earlier committed ceiling is then known. */
  async loadCeiling(): Promise<Timestamp | undefined> {
    await this.proposeCeiling(BARRIER_CEILING);
    return this.appliedCeiling < 0n ? undefined : this.appliedCeiling;
  }

  /**
   * `count` contiguous timestamps, each strictly above every timestamp this
   * group handed out before. Throws TsoNotLeaderError (with the leader hint)
   * or TsoUnavailableError (retry later).
   */
  async getTimestamps(count: number): Promise<TimestampRange> {
    if (this.closed) throw new TsoClosedError('TSO oracle closed');
    const reign = this.reign;
    const raft = this.node.raft;
    if (reign === undefined) throw new TsoNotLeaderError(raft.lead);
    try {
      await reign.started;
    } catch (err) {
      throw asTsoError(err);
    }
    let range: TimestampRange;
    try {
      range = await reign.allocator.allocate(count);
    } catch (err) {
      throw asTsoError(err);
    }
    // Still the same reign, and no rival leader can exist while the lease holds.
    if (this.reign !== reign) throw new TsoNotLeaderError(raft.lead);
    if (!raft.leaseValid()) throw new TsoUnavailableError('leader lease not held');
    this.stats.ranges++;
    return range;
  }
}

function asTsoError(err: unknown): Error {
  if (err instanceof TsoNotLeaderError || err instanceof TsoUnavailableError || err instanceof TsoClosedError) return err;
  if (err instanceof AllocatorRangeError) return err; // a caller's bad count: not retryable
  return new TsoUnavailableError(err instanceof Error ? err.message : 'allocation failed');
}

/** The allocator's CeilingStore over the Raft group. */
class RaftCeilingStore implements CeilingStore {
  constructor(private readonly oracle: TsoOracle) {}

  load(): Promise<Timestamp | undefined> {
    return this.oracle.loadCeiling();
  }

  persist(ceiling: Timestamp): Promise<void> {
    return this.oracle.proposeCeiling(ceiling);
  }
}
