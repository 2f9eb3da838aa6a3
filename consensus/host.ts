/**
 * Multi-Raft host: one node running many Raft groups over one shared KV store
 * and one transport. One tick() drives every group's clock. flush() collects
 * the Ready of every group and then
 *   1. persists all of them in ONE synced write batch (group commit: one
 *      fsync per flush, however many groups and entries it carries), with
 *      the state-machine writes of the entries they commit where the
 *      application stages them (GroupApplication.stageCommitted),
 *   2. sends their messages batched per peer (at most two transport calls per
 *      peer, and a snapshot alone: a leader's appends and heartbeats go out
 *      BEFORE the write, so followers persist while it does; everything else
 *      after it),
 *   3. applies committed entries and answers reads, and advances each group.
 * The host does no timing itself; a ticker (or a simulator) calls tick() and
 * flush(). Flushes never overlap: a flush requested during one runs after it.
 *
 * A snapshot from the leader is installed by an application that can
 * (`installSnapshot`) asynchronously, without stalling the other groups: the
 * group's Ready is set aside, the snapshot's Raft writes and hard state go to
 * the application to write with the new state in one batch, and the rest of
 * that Ready (its entries, messages, committed entries) is processed by the
 * first flush after the install finished. The group takes no new Ready
 * meanwhile.
 */
import type { RaftKvStore, RaftKvWrite } from './adapters/kv-port.js';
import { decodeConfChange } from './conf-change.js';
import { ConsensusError, InvalidConfigError, RaftInvariantError } from './errors.js';
import type { Entry, Message, NodeId, Snapshot } from './messages.js';
import type { RaftConfig, RaftRole, ReadState } from './raft.js';
import { RawNode, sendableBeforePersist, type Ready } from './raw-node.js';
import type { Storage } from './storage.js';

/** Most groups one host runs; each costs memory and a slot in every flush. */
export const DEFAULT_MAX_GROUPS = 10_000;
/** Most ReadIndex results per group waiting for the application to apply up to them. */
export const DEFAULT_MAX_WAITING_READS = 4096;

export interface Envelope {
  readonly groupId: number;
  readonly message: Message;
}

/** How the host reaches peers; the TCP transport implements it. Delivery may fail silently (Raft retries). */
export interface HostTransport {
  /** Answers `false` when the envelopes were dropped at once (a full queue, a frame over the limit); anything else means sent or queued. */
  send(to: NodeId, envelopes: readonly Envelope[]): unknown;
}

/** A group's storage that can stage a Ready's writes for a shared batch (RocksDbRaftStorage). */
export interface StagingStorage extends Storage {
  stage(rd: Pick<Ready, 'snapshot' | 'entries' | 'hardState'>): RaftKvWrite[];
}

/** Committed entries whose state writes ride in a flush's batch: `done` runs once the batch is written. */
export interface StagedEntries {
  readonly writes: readonly RaftKvWrite[];
  /** A write of the application's own (earlier entries) that must land before the flush's batch is written. */
  readonly after?: Promise<void>;
  done(): void;
}

/** The replicated application of one group. */
export interface GroupApplication {
  applyEntry(entry: Entry): void;
  /**
   * Optionally stages committed (normal) entries into the flush's own write
   * batch instead of applying them with applyEntry after it: one store write
   * per flush for the log and the state machines of every group, and the
   * entries are applied when the flush's write completes. Returns undefined
   * when it cannot (earlier entries or a snapshot still applying), and
   * applyEntry is used.
   */
  stageCommitted?(entries: readonly Entry[]): StagedEntries | undefined;
  restoreSnapshot(snapshot: Snapshot): void;
  /**
   * Installs a snapshot asynchronously (see the module comment), writing
   * `raftWrites` (synced) in the same batch as the new state; committed
   * entries after the snapshot are handed over only once it resolves.
   */
  installSnapshot?(snapshot: Snapshot, raftWrites: RaftKvWrite[]): Promise<void>;
  /** A ReadIndex result, handed over once the application has applied `readState.index`. */
  readReady?(readState: ReadState): void;
}

interface Group {
  readonly id: number;
  readonly node: RawNode;
  readonly storage: StagingStorage;
  readonly app: GroupApplication;
  /** Read states waiting for the application to catch up. */
  waitingReads: ReadState[];
  applied: number;
  /** A snapshot install is under way; `deferred` is the rest of its Ready. */
  installing: boolean;
  deferred: Ready | undefined;
  /** The role its last Ready showed (for counting campaigns). */
  role: RaftRole;
}

export class DuplicateGroupError extends InvalidConfigError {}
export class UnknownGroupError extends InvalidConfigError {}

export interface RaftHostOptions {
  nodeId: NodeId;
  kv: RaftKvStore;
  transport: HostTransport;
  maxGroups?: number;
  /** fsync each flush's batch (default true). */
  sync?: boolean;
  maxWaitingReads?: number;
}

export interface HostStats {
  flushes: number;
  /** Write batches issued (synced when a Ready required it): at most one per flush. */
  writeBatches: number;
  /** Of those, the synced ones (fsyncs). */
  syncedBatches: number;
  /** Transport calls: at most one per peer per flush. */
  sends: number;
  messages: number;
  droppedReads: number;
  /** Snapshot installs under way, and finished (through installSnapshot). */
  snapshotsInstalling: number;
  snapshotsInstalled: number;
  /** Elections the groups here started: a pre-election, or an election without one (see noticeCampaign). */
  campaigns: number;
}

export class RaftHost {
  private readonly groups = new Map<number, Group>();
  private flushing: Promise<void> | undefined;
  private flushAgain = false;
  readonly stats: HostStats = {
    flushes: 0,
    writeBatches: 0,
    syncedBatches: 0,
    sends: 0,
    messages: 0,
    droppedReads: 0,
    snapshotsInstalling: 0,
    snapshotsInstalled: 0,
    campaigns: 0,
  };

  constructor(private readonly opts: RaftHostOptions) {}

  /** Start a group on this host over its storage (already bootstrapped or opened). */
  addGroup(
    groupId: number,
    storage: StagingStorage,
    app: GroupApplication,
    config: Omit<RaftConfig, 'id' | 'storage'>,
  ): RawNode {
    if (this.groups.has(groupId)) throw new DuplicateGroupError(`group ${groupId} already runs here`);
    if (this.groups.size >= (this.opts.maxGroups ?? DEFAULT_MAX_GROUPS)) {
      throw new InvalidConfigError(`host is full (${this.groups.size} groups)`);
    }
    const node = new RawNode({ ...config, id: this.opts.nodeId, storage });
    this.groups.set(groupId, {
      id: groupId,
      node,
      storage,
      app,
      waitingReads: [],
      applied: config.applied ?? 0,
      installing: false,
      deferred: undefined,
      role: node.status().softState.role,
    });
    return node;
  }

  /** Stops running a group here (its storage is the caller's to delete). Unknown ids are ignored. */
  removeGroup(groupId: number): void {
    this.groups.delete(groupId);
  }

  /** How many groups run here. */
  get size(): number {
    return this.groups.size;
  }

  group(groupId: number): RawNode {
    const g = this.groups.get(groupId);
    if (g === undefined) throw new UnknownGroupError(`no group ${groupId} on node ${this.opts.nodeId}`);
    return g.node;
  }

  tick(): void {
    for (const g of this.groups.values()) g.node.tick();
  }

  /** Messages from a peer; unknown groups are ignored (the group may not be created here yet). */
  receive(envelopes: readonly Envelope[]): void {
    for (const { groupId, message } of envelopes) {
      const g = this.groups.get(groupId);
      if (g === undefined) continue;
      try {
        g.node.step(message);
      } catch (err) {
        // A forwarded proposal or read that cannot be served is dropped; a broken invariant is not.
        if (!(err instanceof ConsensusError) || err instanceof RaftInvariantError) throw err;
      }
    }
  }

  /** Process every group's Ready (see the module comment). */
  flush(): Promise<void> {
    if (this.flushing !== undefined) {
      this.flushAgain = true;
      return this.flushing;
    }
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async flushLoop(): Promise<void> {
    do {
      this.flushAgain = false;
      await this.flushOnce();
    } while (this.flushAgain);
  }

  private async flushOnce(): Promise<void> {
    // [group, its Ready, whether the Ready's snapshot (and hard state) is already installed]
    const readies: [Group, Ready, boolean][] = [];
    for (const g of this.groups.values()) {
      if (g.installing) continue;
      if (g.deferred !== undefined) {
        readies.push([g, g.deferred, true]);
        g.deferred = undefined;
        continue;
      }
      if (!g.node.hasReady()) continue;
      const rd = g.node.ready();
      this.noticeCampaign(g, rd);
      if (rd.snapshot !== undefined && g.app.installSnapshot !== undefined) this.startInstall(g, rd, rd.snapshot, g.app.installSnapshot);
      else readies.push([g, rd, false]);
    }
    if (readies.length === 0) return;
    this.stats.flushes++;

    // A leader's appends and heartbeats go out first, so followers persist while we do.
    this.send(readies, sendableBeforePersist);

    const writes: RaftKvWrite[] = [];
    for (const [g, rd, installed] of readies) {
      writes.push(...g.storage.stage(installed ? { snapshot: undefined, entries: rd.entries, hardState: undefined } : rd));
    }
    // Committed entries already in the log on disk (appended by an earlier flush: always so with
    // peers, whose acknowledgements come after that flush) are applied by an unsynced write of
    // their own BEFORE this flush's synced one, and their proposers answered at once: a
    // majority holds them durably, so waiting for this flush's fsync would only add its latency.
    // Entries committed as they are appended (a single voter's) ride in the synced batch.
    const staged = new Map<Group, StagedEntries>();
    const early: StagedEntries[] = [];
    const earlyWrites: RaftKvWrite[] = [];
    for (const [g, rd] of readies) {
      if (g.app.stageCommitted === undefined || rd.snapshot !== undefined) continue;
      const normal = rd.committedEntries.filter((e) => e.type !== 'conf-change');
      const s = normal.length === 0 ? undefined : g.app.stageCommitted(normal);
      if (s === undefined) continue;
      staged.set(g, s);
      const firstNew = rd.entries[0]?.index ?? Infinity;
      if (normal[normal.length - 1]!.index < firstNew) {
        early.push(s);
        earlyWrites.push(...s.writes);
      } else {
        writes.push(...s.writes);
      }
    }
    const earlier = [...staged.values()].flatMap((s) => (s.after === undefined ? [] : [s.after]));
    if (earlier.length > 0) await Promise.all(earlier);
    if (earlyWrites.length > 0) {
      await this.opts.kv.write(earlyWrites, { sync: false });
      this.stats.writeBatches++;
    }
    for (const s of early) s.done();
    if (writes.length > 0) {
      // A commit-index-only change need not be synced: a lost commit index is re-learned from the leader.
      const sync = (this.opts.sync ?? true) && readies.some(([, rd]) => rd.mustSync);
      await this.opts.kv.write(writes, { sync });
      this.stats.writeBatches++;
      if (sync) this.stats.syncedBatches++;
    }

    const snapshotsSent = this.send(readies, (rd, m) => !sendableBeforePersist(rd, m));

    for (const [g, rd, installed] of readies) {
      const s = staged.get(g);
      this.apply(g, rd, installed, s, s !== undefined && early.includes(s));
      for (const m of rd.messages) if (m.type === 'snap') g.node.reportSnapshot(m.to, snapshotsSent.get(m) === true);
      g.node.advance(rd);
    }
  }

  /**
   * Counts a campaign the group started, from its Ready (the pure core keeps
   * no count): the vote requests of a pre-election, or of an election that no
   * pre-election of this group led to (PreVote off, a leader transfer, a
   * candidate retrying), or a single voter's leadership, won with nobody to ask.
   * A pre-election and the election it wins are one campaign. Only a
   * (pre-)candidate's messages are looked at: a leader's flushes pay nothing.
   */
  private noticeCampaign(g: Group, rd: Ready): void {
    const before = g.role;
    const role = rd.softState?.role ?? before;
    g.role = role;
    if (role === 'leader' && before === 'follower') {
      this.stats.campaigns++;
      return;
    }
    if (role !== 'pre-candidate' && role !== 'candidate') return;
    if (rd.messages.some((m) => m.type === 'pre-vote' || (m.type === 'vote' && before !== 'pre-candidate'))) this.stats.campaigns++;
  }

  /**
   * Sends the messages of `readies` that `which` selects, batched per peer.
   * Answers, for each snapshot message sent, whether the transport took it.
   */
  private send(readies: ReadonlyArray<[Group, Ready, boolean]>, which: (rd: Ready, m: Message) => boolean): Map<Message, boolean> {
    const perPeer = new Map<NodeId, Envelope[]>();
    // A snapshot (up to tens of MiB) travels alone, so that it never pushes a frame with
    // other messages, or another snapshot, over the transport's frame limit.
    const snapshotsSent = new Map<Message, boolean>();
    for (const [g, rd] of readies) {
      for (const message of rd.messages) {
        if (!which(rd, message)) continue;
        if (message.type === 'snap') {
          snapshotsSent.set(message, this.opts.transport.send(message.to, [{ groupId: g.id, message }]) !== false);
          this.stats.sends++;
          this.stats.messages++;
          continue;
        }
        let batch = perPeer.get(message.to);
        if (batch === undefined) perPeer.set(message.to, (batch = []));
        batch.push({ groupId: g.id, message });
      }
    }
    for (const [peer, batch] of perPeer) {
      this.opts.transport.send(peer, batch);
      this.stats.sends++;
      this.stats.messages += batch.length;
    }
    return snapshotsSent;
  }

  /**
   * Hands a Ready's snapshot to the application. Its Raft writes (the
   * snapshot record, the old log's deletion) and the hard state are staged
   * now and written by the application with the new state; a failed install
   * leaves the group stopped (the application reports it).
   */
  private startInstall(g: Group, rd: Ready, snapshot: Snapshot, install: NonNullable<GroupApplication['installSnapshot']>): void {
    // The application keeps the data (in its state); the Raft record needs the metadata only.
    const record: Snapshot = { metadata: snapshot.metadata, data: new Uint8Array(0) };
    const raftWrites = g.storage.stage({ snapshot: record, entries: [], hardState: rd.hardState });
    g.installing = true;
    g.deferred = rd;
    this.stats.snapshotsInstalling++;
    install.call(g.app, snapshot, raftWrites).then(
      () => {
        g.installing = false;
        this.stats.snapshotsInstalling--;
        this.stats.snapshotsInstalled++;
      },
      () => undefined,
    );
  }

  private apply(g: Group, rd: Ready, installed: boolean, staged: StagedEntries | undefined, stagedDone: boolean): void {
    if (rd.snapshot !== undefined) {
      if (!installed) g.app.restoreSnapshot(rd.snapshot);
      g.applied = rd.snapshot.metadata.index;
    }
    for (const e of rd.committedEntries) {
      if (e.type === 'conf-change') g.node.applyConfChange(decodeConfChange(e.data));
      else if (staged === undefined) g.app.applyEntry(e);
      g.applied = e.index;
    }
    if (!stagedDone) staged?.done();
    const room = (this.opts.maxWaitingReads ?? DEFAULT_MAX_WAITING_READS) - g.waitingReads.length;
    // Beyond the limit, reads are dropped (their clients time out and retry) rather than queued without bound.
    this.stats.droppedReads += Math.max(0, rd.readStates.length - room);
    g.waitingReads.push(...rd.readStates.slice(0, Math.max(0, room)));
    const stillWaiting: ReadState[] = [];
    for (const rs of g.waitingReads) {
      if (rs.index <= g.applied) g.app.readReady?.(rs);
      else stillWaiting.push(rs);
    }
    g.waitingReads = stillWaiting;
  }
}
