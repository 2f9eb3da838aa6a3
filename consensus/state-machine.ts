/**
 * Driving an application's state machine through one Raft group: the part
 * every replicated group needs (the meta group, every range group) between
 * the RaftHost and the application.
 *
 * - Committed entries are applied strictly in log order, even though applying
 *   one is asynchronous (a write to the node's store): each apply is chained
 *   after the previous one.
 * - `propose(data)` resolves once the entry is applied on THIS replica, so a
 *   leader answers a client only after its own state shows the write. Every
 *   entry carries its proposer's id, a per-process epoch and a sequence
 *   number, so the proposer recognises its entries even when they are applied
 *   after it lost leadership (they were committed by the next leader) and
 *   never mistakes an entry of an earlier process life for a new one.
 * - A proposal that is not applied within its deadline fails with
 *   ProposalTimeoutError: its outcome is unknown (it may still commit).
 * - `serving()` tells whether this replica may answer from its state and
 *   evaluate new commands: it is leader, it has applied an entry of its own
 *   term (so every entry committed by earlier leaders is applied here), and
 *   its leader lease holds (no other leader can have accepted writes).
 * - Work that must see (or replace) the state at exactly one applied index
 *   runs in the same queue as the entries (`runExclusive`): installing a
 *   snapshot from the leader, reading the state for a snapshot, compacting
 *   the log. No entry is applied while it runs, and an entry committed after
 *   an installed snapshot is applied only once the snapshot is in the store.
 */
import { randomInt } from 'node:crypto';
import { ConsensusError, NotLeaderError } from './errors.js';
import type { RaftKvWrite } from './adapters/kv-port.js';
import type { GroupApplication, StagedEntries } from './host.js';
import type { Entry, Snapshot } from './messages.js';
import type { RawNode } from './raw-node.js';

/** What the application does with committed entries. */
export interface StateMachine {
  /**
   * Applies one committed entry's data; entries come in log order, one at a
   * time. What it returns is handed to the proposer (on the replica that
   * proposed the entry) as the result of `propose`.
   */
  apply(data: Uint8Array, index: number): Promise<unknown>;
  /**
   * Applies several consecutive entries at once (each `data` undefined for an
   * entry without application data), with the same effect as applying them
   * one by one, returning one result per entry. A state machine that writes
   * to a store makes this one write: a store that syncs its writes in groups
   * makes an unsynced write wait behind the sync in progress, so one write
   * per entry would apply at most one entry per sync.
   */
  applyMany?(entries: ReadonlyArray<{ data: Uint8Array | undefined; index: number }>): Promise<unknown[]>;
  /**
   * Stages consecutive entries synchronously: the writes that applying them
   * makes (which the host puts in its flush's batch), and `applied`, called
   * once those writes are in the store, returning one result per entry. Same
   * effect as applyMany; a machine that has it needs no store write of its own.
   */
  stageMany?(entries: ReadonlyArray<{ data: Uint8Array | undefined; index: number }>): {
    writes: readonly RaftKvWrite[];
    applied(): unknown[];
  };
  /** An entry without application data (a new leader's empty entry) was committed at `index`. */
  skip?(index: number): Promise<void>;
  /**
   * Replaces the whole state with the snapshot's (a follower that fell behind
   * the leader's compacted log): in ONE store write, together with
   * `raftWrites` (the Raft storage's record of the snapshot), so that a crash
   * leaves either the old state and log or the new ones.
   */
  installSnapshot?(snapshot: Snapshot, raftWrites: RaftKvWrite[]): Promise<void>;
}

/** A proposal that did not apply within this many ticks fails (its outcome unknown). */
export const DEFAULT_PROPOSAL_TIMEOUT_TICKS = 250;
/** Most entries applied in one applyMany call. */
export const MAX_APPLY_BATCH = 1024;
/** Most proposals of one group waiting to be applied. */
export const MAX_PENDING_PROPOSALS = 10_000;

const HEADER_BYTES = 12;

/** An entry's application data (undefined for an entry without: a new leader's empty entry, a conf change). */
function payload(entry: Entry): Uint8Array | undefined {
  return entry.type !== 'normal' || entry.data.length < HEADER_BYTES ? undefined : entry.data.subarray(HEADER_BYTES);
}

export class ProposalTimeoutError extends ConsensusError {
  readonly code = 'ProposalTimeout' as const;
}

export class ProposalsFullError extends ConsensusError {
  readonly code = 'ProposalsFull' as const;
}

export class StateMachineClosedError extends ConsensusError {
  readonly code = 'StateMachineClosed' as const;
}

/** What the apply queue holds: committed entries, and exclusive work between them. */
type Queued = { kind: 'entry'; entry: Entry } | { kind: 'task'; run: () => Promise<void> };

interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  expiresAtTick: number;
}

export interface ReplicatedStateMachineOptions {
  /** Asks the host for a flush (proposals sit in the Raft node until then). */
  kick: () => void;
  proposalTimeoutTicks?: number;
  /** Told about an apply that failed: the group stops applying (the process should stop). */
  onApplyError?: (error: unknown) => void;
}

export class ReplicatedStateMachine implements GroupApplication {
  private boundNode: RawNode | undefined;
  private readonly epoch = randomInt(1, 0xffff_ffff);
  private nextSeq = 1;
  private readonly pending = new Map<number, Pending>();
  private ticks = 0;
  private tail: Promise<void> = Promise.resolve();
  /** Committed entries (and exclusive tasks) waiting to run, in log order. */
  private readonly queue: Queued[] = [];
  private draining = false;
  /** The drain loop's write of a batch of entries, while it is in flight. */
  private applyingBatch: Promise<void> | undefined;
  private appliedTermValue = 0;
  private appliedIndexValue = 0;
  private failed: unknown;
  private closed = false;
  /** Entries this replica proposed. */
  proposals = 0;

  /** Proposals waiting to be applied here (at MAX_PENDING_PROPOSALS new ones are refused). */
  get pendingProposals(): number {
    return this.pending.size;
  }

  constructor(
    private readonly machine: StateMachine,
    private readonly opts: ReplicatedStateMachineOptions,
  ) {}

  bind(node: RawNode, appliedIndex: number): void {
    this.boundNode = node;
    this.appliedIndexValue = appliedIndex;
  }

  get node(): RawNode {
    if (this.boundNode === undefined) throw new StateMachineClosedError('state machine used before bind()');
    return this.boundNode;
  }

  /** The index of the last entry applied here. */
  get appliedIndex(): number {
    return this.appliedIndexValue;
  }

  /** Leader of its own term with its lease, and every earlier entry applied here. */
  serving(): boolean {
    const raft = this.node.raft;
    return !this.closed && raft.role === 'leader' && this.appliedTermValue === raft.term && raft.leaseValid();
  }

  /** The leader this replica knows of (0: none). */
  get leader(): number {
    return this.node.raft.lead;
  }

  /** Proposes `data` and resolves, with what applying it returned, once it is applied on this replica. */
  propose(data: Uint8Array): Promise<unknown> {
    if (this.closed) return Promise.reject(new StateMachineClosedError('group closed'));
    if (this.pending.size >= MAX_PENDING_PROPOSALS) {
      return Promise.reject(new ProposalsFullError(`${this.pending.size} proposals pending`));
    }
    const raft = this.node.raft;
    if (raft.role !== 'leader') return Promise.reject(new NotLeaderError(raft.lead));
    const seq = this.nextSeq++;
    const entry = Buffer.allocUnsafe(HEADER_BYTES + data.length);
    entry.writeUInt32BE(raft.id, 0);
    entry.writeUInt32BE(this.epoch, 4);
    entry.writeUInt32BE(seq, 8);
    entry.set(data, HEADER_BYTES);
    try {
      this.node.propose(entry);
    } catch (error) {
      return Promise.reject(error);
    }
    this.proposals++;
    const done = new Promise<unknown>((resolve, reject) => {
      const timeout = this.opts.proposalTimeoutTicks ?? DEFAULT_PROPOSAL_TIMEOUT_TICKS;
      this.pending.set(seq, { resolve, reject, expiresAtTick: this.ticks + timeout });
    });
    this.opts.kick();
    return done;
  }

  // ---- GroupApplication ----

  /**
   * Queues a committed entry. Entries are applied in log order by one drain
   * loop; with `applyMany`, everything queued meanwhile (up to
   * MAX_APPLY_BATCH) is applied in one call.
   */
  applyEntry(entry: Entry): void {
    this.enqueue({ kind: 'entry', entry });
  }

  /**
   * Runs `work` after everything queued so far is applied and before anything
   * queued later, with the applied index it runs at; no entry is applied
   * meanwhile. Its failure is its caller's (the queue goes on).
   */
  runExclusive<T>(work: (appliedIndex: number) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.enqueue({
        kind: 'task',
        run: async () => {
          try {
            if (this.closed) throw new StateMachineClosedError('group closed');
            if (this.failed !== undefined) throw this.failed;
            resolve(await work(this.appliedIndexValue));
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        },
      });
    });
  }

  private enqueue(item: Queued): void {
    this.queue.push(item);
    if (this.queue.length === 1 && !this.draining) this.tail = this.drain();
  }

  /**
   * Stages committed entries into the host's flush batch when the machine can
   * (see StateMachine.stageMany) and nothing applied through the queue is
   * still in progress (order is kept: those would have to land first).
   */
  /** Resolves when the entries staged into the host's write in progress are applied. */
  private stagedInFlight: Promise<void> | undefined;
  /** Resolves stagedInFlight: when the host's write is done, or when the group closes (a write that failed never reports). */
  private stagedLanded: (() => void) | undefined;

  stageCommitted(entries: readonly Entry[]): StagedEntries | undefined {
    const stageMany = this.machine.stageMany;
    if (stageMany === undefined || this.queue.length > 0) return undefined;
    if (this.failed !== undefined || this.closed || entries.length > MAX_APPLY_BATCH) return undefined;
    // The drain loop may be writing earlier entries (nothing else is queued): the host writes
    // these after that write lands. A draining loop not writing entries runs an exclusive task,
    // during which nothing may be applied. Queuing them instead would keep every later flush on the
    // drain loop's separate writes for as long as flushes keep coming (see applyMany).
    const after = this.draining ? this.applyingBatch : undefined;
    if (this.draining && after === undefined) return undefined;
    let staged: ReturnType<typeof stageMany>;
    try {
      staged = stageMany.call(this.machine, entries.map((entry) => ({ data: payload(entry), index: entry.index })));
    } catch (error) {
      this.fail(error);
      return { writes: [], done: () => undefined };
    }
    this.stagedInFlight = new Promise<void>((resolve) => (this.stagedLanded = resolve));
    return {
      writes: staged.writes,
      ...(after === undefined ? {} : { after }),
      done: () => {
        this.releaseStaged();
        if (this.failed !== undefined) return; // the earlier write failed: these entries are not applied
        let results: unknown[];
        try {
          results = staged.applied();
        } catch (error) {
          this.fail(error);
          return;
        }
        entries.forEach((entry, i) => this.settle(entry, results[i]));
      },
    };
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0]!;
        if (head.kind === 'task') {
          // A task sees the state at exactly one applied index: not while staged entries are
          // being written (their writes may be in the store before their index is applied).
          while (this.stagedInFlight !== undefined) await this.stagedInFlight;
          this.queue.shift();
          await head.run();
          continue;
        }
        // Consecutive entries, up to the next task.
        const max = this.machine.applyMany === undefined ? 1 : MAX_APPLY_BATCH;
        let count = 0;
        while (count < max && count < this.queue.length && this.queue[count]!.kind === 'entry') count++;
        const batch = this.queue.splice(0, count).map((item) => (item as Extract<Queued, { kind: 'entry' }>).entry);
        this.applyingBatch = this.applyBatch(batch);
        try {
          await this.applyingBatch;
        } finally {
          this.applyingBatch = undefined;
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async applyBatch(entries: readonly Entry[]): Promise<void> {
    if (this.failed !== undefined || this.closed) return;
    let results: unknown[];
    try {
      if (this.machine.applyMany !== undefined) {
        results = await this.machine.applyMany(entries.map((entry) => ({ data: payload(entry), index: entry.index })));
      } else {
        results = [];
        for (const entry of entries) {
          const data = payload(entry);
          if (data === undefined) await this.machine.skip?.(entry.index);
          results.push(data === undefined ? undefined : await this.machine.apply(data, entry.index));
        }
      }
    } catch (error) {
      this.fail(error);
      return;
    }
    entries.forEach((entry, i) => this.settle(entry, results[i]));
  }

  /**
   * An apply failed: the group stops applying, and its pending proposals fail.
   * Not reported once the group is closed: an apply still in flight then fails
   * because the node is shutting down (its store closing), which is no fault;
   * a restart applies again from the stored applied index.
   */
  private fail(error: unknown): void {
    if (this.failed !== undefined || this.closed) return;
    this.failed = error;
    this.opts.onApplyError?.(error);
    for (const p of this.pending.values()) p.reject(error instanceof Error ? error : new Error(String(error)));
    this.pending.clear();
  }

  /** Records `entry` as applied and resolves its proposer, if that is this process. */
  private settle(entry: Entry, result: unknown): void {
    this.appliedIndexValue = entry.index;
    this.appliedTermValue = entry.term;
    if (entry.type !== 'normal' || entry.data.length < HEADER_BYTES) return;
    const header = Buffer.from(entry.data.buffer, entry.data.byteOffset, HEADER_BYTES);
    if (header.readUInt32BE(0) !== this.node.raft.id || header.readUInt32BE(4) !== this.epoch) return;
    const seq = header.readUInt32BE(8);
    const p = this.pending.get(seq);
    if (p === undefined) return;
    this.pending.delete(seq);
    p.resolve(result);
  }

  /** Only for hosts without installSnapshot support: a state machine here installs snapshots asynchronously. */
  restoreSnapshot(snapshot: Snapshot): void {
    throw new StateMachineClosedError(`snapshot ${snapshot.metadata.index} must be installed through installSnapshot`);
  }

  /**
   * Installs a snapshot once every entry before it is applied, and before any
   * entry after it (the host hands those over only once this resolves). A
   * failure stops the group, like a failed apply: its state is unknown.
   */
  installSnapshot(snapshot: Snapshot, raftWrites: RaftKvWrite[]): Promise<void> {
    const install = this.machine.installSnapshot;
    if (install === undefined) return Promise.reject(new StateMachineClosedError('this state machine cannot install snapshots'));
    return this.runExclusive(async () => {
      await install.call(this.machine, snapshot, raftWrites);
      this.appliedIndexValue = snapshot.metadata.index;
      this.appliedTermValue = snapshot.metadata.term;
    }).catch((error: unknown) => {
      if (!(error instanceof StateMachineClosedError)) this.fail(error);
      throw error;
    });
  }

  /** Resolves once every entry handed to applyEntry so far is applied. */
  async caughtUp(): Promise<void> {
    while (this.draining || this.queue.length > 0) await this.tail;
  }

  /** One Raft tick passed: proposals past their deadline fail. */
  tick(): void {
    this.ticks++;
    for (const [seq, p] of this.pending) {
      if (p.expiresAtTick > this.ticks) continue;
      this.pending.delete(seq);
      p.reject(new ProposalTimeoutError('the proposal was not applied in time; its outcome is unknown'));
    }
  }

  private releaseStaged(): void {
    this.stagedInFlight = undefined;
    this.stagedLanded?.();
    this.stagedLanded = undefined;
  }

  close(): void {
    this.closed = true;
    this.releaseStaged(); // a task waiting for a write that will never report goes on (and finds the group closed)
    for (const p of this.pending.values()) p.reject(new StateMachineClosedError('group closed'));
    this.pending.clear();
  }
}
