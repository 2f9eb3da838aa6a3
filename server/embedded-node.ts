/**
 * An embedded single node: one RocksDB data dir, the group committer, the
 * local timestamp oracle, the engine and the HTTP app, wired together.
 * `server/main.ts` runs it from the command line; tests start it in-process.
 */
import type { FastifyInstance } from 'fastify';
import type { FastifyBaseLogger } from 'fastify';
import { RocksDbStore } from '../engine/storage/rocksdb/rocksdb-store.js';
import { GroupCommitter } from '../engine/storage/group-commit.js';
import type { KvStore } from '../engine/storage/kv-store.js';
import { Engine } from '../engine/engine.js';
import { systemKey } from '../engine/mvcc/layout.js';
import { TimestampAllocator, type CeilingStore } from '../tso/allocator.js';
import { timestampFromBytes, timestampToBytes } from '../tso/timestamp.js';
import { buildApp } from './app.js';
import { buildOperations } from './operations/index.js';
import { LOCAL_ACCOUNT_ID } from './operations/deps.js';

export interface EmbeddedNodeOptions {
  dataDir: string;
  region?: string;
  credentials?: Array<{ accessKeyId: string; secretAccessKey: string }>;
  bodyLimitBytes?: number;
  logger?: FastifyBaseLogger | boolean | Record<string, unknown>;
}

export interface EmbeddedNode {
  app: FastifyInstance;
  engine: Engine;
  store: KvStore;
  /** Stops serving, waits for in-flight work and closes the data dir. */
  close(): Promise<void>;
}

const CEILING_KEY = 'tso-ceiling';

/** Persists the oracle's ceiling as one synced system record. */
export function kvCeilingStore(store: KvStore): CeilingStore {
  return {
    async load() {
      const value = await store.get(systemKey(CEILING_KEY));
      return value === undefined ? undefined : timestampFromBytes(value);
    },
    async persist(ceiling) {
      await store.write([{ type: 'put', key: systemKey(CEILING_KEY), value: timestampToBytes(ceiling) }], { sync: true });
    },
  };
}

export async function startEmbeddedNode(options: EmbeddedNodeOptions): Promise<EmbeddedNode> {
  const store = await RocksDbStore.open(options.dataDir);
  let app: FastifyInstance | undefined;
  try {
    const allocator = new TimestampAllocator(kvCeilingStore(store));
    await allocator.start();
    const committer = new GroupCommitter(store);
    const engine = await Engine.open({
      store,
      log: committer,
      clock: { now: () => allocator.next() },
      onBackgroundError: (task, error) => app?.log.warn({ err: error, task }, 'background work failed; it will be retried'),
    });
    const region = options.region ?? 'us-east-1';
    app = await buildApp({
      operations: buildOperations({ engine, region, accountId: LOCAL_ACCOUNT_ID }),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      ...(options.bodyLimitBytes ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
      ...(options.logger !== undefined ? { logger: options.logger } : {}),
      region,
    });
    let closing: Promise<void> | undefined;
    const serving = app;
    return {
      app: serving,
      engine,
      store,
      close() {
        closing ??= (async () => {
          await serving.close();
          await engine.quiesce();
          await committer.close();
          await store.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
