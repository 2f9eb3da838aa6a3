/**
 * An embedded single node: one RocksDB data dir, the group committer, the
 * timestamp oracle (the TSO Raft group with one replica, on the same code
 * paths as in a cluster), the engine and the HTTP app, wired together, with
 * the operational endpoints (metrics, health, readiness, admin status).
 * `server/main.ts` runs it from the command line; tests start it in-process.
 *
 * Start-up order: lock the data dir and check its format stamp first, then
 * open RocksDB; a second process on the same dir fails with a clear message
 * before RocksDB's own (cryptic) lock error could fire.
 */
import { gcSettingsFromEnv } from './gc-settings.js';
import type { FastifyInstance } from 'fastify';
import { GroupCommitter } from '../engine/storage/group-commit.js';
import type { KvStore } from '../engine/storage/kv-store.js';
import { Engine } from '../engine/engine.js';
import { startTsoGroup, type TsoGroup } from '../tso/tso-group.js';
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
export async function startEmbeddedNode(options: EmbeddedNodeOptions): Promise<EmbeddedNode> {
  const startedAtMs = Date.now();
  const { store, release } = await openDataDir(options.dataDir);
  let app: FastifyInstance | undefined;
  let tso: TsoGroup | undefined;
  try {
    tso = await startTsoGroup({ nodeId: EMBEDDED_NODE_ID, kv: store });
    const oracle = tso.oracle;
    const tsoClient = tso.localClient();
    const clock = trackedClock(tsoClient);
    // Serve only once the oracle does: its group has elected itself and made a ceiling durable.
    await clock.now();
    const committer = new GroupCommitter(store);
    const engine = await Engine.open({
      store,
      log: committer,
      clock,
      onBackgroundError: (task, error) => app?.log.warn({ err: error, task }, 'background work failed; it will be retried'),
      ...gcSettingsFromEnv(),
      ...(options.gcIntervalMs !== undefined ? { gcIntervalMs: options.gcIntervalMs } : {}),
      ...(options.ttlIntervalMs !== undefined ? { ttlIntervalMs: options.ttlIntervalMs } : {}),
    });
    const dirSize = new DirSizeSampler(options.dataDir);
    let closing: Promise<void> | undefined;
    const built = await buildNodeApp({
      engine,
      store,
      http: options,
      stats: {
        groupCommit: () => ({ ...committer.stats, queuedWriters: committer.queuedWriters }),
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
            await committer.close();
            await tso?.close();
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
          leader: EMBEDDED_NODE_ID,
          replicas: [EMBEDDED_NODE_ID],
          applied: range.appliedCommands,
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
    await tso?.close();
    await store.close();
    await release();
    throw error;
  }
}
