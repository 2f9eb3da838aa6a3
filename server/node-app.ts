/**
 * What every kind of node serves over HTTP, wired the same way for the
 * embedded node and a cluster node: the DynamoDB API over the node's engine,
 * its Prometheus metrics, and the operational endpoints (/health, /ready,
 * /admin/*); plus opening a data dir (lock, format stamp, RocksDB) and the
 * small helpers both nodes' status sources use.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Engine } from '../engine/engine.js';
import { RocksDbStore } from '../engine/storage/rocksdb/rocksdb-store.js';
import { buildApp } from './app.js';
import { prepareDataDir } from './data-dir/data-dir.js';
import { NodeMetrics, type NodeStatsSource, type TimestampStats } from './metrics/node-metrics.js';
import type { TsoClient } from '../tso/tso-client.js';
import { physicalMs } from '../tso/timestamp.js';
import { registerOpsRoutes } from './admin/ops-routes.js';
import { defaultBackupDir, registerBackupRoutes } from './admin/backup.js';
import type { NodeStatusSource } from './admin/node-status.js';
import { buildOperations } from './operations/index.js';
import { LOCAL_ACCOUNT_ID } from './operations/deps.js';

/** The HTTP side of a node's options. */
export interface NodeHttpOptions {
  region?: string;
  credentials?: Array<{ accessKeyId: string; secretAccessKey: string }>;
  bodyLimitBytes?: number;
  logger?: FastifyBaseLogger | boolean | Record<string, unknown>;
  /** Requests slower than this are logged as warnings. */
  slowRequestMs?: number;
  /** Where POST /admin/backup writes (absent: defaultBackupDir of the data dir). */
  backupDir?: string;
}

/** /ready fails when a timestamp cannot be drawn within this long. */
export const READY_TIMESTAMP_TIMEOUT_MS = 1_000;

/** The DynamoDB API, metrics and ops routes of a node (not yet listening). */
export async function buildNodeApp(opts: {
  engine: Engine;
  /** The node's whole store, which POST /admin/backup copies. */
  store: RocksDbStore;
  http: NodeHttpOptions;
  stats: NodeStatsSource;
  /** The status source; it may use the app (its listening address). */
  status: (app: FastifyInstance) => NodeStatusSource;
}): Promise<{ app: FastifyInstance; metrics: NodeMetrics }> {
  const { http } = opts;
  const metrics = new NodeMetrics(opts.stats);
  const region = http.region ?? 'us-east-1';
  const app = await buildApp({
    operations: buildOperations({ engine: opts.engine, region, accountId: LOCAL_ACCOUNT_ID }),
    ...(http.credentials ? { credentials: http.credentials } : {}),
    ...(http.bodyLimitBytes ? { bodyLimitBytes: http.bodyLimitBytes } : {}),
    ...(http.logger !== undefined ? { logger: http.logger } : {}),
    ...(http.slowRequestMs !== undefined ? { slowRequestMs: http.slowRequestMs } : {}),
    onRequestDone: metrics.observeRequest,
    region,
  });
  registerOpsRoutes(app, opts.status(app), metrics);
  registerBackupRoutes(app, opts.store, http.backupDir ?? defaultBackupDir(opts.store.dir));
  return { app, metrics };
}

/**
 * Locks the data dir and checks its format stamp, then opens RocksDB: a
 * second process on the same dir fails with a clear message before RocksDB's
 * own (cryptic) lock error could fire. `release` unlocks the dir.
 */
export async function openDataDir(dir: string): Promise<{ store: RocksDbStore; release: () => Promise<void> }> {
  const dataDir = await prepareDataDir(dir);
  try {
    return { store: await RocksDbStore.open(dir), release: () => dataDir.lock.release() };
  } catch (error) {
    await dataDir.lock.release();
    throw error;
  }
}

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

/** A node's clock over its TSO client, remembering the last timestamp it issued (for metrics). */
export function trackedClock(timestamps: { now(): Promise<bigint> }): { now(): Promise<bigint>; lastIssued(): bigint } {
  let last = 0n;
  return {
    async now(): Promise<bigint> {
      const ts = await timestamps.now();
      if (ts > last) last = ts;
      return ts;
    },
    lastIssued: () => last,
  };
}

/** The timestamp metrics of a node: its oracle replica's ceilings, its TSO client's histograms, its clock's last timestamp. */
export function timestampStats(
  oracle: { readonly stats: { readonly proposals: number } },
  client: Pick<TsoClient, 'batchSizes' | 'waitsMs'>,
  clock: { lastIssued(): bigint },
): TimestampStats {
  return {
    ceilingRenewals: oracle.stats.proposals,
    lastIssuedPhysicalMs: Number(physicalMs(clock.lastIssued())),
    batchSizes: client.batchSizes,
    waitsMs: client.waitsMs,
  };
}
