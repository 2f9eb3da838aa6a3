/**
 * The node's Prometheus metrics, on a registry of its own (never prom-client's
 * global one), so one process can hold many apps (tests do). Request metrics
 * are recorded as responses are sent; everything else is read from the
 * components when scraped, through `NodeStatsSource`, so the hot paths carry
 * no metric code at all. Every name starts with `rangedb_`.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestOutcome } from '../app.js';
import type { RocksDbStats } from '../../engine/storage/rocksdb/rocksdb-store.js';
import type { TxnStats } from '../../engine/txn/txn-stats.js';
import { registerMirroredHistogram, type BucketSnapshot } from './mirrored-histogram.js';

export const METRIC_PREFIX = 'rangedb_';

/** Request latency buckets in seconds: 0.5 ms (a cached read) to 10 s (an overloaded node). */
export const LATENCY_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What the metrics read from the running node at scrape time. */
export interface NodeStatsSource {
  /** Write requests holding or waiting for latches, over all ranges. */
  latchesPending(): number;
  background(): { gcPasses: number; gcVersionsDeleted: number; ttlPasses: number; ttlItemsDeleted: number };
  timestamps(): TimestampStats;
  /** TransactWriteItems answered by this node, and the locks its ranges resolved. */
  transactions(): Pick<TxnStats, 'commits' | 'aborts' | 'lockResolutions'>;
  /** Approximate bytes of the data dir on disk (sampled). */
  dataDirBytes(): Promise<number>;
  /** The node's Raft groups (an embedded node's too: one replica each). */
  raft(): RaftStats;
  /** RocksDB's memtables, files and compactions. */
  rocksdb?(): RocksDbStats;
}

/** The oracle's ceilings and the node's TSO client (tso/tso-client.ts). */
export interface TimestampStats {
  ceilingRenewals: number;
  lastIssuedPhysicalMs: number;
  /** Timestamps per request the client sent (the callers one request served). */
  batchSizes: BucketSnapshot;
  /** How long callers waited for their timestamps, ms. */
  waitsMs: BucketSnapshot;
}

/** One Raft group as this node sees it. */
export interface RaftGroupStats {
  /** `tso`, `meta`, or `range-<id>`. */
  group: string;
  term: number;
  /** The leader's node id (0: none known). */
  leader: number;
  commitIndex: number;
  appliedIndex: number;
  /** The first entry still in the log (compaction moves it up). */
  firstIndex: number;
  /** Entries held in the log (stored and not yet stored), in memory and on disk. */
  logEntries: number;
}

export interface RaftStats {
  groups: RaftGroupStats[];
  /** Flushes of the node's RaftHost, its synced write batches (fsyncs), and messages sent. */
  flushes: number;
  fsyncs: number;
  messages: number;
  /** Commands this node proposed, and those of them not applied yet. */
  proposals: number;
  proposalsPending: number;
  /** Times a group on this node saw its leader change. */
  leaderChanges: number;
  /** Elections (campaigns) the groups on this node started. */
  elections: number;
  /** Log compactions of the node's meta and range groups, snapshots built (for lagging followers) and installed (from a leader). */
  logCompactions: number;
  snapshotsBuilt: number;
  snapshotsInstalled: number;
}

/** A counter whose value is owned elsewhere: set to the source's running total at each scrape. */
function mirroredCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name: METRIC_PREFIX + name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** A labelled counter owned elsewhere: one series per key of the source's record, every key always exported (0 too). */
function mirroredLabelledCounter(registry: Registry, name: string, help: string, label: string, read: () => Readonly<Record<string, number>>): void {
  new Counter({
    name: METRIC_PREFIX + name,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      this.reset();
      for (const [value, count] of Object.entries(read())) this.inc({ [label]: value }, count);
    },
  });
}

function mirroredGauge(registry: Registry, name: string, help: string, read: () => number | Promise<number>): void {
  new Gauge({
    name: METRIC_PREFIX + name,
    help,
    registers: [registry],
    async collect() {
      this.set(await read());
    },
  });
}

/** Per-group gauges (labelled by group) and the host's counters. */
function registerRaftMetrics(registry: Registry, read: () => RaftStats): void {
  const perGroup = (name: string, help: string, value: (g: RaftGroupStats) => number) =>
    new Gauge({
      name: METRIC_PREFIX + name,
      help,
      labelNames: ['group'],
      registers: [registry],
      collect() {
        this.reset();
        for (const g of read().groups) this.set({ group: g.group }, value(g));
      },
    });
  perGroup('raft_term', 'Current Raft term, per group', (g) => g.term);
  perGroup('raft_leader', 'Node id of the leader this node knows (0: none), per group', (g) => g.leader);
  perGroup('raft_commit_index', 'Raft commit index, per group', (g) => g.commitIndex);
  perGroup('raft_applied_index', 'Index of the last entry applied to the state machine, per group', (g) => g.appliedIndex);
  perGroup('raft_first_index', 'Index of the first entry still in the log (moved up by compaction), per group', (g) => g.firstIndex);
  perGroup('raft_log_entries', 'Entries held in the Raft log, per group', (g) => g.logEntries);
  mirroredGauge(registry, 'raft_groups', 'Raft groups running on this node', () => read().groups.length);
  mirroredCounter(registry, 'raft_flushes_total', 'Flushes of the Raft host (every group in one write batch)', () => read().flushes);
  mirroredCounter(registry, 'raft_fsyncs_total', 'Synced write batches of the Raft host', () => read().fsyncs);
  mirroredCounter(registry, 'raft_messages_sent_total', 'Raft messages sent to peers', () => read().messages);
  mirroredCounter(registry, 'raft_proposals_total', 'Commands proposed by this node', () => read().proposals);
  mirroredGauge(registry, 'raft_proposals_pending', 'Proposals of this node waiting to be applied, over its groups', () => read().proposalsPending);
  mirroredCounter(registry, 'raft_log_compactions_total', 'Raft log compactions of the meta and range groups', () => read().logCompactions);
  mirroredCounter(registry, 'raft_snapshots_built_total', 'Raft snapshots built for followers behind the compacted log', () => read().snapshotsBuilt);
  mirroredCounter(registry, 'raft_snapshots_installed_total', 'Raft snapshots installed from a leader (this node had fallen behind)', () => read().snapshotsInstalled);
  mirroredCounter(registry, 'raft_leader_changes_total', 'Leader changes seen by the groups of this node', () => read().leaderChanges);
  mirroredCounter(registry, 'raft_elections_total', 'Elections the groups of this node started (campaigns: a pre-election, or an election without one)', () => read().elections);
}

export class NodeMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'operation'>;
  private readonly errors: Counter<'operation' | 'error'>;
  private readonly latency: Histogram<'operation'>;

  constructor(source: NodeStatsSource) {
    const registers = [this.registry];
    this.requests = new Counter({ name: `${METRIC_PREFIX}requests_total`, help: 'DynamoDB requests served, by operation', labelNames: ['operation'], registers });
    this.errors = new Counter({
      name: `${METRIC_PREFIX}request_errors_total`,
      help: 'DynamoDB requests that failed, by operation and DynamoDB error name',
      labelNames: ['operation', 'error'],
      registers,
    });
    this.latency = new Histogram({
      name: `${METRIC_PREFIX}request_duration_seconds`,
      help: 'DynamoDB request latency, by operation',
      labelNames: ['operation'],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    });

    const r = this.registry;
    registerRaftMetrics(r, source.raft.bind(source));
    if (source.rocksdb !== undefined) {
      const rocks = source.rocksdb.bind(source);
      mirroredGauge(r, 'rocksdb_memtable_bytes', 'Bytes in RocksDB memtables (active and immutable)', () => rocks().memtableBytes);
      mirroredGauge(r, 'rocksdb_immutable_memtables', 'Immutable memtables waiting to be flushed', () => rocks().immutableMemtables);
      mirroredGauge(r, 'rocksdb_sst_bytes', 'Bytes in RocksDB SST files', () => rocks().sstBytes);
      mirroredGauge(r, 'rocksdb_live_data_bytes', 'Estimated bytes of live data in RocksDB', () => rocks().liveDataBytes);
      mirroredGauge(r, 'rocksdb_running_compactions', 'Compactions running now', () => rocks().runningCompactions);
      mirroredGauge(r, 'rocksdb_compaction_pending', '1 when RocksDB has compaction work waiting', () => rocks().compactionPending);
      mirroredGauge(r, 'rocksdb_estimated_keys', 'Estimated number of keys in RocksDB', () => rocks().estimatedKeys);
    }
    mirroredGauge(r, 'latches_pending', 'Write requests holding or waiting for key latches', () => source.latchesPending());
    mirroredCounter(r, 'mvcc_gc_passes_total', 'MVCC garbage-collection passes completed', () => source.background().gcPasses);
    mirroredCounter(r, 'mvcc_gc_versions_deleted_total', 'MVCC versions deleted by garbage collection', () => source.background().gcVersionsDeleted);
    mirroredCounter(r, 'ttl_passes_total', 'Time-to-live passes completed', () => source.background().ttlPasses);
    mirroredCounter(r, 'ttl_deletions_total', 'Items deleted because their time to live passed', () => source.background().ttlItemsDeleted);
    mirroredCounter(r, 'txn_commits_total', 'TransactWriteItems committed (answered by this node)', () => source.transactions().commits);
    mirroredLabelledCounter(r, 'txn_aborts_total', 'TransactWriteItems that failed, by the first failing action\'s CancellationReason code (Other: failed without one)', 'reason', () => source.transactions().aborts);
    mirroredLabelledCounter(r, 'txn_lock_resolutions_total', 'Expired locks of other transactions this node\'s ranges settled through their primaries, by outcome', 'outcome', () => source.transactions().lockResolutions);
    mirroredCounter(r, 'tso_ceiling_renewals_total', 'Durable timestamp ceilings persisted', () => source.timestamps().ceilingRenewals);
    mirroredGauge(r, 'tso_last_issued_physical_ms', 'Physical part (ms since the epoch) of the last timestamp issued', () => source.timestamps().lastIssuedPhysicalMs);
    registerMirroredHistogram(r, `${METRIC_PREFIX}tso_batch_size`, 'Timestamps one TSO request asked for (the callers it served)', () => source.timestamps().batchSizes);
    registerMirroredHistogram(r, `${METRIC_PREFIX}tso_wait_seconds`, 'How long a caller waited for its timestamp', () => source.timestamps().waitsMs, 1 / 1000);
    mirroredGauge(r, 'rocksdb_disk_bytes', 'Approximate size of the data dir on disk (sampled)', () => source.dataDirBytes());
    // RSS, heap, event-loop lag, file descriptors, GC: prom-client's defaults, on our registry.
    collectDefaultMetrics({ register: r, prefix: METRIC_PREFIX });
  }

  /** Records one served request (wired to buildApp's `onRequestDone`). */
  readonly observeRequest = (outcome: RequestOutcome): void => {
    this.requests.inc({ operation: outcome.operation });
    if (outcome.errorName !== undefined) this.errors.inc({ operation: outcome.operation, error: outcome.errorName });
    this.latency.observe({ operation: outcome.operation }, outcome.durationMs / 1000);
  };

  get contentType(): string {
    return this.registry.contentType;
  }

  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
