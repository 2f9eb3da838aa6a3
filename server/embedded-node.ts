/**
 * An embedded single node: one RocksDB data dir and the same Raft groups as a
 * cluster node, each with one replica (this node): the timestamp oracle, the
 * meta group (the catalog), and one range over the whole keyspace whose
 * commands go through its group's log exactly as a cluster range's do (one
 * synced write per flush serves every command of every group in it). With the
 * engine and the HTTP app, wired together, with the operational endpoints
 * (metrics, health, readiness, admin status).
 * `server/main.ts` runs it from the command line; tests start it in-process.
 *
 * Start-up order: lock the data dir and check its format stamp first, then
 * open RocksDB; a second process on the same dir fails with a clear message
 * before RocksDB's own (cryptic) lock error could fire.
 */
import { gcSettingsFromEnv } from './gc-settings.js';
import type { FastifyInstance } from 'fastify';
import type { KvStore } from '../engine/storage/kv-store.js';
import { Engine, WHOLE_KEYSPACE } from '../engine/engine.js';
import { RangeReplica } from '../engine/range/replica.js';
import { SingleRangePath } from '../engine/routing/data-path.js';
import { RaftHost, type HostTransport } from '../consensus/host.js';
import { attachTsoGroup } from '../tso/tso-group.js';
import { LocalTsoChannel } from '../tso/channel.js';
import { TsoClient } from '../tso/tso-client.js';
import type { ReplicatedStateMachine } from '../consensus/state-machine.js';
import { RangeUnavailableError } from '../engine/routing/errors.js';
import {
  META_GROUP_ID,
  MetaStateMachine,
  RaftCommandLog,
  RangeStateMachine,
  openGroup,
  proposeCatalogChange,
  settleCatalogChange,
  type GroupMember,
} from './cluster/replicated-groups.js';
import { GroupWatch, flushDriver, groupLogsFor } from './cluster/raft-driver.js';
import type { NodeMetrics } from './metrics/node-metrics.js';
import { DirSizeSampler } from './metrics/dir-size.js';
import type { NodeInfo, NodeStatusSource, RangeStatus, Readiness } from './admin/node-status.js';
import { BUILD_VERSION } from './admin/build-version.js';
import {
  buildNodeApp,
  hex,
  httpAddressOf,
  openDataDir,
  READY_TIMESTAMP_TIMEOUT_MS,
  timestampStats,
  trackedClock,
  withTimeout,
  type NodeHttpOptions,
} from './node-app.js';

export { READY_TIMESTAMP_TIMEOUT_MS };

export interface EmbeddedNodeOptions extends NodeHttpOptions {
  dataDir: string;
  /** Passed to the engine (tests turn background timers off or speed them up). */
  gcIntervalMs?: number;
  ttlIntervalMs?: number;
}

export interface EmbeddedNode {
  app: FastifyInstance;
  engine: Engine;
  store: KvStore;
  metrics: NodeMetrics;
  /** Stops serving, waits for in-flight work and closes the data dir. */
  close(): Promise<void>;
}

/** The only node of an embedded deployment. */
export const EMBEDDED_NODE_ID = 1;
/** Its one range, over the whole keyspace, is Raft group 1. */
export const EMBEDDED_RANGE_ID = 1;
/** Raft tick (heartbeats and election timeouts mean nothing alone; leases and log compaction run on it). */
const TICK_MS = 20;
/** Alone: nobody to send to. */
const NO_PEERS: HostTransport = { send: () => undefined };
/** Most a start waits for its groups to elect themselves and apply an entry of their term. */
const GROUPS_READY_TIMEOUT_MS = 30_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startEmbeddedNode(options: EmbeddedNodeOptions): Promise<EmbeddedNode> {
  const startedAtMs = Date.now();
  const { store, release } = await openDataDir(options.dataDir);
  let app: FastifyInstance | undefined;
  let ticker: NodeJS.Timeout | undefined;
  const machines: ReplicatedStateMachine[] = [];
  const closers: Array<() => void> = [];
  const stopGroups = async (): Promise<void> => {
    clearInterval(ticker);
    for (const close of closers) close();
    // An apply already in flight finishes before the store closes under it.
    await Promise.all(machines.map((machine) => machine.caughtUp()));
  };
  try {
    // ---- the Raft host and its three one-replica groups: the TSO, the meta group, the range ----
    let host!: RaftHost;
    const { kick, afterFlush } = flushDriver(() => host, () => app?.log);
    host = new RaftHost({ nodeId: EMBEDDED_NODE_ID, kv: store, transport: NO_PEERS });
    const onApplyError = (error: unknown) => {
      app?.log.fatal({ err: error }, 'a replicated state machine failed to apply a committed entry; stopping');
      process.exitCode = 1;
    };
    const alone = [EMBEDDED_NODE_ID];
    const tso = await attachTsoGroup({ host, kv: store, nodeId: EMBEDDED_NODE_ID, voters: alone, kick });
    const oracle = tso.oracle;
    afterFlush.push(() => oracle.observe());
    closers.push(() => oracle.close());
    const tsoClient = new TsoClient({ channel: new LocalTsoChannel(EMBEDDED_NODE_ID, oracle) });
    closers.push(() => tsoClient.close());
    const clock = trackedClock(tsoClient);
    const groupLogs = groupLogsFor(store, () => app?.log);

    const rangeLog = new RaftCommandLog(EMBEDDED_RANGE_ID);
    const range = new RangeReplica({ rangeId: EMBEDDED_RANGE_ID, ...WHOLE_KEYSPACE, generation: 1 }, store, rangeLog, clock);
    await range.init(); // the lock table, from the persisted locks, before any entry is applied
    const rangeGroup = await openGroup({
      host,
      kv: store,
      nodeId: EMBEDDED_NODE_ID,
      groupId: EMBEDDED_RANGE_ID,
      voters: alone,
      // Alone, the range never sends a snapshot; the whole keyspace is its span anyway.
      machine: new RangeStateMachine(range, store, () => undefined),
      logs: groupLogs,
      kick,
      onApplyError,
    });
    rangeLog.bind(rangeGroup.machine);
    machines.push(rangeGroup.machine);
    closers.push(() => rangeGroup.machine.close());

    let meta: GroupMember | undefined;
    const engine = await Engine.open({
      store,
      clock,
      dataPath: (catalog) => new SingleRangePath(range, catalog),
      catalog: {
        log: {
          async submit(change) {
            if (meta === undefined) throw new RangeUnavailableError('the catalog is still opening');
            await settleCatalogChange(engine.catalog, change, await proposeCatalogChange(meta.machine, change));
          },
        },
      },
      onBackgroundError: (task, error) => app?.log.warn({ err: error, task }, 'background work failed; it will be retried'),
      ...gcSettingsFromEnv(),
      ...(options.gcIntervalMs !== undefined ? { gcIntervalMs: options.gcIntervalMs } : {}),
      ...(options.ttlIntervalMs !== undefined ? { ttlIntervalMs: options.ttlIntervalMs } : {}),
    });
    closers.push(() => void engine.quiesce());
    meta = await openGroup({
      host,
      kv: store,
      nodeId: EMBEDDED_NODE_ID,
      groupId: META_GROUP_ID,
      voters: alone,
      machine: new MetaStateMachine(engine.catalog, store),
      logs: groupLogs,
      kick,
      onApplyError,
    });
    const metaGroup = meta;
    machines.push(metaGroup.machine);
    closers.push(() => metaGroup.machine.close());

    const watch = new GroupWatch(
      host,
      groupLogs,
      () => [
        { group: 'tso', node: tso.node, applied: () => tso.node.status().applied },
        ...[metaGroup, rangeGroup].map(({ groupId, node, machine }) => ({
          group: groupId === META_GROUP_ID ? 'meta' : `range-${groupId}`,
          node,
          applied: () => machine.appliedIndex,
          proposals: () => ({ total: machine.proposals, pending: machine.pendingProposals }),
        })),
      ],
      () => app?.log,
    );
    // Alone in every group: no reason to wait an election timeout.
    for (const node of [tso.node, metaGroup.node, rangeGroup.node]) node.campaign();
    ticker = setInterval(() => {
      host.tick();
      oracle.tick();
      for (const machine of machines) machine.tick();
      groupLogs.compactor.tick();
      kick();
      watch.noticeLeaderChanges();
    }, TICK_MS);
    kick();
    // Serve only once every group does: the oracle made a ceiling durable, meta and range applied an entry of their term.
    await clock.now();
    const servingBy = Date.now() + GROUPS_READY_TIMEOUT_MS;
    while (!machines.every((machine) => machine.serving())) {
      if (Date.now() > servingBy) throw new RangeUnavailableError('the embedded node\'s Raft groups did not start serving');
      await sleep(2);
    }

    const dirSize = new DirSizeSampler(options.dataDir);
    let closing: Promise<void> | undefined;
    const built = await buildNodeApp({
      engine,
      store,
      http: options,
      stats: {
        raft: () => watch.stats(),
        latchesPending: () => engine.ranges.reduce((sum, range) => sum + range.pendingWrites, 0),
        background: () => engine.backgroundStats,
        transactions: () => engine.txnStats,
        timestamps: () => timestampStats(oracle, tsoClient, clock),
        dataDirBytes: () => dirSize.bytes(),
        rocksdb: () => store.engineStats(),
      },
      status: (serving: FastifyInstance) => embeddedStatus(serving),
    });
    const serving = built.app;
    const metrics = built.metrics;
    app = serving;
    return {
      app: serving,
      engine,
      store,
      metrics,
      close() {
        closing ??= (async () => {
          try {
            await serving.close();
            await engine.quiesce();
            await stopGroups();
            await host.flush().catch(() => undefined);
            await store.close();
          } finally {
            await release();
          }
        })();
        return closing;
      },
    };

    function embeddedStatus(serving: FastifyInstance): NodeStatusSource {
      return {
      async readiness(): Promise<Readiness> {
        if (closing !== undefined) return { ready: false, reason: 'shutting down' };
        const stalled = watch.groupStats().filter((g) => g.leader !== EMBEDDED_NODE_ID).map((g) => g.group);
        if (stalled.length > 0) return { ready: false, reason: `groups without their leader: ${stalled.join(', ')}` };
        try {
          await withTimeout(clock.now(), READY_TIMESTAMP_TIMEOUT_MS);
          return { ready: true };
        } catch (error) {
          return { ready: false, reason: `cannot draw a timestamp: ${error instanceof Error ? error.message : String(error)}` };
        }
      },
      async ranges(): Promise<RangeStatus[]> {
        // One range on one node: the whole data dir is its size.
        const bytes = await dirSize.bytes();
        return engine.ranges.map((range) => ({
          rangeId: range.descriptor.rangeId,
          table: null,
          start: hex(range.descriptor.start),
          end: hex(range.descriptor.end),
          leader: rangeGroup.machine.leader,
          replicas: [EMBEDDED_NODE_ID],
          applied: rangeGroup.machine.appliedIndex,
          approximateBytes: bytes,
          locks: range.lockedKeys.length,
        }));
      },
      async nodes(): Promise<NodeInfo[]> {
        const address = serving.addresses()[0];
        return [
          {
            nodeId: EMBEDDED_NODE_ID,
            httpAddress: httpAddressOf(address),
            version: BUILD_VERSION,
            uptimeSeconds: (Date.now() - startedAtMs) / 1000,
            role: 'embedded',
            tsoLeader: true,
            metaLeader: true,
          },
        ];
      },
      };
    }
  } catch (error) {
    await stopGroups().catch(() => undefined);
    await store.close();
    await release();
    throw error;
  }
}
