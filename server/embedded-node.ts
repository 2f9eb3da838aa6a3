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
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { FastifyBaseLogger } from 'fastify';
import { RocksDbStore } from '../engine/storage/rocksdb/rocksdb-store.js';
import { GroupCommitter } from '../engine/storage/group-commit.js';
import type { KvStore } from '../engine/storage/kv-store.js';
import { Engine } from '../engine/engine.js';
import { startTsoGroup, type TsoGroup } from '../tso/tso-group.js';
import { physicalMs } from '../tso/timestamp.js';
import { buildApp } from './app.js';
import { prepareDataDir } from './data-dir/data-dir.js';
import { NodeMetrics } from './metrics/node-metrics.js';
import { DirSizeSampler } from './metrics/dir-size.js';
import { registerOpsRoutes } from './admin/ops-routes.js';
import type { NodeInfo, NodeStatusSource, RangeStatus, Readiness } from './admin/node-status.js';
import { BUILD_VERSION } from './admin/build-version.js';
import { buildOperations } from './operations/index.js';
import { LOCAL_ACCOUNT_ID } from './operations/deps.js';

export interface EmbeddedNodeOptions {
  dataDir: string;
  region?: string;
  credentials?: Array<{ accessKeyId: string; secretAccessKey: string }>;
  bodyLimitBytes?: number;
  logger?: FastifyBaseLogger | boolean | Record<string, unknown>;
  /** Requests slower than this are logged as warnings. */
  slowRequestMs?: number;
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
/** /ready fails when a timestamp cannot be drawn within this long. */
export const READY_TIMESTAMP_TIMEOUT_MS = 1_000;

class ReadinessTimeoutError extends Error {
  override readonly name = 'ReadinessTimeoutError';
}

/** Resolves `promise`, or rejects once `ms` have passed; the timer never holds the process open. */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new ReadinessTimeoutError(`no timestamp within ${ms} ms`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `http://host:port` of a listening address (a string is a pipe or socket path, kept as is). */
export function httpAddressOf(address: AddressInfo | string | undefined): string | null {
  if (address === undefined) return null;
  if (typeof address === 'string') return address;
  return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}

export function hex(key: Buffer): string {
  return key.toString('hex');
}

export async function startEmbeddedNode(options: EmbeddedNodeOptions): Promise<EmbeddedNode> {
  const startedAtMs = Date.now();
  const dataDir = await prepareDataDir(options.dataDir);
  let store: RocksDbStore;
  try {
    store = await RocksDbStore.open(options.dataDir);
  } catch (error) {
    await dataDir.lock.release();
    throw error;
  }
  let app: FastifyInstance | undefined;
  let tso: TsoGroup | undefined;
  try {
    tso = await startTsoGroup({ nodeId: EMBEDDED_NODE_ID, kv: store });
    const oracle = tso.oracle;
    const timestamps = tso.localClient();
    let lastIssued = 0n;
    const clock = {
      async now(): Promise<bigint> {
        const ts = await timestamps.now();
        if (ts > lastIssued) lastIssued = ts;
        return ts;
      },
    };
    // Serve only once the oracle does: its group has elected itself and made a ceiling durable.
    await clock.now();
    const committer = new GroupCommitter(store);
    const engine = await Engine.open({
      store,
      log: committer,
      clock,
      onBackgroundError: (task, error) => app?.log.warn({ err: error, task }, 'background work failed; it will be retried'),
      ...(options.gcIntervalMs !== undefined ? { gcIntervalMs: options.gcIntervalMs } : {}),
      ...(options.ttlIntervalMs !== undefined ? { ttlIntervalMs: options.ttlIntervalMs } : {}),
    });
    const dirSize = new DirSizeSampler(options.dataDir);
    const metrics = new NodeMetrics({
      groupCommit: () => ({ ...committer.stats, queuedWriters: committer.queuedWriters }),
      latchesPending: () => engine.ranges.reduce((sum, range) => sum + range.pendingWrites, 0),
      background: () => engine.backgroundStats,
      timestamps: () => ({ ceilingRenewals: oracle.stats.proposals, lastIssuedPhysicalMs: Number(physicalMs(lastIssued)) }),
      dataDirBytes: () => dirSize.bytes(),
    });
    const region = options.region ?? 'us-east-1';
    app = await buildApp({
      operations: buildOperations({ engine, region, accountId: LOCAL_ACCOUNT_ID }),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      ...(options.bodyLimitBytes ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
      ...(options.logger !== undefined ? { logger: options.logger } : {}),
      ...(options.slowRequestMs !== undefined ? { slowRequestMs: options.slowRequestMs } : {}),
      onRequestDone: metrics.observeRequest,
      region,
    });
    let closing: Promise<void> | undefined;
    const serving = app;
    const status: NodeStatusSource = {
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
    registerOpsRoutes(serving, status, metrics);
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
            await dataDir.lock.release();
          }
        })();
        return closing;
      },
    };
  } catch (error) {
    await tso?.close();
    await store.close();
    await dataDir.lock.release();
    throw error;
  }
}
