/**
 * The TSO group in the deterministic simulator: the real TsoOracle on the
 * real RawNode, over the simulator's seeded lossy network (test/sim), with
 * partitions (half of them isolating the leader), crashes that lose unsynced
 * state, restarts, log compaction (the oracle's own, every few entries), and
 * clocks that disagree: every replica's clock starts skewed, runs at its own
 * rate (stopped, slow, fast) that changes during the run, and the leader's
 * clock jumps backwards and forwards. Leadership moves (crashes, partitions)
 * between replicas whose clocks disagree by seconds. Simulated clients (outside any partition, so they can still reach a
 * deposed leader) ask replicas for ranges and follow NotLeader hints. Every
 * timestamp handed out must be unique, increase per client, and exceed every
 * timestamp received before its call began; after healing, the group must
 * serve again (liveness).
 *
 *   TSO_SIM_SEEDS=n (default below)   TSO_SIM_SEED=s to replay one seed
 */
import t from 'tap';
import { decodeConfChange } from '../../consensus/conf-change.js';
import type { NodeId } from '../../consensus/messages.js';
import { RawNode } from '../../consensus/raw-node.js';
import { SeededRandom } from '../../consensus/random.js';
import { MemoryStorage } from '../../consensus/storage.js';
import { TsoError, TsoNotLeaderError } from '../../tso/errors.js';
import { TsoOracle } from '../../tso/oracle.js';
import { ELECTION_TICK, HEARTBEAT_TICK } from '../sim/sim-cluster.js';
import { SimNetwork } from '../sim/sim-network.js';
import { TimestampHistory } from './timestamp-history.js';

const CI_DEFAULT_SEEDS = 600;
const STEPS_PER_SEED = 400;
const SETTLE_STEPS = 40 * ELECTION_TICK;
const NODES = 3;
const CLIENTS = 4;
/** Simulated milliseconds per step (the clocks' base rate). */
const STEP_MS = 10;
const BASE_MS = 1_700_000_000_000;
/** Short windows so ceilings renew many times per seed. */
const WINDOW_MS = 400;
const RENEW_AHEAD_MS = 150;
const MAX_COUNT_PER_CALL = 8;
const MAX_BACKWARD_JUMP_MS = 3_000;
const MAX_FORWARD_JUMP_MS = 10_000;
/** Each replica's clock starts up to this far from the base, either way. */
const MAX_SKEW_MS = 5_000;
/** Clock rates a replica may switch to: stopped, slow, about right, fast. */
const CLOCK_RATES = [0, 0.25, 0.5, 0.9, 1, 1.1, 2, 4];
/** Snapshot the oracle every few applied entries so followers often catch up by snapshot. */
const SNAPSHOT_INTERVAL_ENTRIES = 8;
const KEEP_ENTRIES = 2;
const STRAY_CALL_RATE = 0.3;

interface Rates {
  call: number;
  crash: number;
  restart: number;
  partition: number;
  heal: number;
  clockJump: number;
  clockForward: number;
  clockRate: number;
}

const RATES: Rates = {
  call: 0.5,
  crash: 0.006,
  restart: 0.05,
  partition: 0.015,
  heal: 0.05,
  clockJump: 0.02,
  clockForward: 0.005,
  clockRate: 0.02,
};

interface SimReplica {
  id: NodeId;
  storage: MemoryStorage;
  raw: RawNode | undefined;
  oracle: TsoOracle | undefined;
  applied: number;
  /** This replica's wall clock; it runs while the replica is down too. */
  clockMs: number;
  /** Clock milliseconds per simulated millisecond. */
  clockRate: number;
  restarts: number;
}

interface SimClient {
  id: number;
  target: NodeId;
  busy: boolean;
}

class TsoSim {
  private readonly rng: SeededRandom;
  private readonly net: SimNetwork;
  private readonly replicas = new Map<NodeId, SimReplica>();
  private readonly clients: SimClient[] = [];
  readonly history = new TimestampHistory();
  private now = 0;
  private events = 0;
  readonly stats = { crashes: 0, partitions: 0, clockJumps: 0, clockRateChanges: 0, leaderChanges: 0, failedCalls: 0, snapshots: 0 };
  private lastLeader: NodeId | undefined;

  constructor(private readonly seed: number) {
    this.rng = new SeededRandom(seed);
    const climates = [
      { dropRate: 0.02, duplicateRate: 0.01, minDelay: 1, maxDelay: 2 },
      { dropRate: 0.1, duplicateRate: 0.05, minDelay: 1, maxDelay: 4 },
    ];
    this.net = new SimNetwork(new SeededRandom(seed ^ 0x75, ), climates[seed % climates.length]!);
    const ids = Array.from({ length: NODES }, (_, i) => i + 1);
    for (const id of ids) {
      const clockMs = BASE_MS - MAX_SKEW_MS + this.rng.nextInt(2 * MAX_SKEW_MS);
      const r: SimReplica = { id, storage: MemoryStorage.bootstrap(ids), raw: undefined, oracle: undefined, applied: 0, clockMs, clockRate: 1, restarts: 0 };
      this.replicas.set(id, r);
      this.start(r);
    }
    for (let c = 0; c < CLIENTS; c++) this.clients.push({ id: c, target: 1 + (c % NODES), busy: false });
  }

  private start(r: SimReplica): void {
    const snap = r.storage.snapshot();
    const oracle = new TsoOracle({
      kick: () => undefined, // every step processes every Ready
      clock: { nowMs: () => Math.floor(r.clockMs) },
      allocator: { windowMs: WINDOW_MS, renewAheadMs: RENEW_AHEAD_MS },
      compaction: { log: r.storage, intervalEntries: SNAPSHOT_INTERVAL_ENTRIES, keepEntries: KEEP_ENTRIES },
    });
    oracle.restoreSnapshot(snap);
    const raw = new RawNode({
      id: r.id,
      electionTick: ELECTION_TICK,
      heartbeatTick: HEARTBEAT_TICK,
      storage: r.storage,
      applied: snap.metadata.index,
      random: new SeededRandom(this.seed * 31 + r.id * 1009 + r.restarts * 7919),
      preVote: true,
      checkQuorum: true,
      readOnly: 'lease-based',
    });
    oracle.bind(raw);
    r.raw = raw;
    r.oracle = oracle;
    r.applied = snap.metadata.index;
  }

  async run(): Promise<void> {
    for (let i = 0; i < STEPS_PER_SEED; i++) await this.step(true);
    await this.settle();
  }

  private live(): SimReplica[] {
    return [...this.replicas.values()].filter((r) => r.raw !== undefined);
  }

  private async step(faults: boolean): Promise<void> {
    this.now++;
    for (const r of this.replicas.values()) r.clockMs += STEP_MS * r.clockRate;
    if (faults) {
      this.maybePartition();
      this.maybeJumpClock();
      this.maybeChangeClockRate();
    }
    for (const c of this.clients) if (!c.busy && this.rng.chance(RATES.call)) this.call(c);
    for (const r of this.live()) {
      r.raw!.tick();
      r.oracle!.tick();
    }
    for (const m of this.net.due(this.now)) {
      const r = this.replicas.get(m.to);
      if (r?.raw === undefined) continue;
      try {
        r.raw.step(m);
      } catch (err) {
        if ((err as { code?: string }).code === 'InvariantViolated') throw err;
      }
    }
    if (faults) this.maybeCrashOrRestart();
    for (const r of this.live()) this.handleReady(r);
    this.noticeLeaderChange();
    // Let every promise chain that this step's applications resolved run to its end.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  private handleReady(r: SimReplica): void {
    const raw = r.raw!;
    if (raw.hasReady()) {
      const rd = raw.ready();
      r.storage.persist(rd);
      for (const m of rd.messages) {
        const sent = this.net.send(m, this.now);
        if (m.type === 'snap') raw.reportSnapshot(m.to, sent);
      }
      if (rd.snapshot !== undefined) {
        r.oracle!.restoreSnapshot(rd.snapshot);
        r.applied = rd.snapshot.metadata.index;
      }
      for (const e of rd.committedEntries) {
        if (e.type === 'conf-change') raw.applyConfChange(decodeConfChange(e.data));
        else r.oracle!.applyEntry(e);
        r.applied = e.index;
      }
      raw.advance(rd);
    }
    r.oracle!.observe();
  }

  /** One client call: ask the replica it believes leads; follow hints, rotate on silence. */
  private call(c: SimClient): void {
    // Now and then a client asks a replica at random (a stale route), so deposed leaders get asked too.
    if (this.rng.chance(STRAY_CALL_RATE)) c.target = 1 + this.rng.nextInt(NODES);
    const r = this.replicas.get(c.target)!;
    if (r.oracle === undefined) {
      c.target = 1 + (c.target % NODES); // unreachable: try the next one
      return;
    }
    const count = 1 + this.rng.nextInt(MAX_COUNT_PER_CALL);
    const startedAt = this.events++;
    c.busy = true;
    r.oracle.getTimestamps(count).then(
      (range) => {
        const receivedAt = this.events++;
        // Every timestamp of the range is handed to a caller: record them all.
        for (let i = 0; i < range.count; i++) this.history.record({ client: c.id, startedAt, receivedAt, ts: range.first + BigInt(i) });
        c.busy = false;
      },
      (err: unknown) => {
        if (!(err instanceof TsoError)) throw err;
        this.stats.failedCalls++;
        if (err instanceof TsoNotLeaderError && err.leader !== 0) c.target = err.leader;
        else if (err instanceof TsoNotLeaderError || err.code === 'Closed') c.target = 1 + (c.target % NODES);
        c.busy = false;
      },
    );
  }

  private leader(): SimReplica | undefined {
    return this.live().find((r) => r.raw!.raft.role === 'leader');
  }

  private maybeJumpClock(): void {
    const leader = this.leader();
    if (leader === undefined) return;
    if (this.rng.chance(RATES.clockJump)) {
      leader.clockMs -= 1 + this.rng.nextInt(MAX_BACKWARD_JUMP_MS);
      this.stats.clockJumps++;
    }
    if (this.rng.chance(RATES.clockForward)) {
      leader.clockMs += 1 + this.rng.nextInt(MAX_FORWARD_JUMP_MS);
      this.stats.clockJumps++;
    }
  }

  private noticeLeaderChange(): void {
    const leader = this.leader()?.id;
    if (leader === undefined) return;
    if (this.lastLeader !== undefined && leader !== this.lastLeader) this.stats.leaderChanges++;
    this.lastLeader = leader;
  }

  /** A clock starts running fast or slow (or stops); the leader's half of the time. */
  private maybeChangeClockRate(): void {
    if (!this.rng.chance(RATES.clockRate)) return;
    const leader = this.leader();
    const r = leader !== undefined && this.rng.chance(0.5) ? leader : this.replicas.get(1 + this.rng.nextInt(NODES))!;
    r.clockRate = CLOCK_RATES[this.rng.nextInt(CLOCK_RATES.length)]!;
    this.stats.clockRateChanges++;
  }

  private maybePartition(): void {
    if (this.net.isPartitioned()) {
      if (this.rng.chance(RATES.heal)) this.net.heal();
      return;
    }
    if (!this.rng.chance(RATES.partition)) return;
    const groups = new Map<NodeId, number>();
    const leader = this.leader();
    for (const id of this.replicas.keys()) groups.set(id, leader !== undefined && this.rng.chance(0.5) ? (id === leader.id ? 1 : 0) : this.rng.nextInt(2));
    this.net.partition(groups);
    this.stats.partitions++;
  }

  private maybeCrashOrRestart(): void {
    for (const r of this.replicas.values()) {
      if (r.raw !== undefined && this.rng.chance(RATES.crash)) {
        // Unsynced state (the Ready not yet persisted) is lost with the process.
        r.oracle!.close();
        r.raw = undefined;
        r.oracle = undefined;
        this.stats.crashes++;
      } else if (r.raw === undefined && this.rng.chance(RATES.restart)) {
        r.restarts++;
        this.start(r);
      }
    }
  }

  /** Heal, restart everyone, and require that timestamps are served again within a bound. */
  private async settle(): Promise<void> {
    this.net.heal();
    for (const r of this.replicas.values()) {
      if (r.raw === undefined) {
        r.restarts++;
        this.start(r);
      }
    }
    const before = this.history.calls.length;
    for (let i = 0; i < SETTLE_STEPS; i++) {
      await this.step(false);
      if (this.history.calls.length > before) return;
    }
    const states = this.live().map((r) => `${r.id}:${r.raw!.raft.role}/t${r.raw!.raft.term}/c${r.raw!.raft.log.committed}/a${r.applied}/serving=${r.oracle!.serving}/lease=${r.raw!.raft.leaseValid()}/ceil=${r.oracle!.ceiling}`);
    const clients = this.clients.map((c) => `${c.id}->${c.target}${c.busy ? '(busy)' : ''}`);
    throw new Error(`seed ${this.seed}: no timestamp served within ${SETTLE_STEPS} steps after healing (liveness): ${states.join(' ')}; clients ${clients.join(' ')}`);
  }

  /** Snapshots the live oracles took (those of crashed ones are lost with them). */
  snapshots(): number {
    return this.live().reduce((n, r) => n + r.oracle!.stats.snapshots, 0);
  }
}

function envInt(name: string): number | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : Number(v);
}

const only = envInt('TSO_SIM_SEED');
const first = only ?? 1;
const count = only !== undefined ? 1 : envInt('TSO_SIM_SEEDS') ?? CI_DEFAULT_SEEDS;

t.test(`TSO group in the simulator, seeds ${first}..${first + count - 1}`, async (tt) => {
  const totals = { timestamps: 0, crashes: 0, partitions: 0, clockJumps: 0, clockRateChanges: 0, leaderChanges: 0, snapshots: 0, failedCalls: 0 };
  for (let seed = first; seed < first + count; seed++) {
    const sim = new TsoSim(seed);
    try {
      await sim.run();
      sim.history.check();
    } catch (err) {
      tt.fail(`seed ${seed}: ${(err as Error).message}\n  replay: TSO_SIM_SEED=${seed} npx tap dist/test/tso/tso-sim.test.js`);
      return;
    }
    totals.timestamps += sim.history.calls.length;
    totals.crashes += sim.stats.crashes;
    totals.partitions += sim.stats.partitions;
    totals.clockJumps += sim.stats.clockJumps;
    totals.clockRateChanges += sim.stats.clockRateChanges;
    totals.leaderChanges += sim.stats.leaderChanges;
    totals.snapshots += sim.snapshots();
    totals.failedCalls += sim.stats.failedCalls;
  }
  tt.pass(
    `${count} seeds: ${totals.timestamps} timestamps checked, ${totals.crashes} crashes, ${totals.partitions} partitions, ` +
      `${totals.clockJumps} clock jumps, ${totals.clockRateChanges} clock rate changes, ${totals.leaderChanges} leader changes, ` +
      `${totals.snapshots} snapshots, ${totals.failedCalls} refused calls`,
  );
  tt.ok(totals.timestamps > count * 100, 'timestamps were served');
  tt.ok(totals.crashes > 0 && totals.partitions > 0 && totals.clockJumps > 0, 'faults struck');
  tt.ok(totals.clockRateChanges > 0 && totals.leaderChanges > 0, 'clocks drifted and leadership moved');
  tt.ok(totals.snapshots > 0, 'the oracles compacted their logs');
});
