/**
 * The deterministic cluster simulator. N nodes, each a RawNode over a
 * MemoryStorage (its "disk", which survives crashes) and a KvStateMachine,
 * connected by a SimNetwork. Time advances in steps; in each step every live
 * node ticks once, due messages are delivered, faults strike, and nodes
 * process their Ready. All randomness comes from one seed.
 *
 * A crash strikes after messages were stepped but before the Ready was
 * persisted, so it loses exactly the unsynced state: unstable entries, an
 * unpersisted vote or term, pending reads and everything in memory.
 *
 * Persisting a Ready that must be synced takes time, as a disk write does: it
 * completes a few steps later, and a crash meanwhile loses it. A leader's
 * appends and heartbeats are sent before the write starts (what RaftHost
 * does), so followers may acknowledge entries the leader then loses.
 */
import { decodeConfChange, type ConfChange } from '../../consensus/conf-change.js';
import { ConsensusError } from '../../consensus/errors.js';
import type { Message, NodeId } from '../../consensus/messages.js';
import { RawNode, sendableBeforePersist, type Ready } from '../../consensus/raw-node.js';
import type { ReadOnlyOption } from '../../consensus/raft.js';
import { SeededRandom } from '../../consensus/random.js';
import { MemoryStorage } from '../../consensus/storage.js';
import { KvStateMachine, encodeKvCommand } from './kv-state-machine.js';
import { SafetyChecker, SafetyViolation } from './safety-checker.js';
import { SimNetwork, type NetworkFaults } from './sim-network.js';

export const ELECTION_TICK = 10;
export const HEARTBEAT_TICK = 2;
/** Bounded client load: at most this many reads waiting per node. */
const MAX_PENDING_READS_PER_NODE = 32;
const KEYS = ['a', 'b', 'c'];

export interface SimOptions {
  seed: number;
  nodes: number;
  steps: number;
  preVote: boolean;
  checkQuorum: boolean;
  readOnly: ReadOnlyOption;
  network: NetworkFaults;
  /** Per-step probabilities of faults and client requests. */
  crashRate: number;
  restartRate: number;
  partitionRate: number;
  healRate: number;
  proposeRate: number;
  readRate: number;
  compactRate: number;
  /** Spare nodes that start outside the group and may be added as learners, then promoted. */
  spares: number;
  /** Per-step probability that the leader is asked for a membership change (add learner, promote, remove voter). */
  membershipRate: number;
  /** Per-step probability that the client asks the leader to hand leadership to a random voter. */
  transferRate: number;
  maxInflightMsgs: number;
  /**
   * Clock drift: each node's clock ticks in a given step with a probability
   * drawn per node from [minClockRate, 1]. Leases assume bounded drift.
   */
  minClockRate: number;
  /**
   * Fault the protocol does not tolerate: a crash that also wipes the node's
   * disk. Only used to prove that the checker catches real violations.
   */
  amnesiaOnCrash?: boolean;
}

interface PendingRead {
  key: string;
  floor: number;
  /** ReadIndex result; undefined until the ReadState arrives. */
  index: number | undefined;
}

interface SimNode {
  id: NodeId;
  storage: MemoryStorage;
  raw: RawNode | undefined;
  sm: KvStateMachine;
  reads: Map<string, PendingRead>;
  restarts: number;
  /** Probability that this node's clock ticks in a step (its drift). */
  clockRate: number;
  /** A Ready whose synced write is still in progress, and the step at which it completes. */
  writing: { rd: Ready; doneAt: number } | undefined;
}

/** Most steps a synced write of a Ready takes. */
const MAX_WRITE_STEPS = 3;

export interface SimStats {
  committed: number;
  readsChecked: number;
  writesAcked: number;
  crashes: number;
  partitions: number;
  messagesDelivered: number;
  messagesDropped: number;
  confChangesApplied: number;
}

export class SimCluster {
  private readonly rng: SeededRandom;
  private readonly net: SimNetwork;
  private readonly nodes = new Map<NodeId, SimNode>();
  readonly checker = new SafetyChecker();
  private now = 0;
  private nextRequestId = 1;
  private nextReadId = 1;
  /** Proposed writes not yet seen applied, by request id. */
  private readonly pendingWrites = new Map<number, string>();
  private readonly stats = { writesAcked: 0, crashes: 0, partitions: 0, confChangesApplied: 0 };
  /** Nodes whose removal was proposed; never re-added. */
  private readonly removed = new Set<NodeId>();

  constructor(private readonly opts: SimOptions) {
    this.rng = new SeededRandom(opts.seed);
    this.net = new SimNetwork(new SeededRandom(opts.seed ^ 0x5eed), opts.network);
    const ids = Array.from({ length: opts.nodes }, (_, i) => i + 1);
    const spareIds = Array.from({ length: opts.spares }, (_, i) => opts.nodes + i + 1);
    for (const id of [...ids, ...spareIds]) {
      // A spare starts with an empty log and learns the membership by replication once added.
      const storage = id <= opts.nodes ? MemoryStorage.bootstrap(ids) : new MemoryStorage();
      const node: SimNode = { id, storage, raw: undefined, sm: new KvStateMachine(), reads: new Map(), restarts: 0, writing: undefined, clockRate: 1 - this.rng.nextInt(1000) / 1000 * (1 - opts.minClockRate) };
      this.nodes.set(id, node);
      this.start(node);
    }
  }

  private start(node: SimNode): void {
    const snap = node.storage.snapshot();
    node.sm.restore(snap.data, snap.metadata.index);
    node.reads.clear();
    node.raw = new RawNode({
      id: node.id,
      electionTick: ELECTION_TICK,
      heartbeatTick: HEARTBEAT_TICK,
      storage: node.storage,
      applied: snap.metadata.index,
      random: new SeededRandom(this.opts.seed * 31 + node.id * 1009 + node.restarts * 7919),
      preVote: this.opts.preVote,
      checkQuorum: this.opts.checkQuorum,
      readOnly: this.opts.readOnly,
      maxInflightMsgs: this.opts.maxInflightMsgs,
      maxMsgBytes: 4096,
    });
  }

  run(): SimStats {
    for (let i = 0; i < this.opts.steps; i++) this.step(true);
    this.settle();
    return {
      committed: this.checker.committedCount(),
      readsChecked: this.checker.readsChecked,
      writesAcked: this.stats.writesAcked,
      crashes: this.stats.crashes,
      partitions: this.stats.partitions,
      messagesDelivered: this.net.delivered,
      messagesDropped: this.net.dropped,
      confChangesApplied: this.stats.confChangesApplied,
    };
  }

  private live(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.raw !== undefined);
  }

  private step(faults: boolean): void {
    this.now++;
    if (faults) this.maybePartition();
    this.clientRequests();
    for (const n of this.live()) if (n.clockRate >= 1 || this.rng.chance(n.clockRate)) n.raw!.tick();
    for (const m of this.net.due(this.now)) this.deliver(m);
    if (faults) this.maybeCrashOrRestart();
    for (const n of this.live()) this.handleReady(n);
    for (const n of this.live()) this.serveReads(n);
    if (faults) this.maybeCompact();
    this.checkLeaders();
  }

  private deliver(m: Message): void {
    const node = this.nodes.get(m.to);
    if (node?.raw === undefined) return; // crashed: the message is lost
    try {
      node.raw.step(m);
    } catch (err) {
      // Forwarded proposals and reads may be refused; nothing else may throw.
      if (!(err instanceof ConsensusError) || err.code === 'InvariantViolated') throw err;
    }
  }

  private handleReady(n: SimNode): void {
    const raw = n.raw!;
    if (n.writing !== undefined) {
      if (this.now < n.writing.doneAt) return; // no new Ready until the write in progress is done
      const { rd } = n.writing;
      n.writing = undefined;
      this.finishReady(n, rd);
    }
    if (!raw.hasReady()) return;
    const rd = raw.ready();
    for (const m of rd.messages) if (sendableBeforePersist(rd, m)) this.net.send(m, this.now);
    if (rd.mustSync) {
      n.writing = { rd, doneAt: this.now + this.rng.nextInt(MAX_WRITE_STEPS + 1) };
      if (this.now < n.writing.doneAt) return;
      n.writing = undefined;
    }
    this.finishReady(n, rd);
  }

  /** The Ready's write is done: persist it, send the rest of its messages, apply, advance. */
  private finishReady(n: SimNode, rd: Ready): void {
    const raw = n.raw!;
    n.storage.persist(rd);
    for (const m of rd.messages) {
      if (sendableBeforePersist(rd, m)) continue;
      const sent = this.net.send(m, this.now);
      if (m.type === 'snap') raw.reportSnapshot(m.to, sent);
    }
    if (rd.snapshot !== undefined) {
      const md = rd.snapshot.metadata;
      this.checker.observeSnapshot(n.id, md.index, md.term);
      n.sm.restore(rd.snapshot.data, md.index);
    }
    for (const e of rd.committedEntries) {
      this.checker.observeApply(n.id, raw.raft.term, n.sm.appliedIndex, e);
      if (e.type === 'conf-change') {
        raw.applyConfChange(decodeConfChange(e.data));
        if (n.id === 1 && e.index > this.opts.nodes) this.stats.confChangesApplied++; // counted once, at node 1
      }
      const cmd = n.sm.apply(e);
      if (cmd !== undefined && this.pendingWrites.delete(cmd.requestId)) {
        // First application anywhere: the write is committed, so the client may be told.
        this.stats.writesAcked++;
        this.checker.observeWriteAck(cmd.key, e.index);
      }
    }
    for (const rs of rd.readStates) {
      const read = n.reads.get(rs.context);
      if (read !== undefined) read.index = rs.index;
    }
    raw.advance(rd);
  }

  private serveReads(n: SimNode): void {
    for (const [ctx, read] of n.reads) {
      if (read.index === undefined || n.sm.appliedIndex < read.index) continue;
      n.reads.delete(ctx);
      this.checker.checkRead(n.id, read.key, read.floor, n.sm.get(read.key)?.index ?? 0, this.opts.readOnly);
    }
  }

  private checkLeaders(): void {
    for (const n of this.live()) {
      const r = n.raw!.raft;
      if (r.role !== 'leader') continue;
      this.checker.observeLeader(n.id, r.term);
      this.checker.checkLeaderLog(n.id, r.term, r.log);
    }
  }

  private pick<T>(items: readonly T[]): T | undefined {
    return items.length === 0 ? undefined : items[this.rng.nextInt(items.length)];
  }

  private clientRequests(): void {
    if (this.rng.chance(this.opts.proposeRate)) {
      const n = this.pick(this.live());
      if (n !== undefined) this.propose(n);
    }
    if (this.rng.chance(this.opts.membershipRate)) this.changeMembership();
    if (this.rng.chance(this.opts.transferRate)) {
      const leader = this.live().find((n) => n.raw!.raft.role === 'leader');
      const target = this.pick([...this.nodes.keys()]);
      if (leader !== undefined && target !== undefined) leader.raw!.transferLeader(target);
    }
    if (this.rng.chance(this.opts.readRate)) {
      const n = this.pick(this.live());
      if (n !== undefined && n.reads.size < MAX_PENDING_READS_PER_NODE) this.read(n);
    }
  }

  /** Grow with spares (as learners, then promoted), or shrink, never below three voters. */
  private changeMembership(): void {
    const leader = this.live().find((n) => n.raw!.raft.role === 'leader');
    if (leader === undefined) return;
    const cs = leader.raw!.raft.trk.confState();
    const options: ConfChange[] = [];
    for (const id of cs.learners) options.push({ type: 'add-voter', nodeId: id });
    const outside = [...this.nodes.keys()].filter((id) => id > this.opts.nodes && !cs.voters.includes(id) && !cs.learners.includes(id));
    if (outside.length > 0 && !this.removed.has(outside[0]!)) options.push({ type: 'add-learner', nodeId: outside[0]! });
    if (cs.voters.length > 3) for (const id of cs.voters) options.push({ type: 'remove-voter', nodeId: id });
    const cc = this.pick(options);
    if (cc === undefined) return;
    try {
      leader.raw!.proposeConfChange(cc);
      // Ids are never reused: a removed node stays out (its old state could confuse the group).
      if (cc.type === 'remove-voter') this.removed.add(cc.nodeId);
    } catch (err) {
      if (!(err instanceof ConsensusError) || err.code === 'InvariantViolated') throw err;
    }
  }

  private propose(n: SimNode): void {
    const key = this.pick(KEYS)!;
    const requestId = this.nextRequestId++;
    try {
      n.raw!.propose(encodeKvCommand({ key, value: `v${requestId}`, requestId }));
      this.pendingWrites.set(requestId, key);
    } catch (err) {
      if (!(err instanceof ConsensusError) || err.code === 'InvariantViolated') throw err;
    }
  }

  private read(n: SimNode): void {
    const key = this.pick(KEYS)!;
    const ctx = `r${this.nextReadId++}`;
    try {
      n.raw!.readIndex(ctx);
      n.reads.set(ctx, { key, floor: this.checker.readFloor(key), index: undefined });
    } catch (err) {
      if (!(err instanceof ConsensusError) || err.code === 'InvariantViolated') throw err;
    }
  }

  private maybeCrashOrRestart(): void {
    for (const n of this.nodes.values()) {
      if (n.raw !== undefined && this.rng.chance(this.opts.crashRate)) {
        // Keep a majority alive most of the time, but allow total outages too.
        n.raw = undefined;
        n.reads.clear();
        n.writing = undefined; // the write in progress never reached the disk
        if (this.opts.amnesiaOnCrash === true) n.storage = MemoryStorage.bootstrap([...this.nodes.keys()]);
        this.stats.crashes++;
      } else if (n.raw === undefined && this.rng.chance(this.opts.restartRate)) {
        n.restarts++;
        this.start(n);
      }
    }
  }

  private maybePartition(): void {
    if (this.net.isPartitioned()) {
      if (this.rng.chance(this.opts.healRate)) this.net.heal();
      return;
    }
    if (!this.rng.chance(this.opts.partitionRate)) return;
    const groups = new Map<NodeId, number>();
    const leader = this.live().find((n) => n.raw!.raft.role === 'leader');
    if (leader !== undefined && this.rng.chance(0.5)) {
      // The classic: the leader alone on one side, still believing it leads (and holding its lease).
      for (const id of this.nodes.keys()) groups.set(id, id === leader.id ? 1 : 0);
    } else {
      for (const id of this.nodes.keys()) groups.set(id, this.rng.nextInt(2));
    }
    this.net.partition(groups);
    this.stats.partitions++;
  }

  private maybeCompact(): void {
    for (const n of this.live()) {
      if (!this.rng.chance(this.opts.compactRate)) continue;
      const applied = n.sm.appliedIndex;
      if (applied <= n.storage.snapshot().metadata.index || applied > n.storage.lastIndex()) continue;
      n.storage.createSnapshot(applied, n.raw!.raft.trk.confState(), n.sm.snapshot());
      n.storage.compact(applied);
    }
  }

  /**
   * Liveness after the storm: heal, restart everyone, and require that a
   * leader emerges and a new write commits on every node within a bound.
   */
  private settle(): void {
    this.net.heal();
    for (const n of this.nodes.values()) {
      if (n.raw === undefined) {
        n.restarts++;
        this.start(n);
      }
    }
    const boundSteps = 40 * ELECTION_TICK;
    /** A client retries an unanswered write this often (the first attempt may die with its leader). */
    const retrySteps = 2 * ELECTION_TICK;
    let lastAttempt = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < boundSteps; i++) {
      this.step(false);
      const leader = this.live().find((n) => n.raw!.raft.role === 'leader');
      if (leader !== undefined && i - lastAttempt >= retrySteps) {
        try {
          leader.raw!.propose(encodeKvCommand({ key: 'final', value: 'final', requestId: this.nextRequestId++ }));
          lastAttempt = i;
        } catch (err) {
          if (!(err instanceof ConsensusError) || err.code === 'InvariantViolated') throw err;
        }
      }
      if (leader !== undefined) {
        const cs = leader.raw!.raft.trk.confState();
        const members = this.live().filter((n) => cs.voters.includes(n.id) || cs.learners.includes(n.id));
        if (members.every((n) => n.sm.get('final') !== undefined)) return;
      }
    }
    const states = this.live().map((n) => `${n.id}:${n.raw!.raft.role}/t${n.raw!.raft.term}/c${n.raw!.raft.log.committed}`);
    throw new SafetyViolation(`no progress after healing for ${boundSteps} steps (liveness): ${states.join(' ')}`);
  }
}
