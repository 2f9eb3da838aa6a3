/**
 * The engine facade the server's operations call: the catalog, item reads and
 * writes, transactions, and the background work (GC, TTL, purges, index
 * backfills). Where items live is the DataPath's business: one range in this
 * process on an embedded node, ranges led by any node in a cluster.
 */
import type { KvStore } from './storage/kv-store.js';
import type { TimestampSource } from './timestamp-source.js';
import type { Item } from './types.js';
import { Catalog, type CatalogOptions } from './catalog/catalog.js';
import { purgeDroppedTables } from './catalog/table-purger.js';
import type { TableDefinition } from './catalog/table.js';
import type { ItemWrite, WriteOutcome } from './items/item-write.js';
import { LocalCommandLog, RangeReplica, type BatchWriter } from './range/replica.js';
import { InternalError } from './errors.js';
import type { GcCursor } from './mvcc/gc.js';
import type { VisibleItem } from './mvcc/mvcc.js';
import { TtlSweeper } from './items/ttl-sweeper.js';
import { RequestTokens } from './txn/request-tokens.js';
import type { TransactResult } from './range/txn-port.js';
import type { TransactAction } from './txn/transact-write.js';
import { TxnStats } from './txn/txn-stats.js';
import { tableSpan } from './keys/item-key.js';
import { SingleRangePath, type DataPath } from './routing/data-path.js';

export interface EngineOptions {
  store: KvStore;
  /**
   * The durable write path of the default data path (one range over the
   * keyspace whose commands are written straight through it, a group
   * committer for instance); unused with `dataPath`, where the ranges carry
   * their own logs (Raft groups).
   */
  log?: BatchWriter;
  clock: TimestampSource;
  /** How the catalog's changes are replicated (default: applied at once to `store`). */
  catalog?: CatalogOptions;
  /** Where items live (default: one range over the keyspace, written through `log`). */
  dataPath?: (catalog: Catalog) => DataPath;
  /** Whether this node runs the time-to-live sweeps now (a cluster runs them on one node). */
  runsTtl?: () => boolean;
  /** How long old MVCC versions are kept; no read may be older than this. */
  versionRetentionMs?: number;
  /** Pause between garbage-collection passes; 0 turns the collector off. */
  gcIntervalMs?: number;
  /** Pause between time-to-live passes; 0 turns expiry off. */
  ttlIntervalMs?: number;
  /** Told about failures of background work (which is retried on its next pass). */
  onBackgroundError?: (task: BackgroundTask, error: unknown) => void;
}

export const DEFAULT_TTL_INTERVAL_MS = 10_000;

export type BackgroundTask = 'gc' | 'ttl' | 'purge' | 'backfill';

/** Old versions are kept a minute: far longer than any read or transaction runs. */
export const DEFAULT_VERSION_RETENTION_MS = 60_000;
export const DEFAULT_GC_INTERVAL_MS = 5_000;

export interface TransactOptions {
  /** ClientRequestToken and the fingerprint of the request it must match. */
  token?: { value: string; fingerprint: string };
}

export type { TransactResult };

/** Counters of the engine's background work (read by the metrics). */
export interface BackgroundStats {
  gcPasses: number;
  gcVersionsDeleted: number;
  ttlPasses: number;
  ttlItemsDeleted: number;
}

export const WHOLE_KEYSPACE = { start: Buffer.alloc(0), end: Buffer.alloc(64, 0xff) };

export class Engine {
  private readonly path: DataPath;
  private purging: Promise<unknown> = Promise.resolve();
  private gcTimer: NodeJS.Timeout | undefined;
  /** Per range: where its next garbage-collection pass resumes. */
  private readonly gcCursors = new Map<number, GcCursor | undefined>();
  private gcRunning: Promise<unknown> = Promise.resolve();
  private readonly ttl: TtlSweeper;
  private readonly backfills = new Map<number, Promise<void>>();
  private closing = false;
  private ttlTimer: NodeJS.Timeout | undefined;
  private ttlRunning: Promise<unknown> = Promise.resolve();
  private readonly background: BackgroundStats = { gcPasses: 0, gcVersionsDeleted: 0, ttlPasses: 0, ttlItemsDeleted: 0 };
  /** The transactions this node answered and the locks its ranges resolved (a cluster node's resolver counts here). */
  readonly txnStats = new TxnStats();

  private constructor(
    readonly catalog: Catalog,
    private readonly options: EngineOptions,
    readonly tokens: RequestTokens,
  ) {
    if (options.dataPath !== undefined) {
      this.path = options.dataPath(catalog);
    } else {
      if (options.log === undefined) throw new InternalError('Engine.open needs a log or a dataPath');
      const log = new LocalCommandLog(options.log);
      const range = new RangeReplica({ rangeId: 1, ...WHOLE_KEYSPACE, generation: 1 }, options.store, log, options.clock);
      log.bind(range);
      this.path = new SingleRangePath(range, catalog);
    }
    this.ttl = new TtlSweeper({
      tables: () => this.catalog.names().map((name) => this.catalog.require(name)),
      snapshotTimestamp: () => this.snapshotTimestamp(),
      scan: (span, readTs) => this.scan(span, readTs),
      writeItem: (tableId, itemKey, write) => this.writeItem(tableId, itemKey, write),
    });
  }

  static async open(options: EngineOptions): Promise<Engine> {
    const catalog = await Catalog.open(options.store, options.catalog);
    const engine = new Engine(catalog, options, new RequestTokens());
    engine.schedulePurge();
    engine.startBackgroundWork();
    for (const name of catalog.names()) {
      const table = catalog.require(name);
      for (const index of table.indexes ?? []) {
        if (index.status === 'CREATING') engine.backfillIndex(table.tableId, index.indexId);
      }
    }
    return engine;
  }

  /** The range replicas in this process (one covering the keyspace on an embedded node). */
  get ranges(): readonly RangeReplica[] {
    return this.path.localReplicas();
  }

  /** Completed garbage-collection and time-to-live passes and what they deleted. */
  get backgroundStats(): Readonly<BackgroundStats> {
    return { ...this.background };
  }

  async deleteTable(name: string): Promise<TableDefinition> {
    const table = await this.catalog.delete(name);
    this.schedulePurge();
    return table;
  }

  /** The item as of a fresh timestamp, or as of `readTs` (from `snapshotTimestamp`). */
  async getItem(itemKey: Buffer, readTs?: bigint): Promise<Item | undefined> {
    return (await this.path.read(itemKey, readTs)).item;
  }

  /** A timestamp at which `scan` reads a consistent snapshot of every key. */
  snapshotTimestamp(): Promise<bigint> {
    return this.path.snapshotTimestamp();
  }

  /** The items visible at `readTs` in the item-key span [start, end). */
  scan(span: { start: Buffer; end: Buffer }, readTs: bigint, reverse = false): AsyncGenerator<VisibleItem> {
    return this.path.scan(span, readTs, reverse);
  }

  /**
   * One item write, evaluated under the item's latch on its range's leader;
   * throws ConditionalCheckFailed.
   * One item write. `needsCurrent: false` says the caller needs nothing of
   * the current item (no condition, nothing returned); the write is then
   * blind unless the table, as defined once the latch is held, has indexes.
   */
  async writeItem(tableId: number, itemKey: Buffer, write: ItemWrite, needsCurrent = true): Promise<WriteOutcome> {
    return this.path.writeItem(tableId, itemKey, write, needsCurrent);
  }

  /** Writes one index's entries for an item as it is now (the backfill step of a new index). */
  reindexItem(tableId: number, itemKey: Buffer, indexId: number): Promise<void> {
    return this.path.reindexItem(tableId, itemKey, indexId);
  }

  async transactWrite(actions: readonly TransactAction[], options: TransactOptions = {}): Promise<TransactResult> {
    if (options.token === undefined) return this.counted(this.path.transactWrite(actions));
    // This node's calls in flight and recent tokens first; then the range of the first item, which holds the record.
    const token = this.tokens.token(options.token.value, options.token.fingerprint);
    if (this.tokens.claim(token) === 'replay') return { outcomes: [], replayed: true };
    let committed = false;
    try {
      const result = await this.counted(this.path.transactWrite(actions, token));
      committed = !result.replayed;
      return result;
    } finally {
      this.tokens.release(token, committed);
    }
  }

  /** Counts how a transaction ended: committed (a replay wrote nothing, so it is not), or aborted and why. */
  private async counted(running: Promise<TransactResult>): Promise<TransactResult> {
    try {
      const result = await running;
      if (!result.replayed) this.txnStats.commits++;
      return result;
    } catch (error) {
      this.txnStats.aborted(error);
      throw error;
    }
  }

  /**
   * Fills a new index from the table's items, in the background, then marks
   * it ACTIVE. Each item is re-indexed under its latch, so concurrent writes
   * (which maintain the index from the moment it is in the catalog) and the
   * backfill never leave a stale entry. Resumed after a restart.
   */
  backfillIndex(tableId: number, indexId: number): Promise<void> {
    const running = this.backfills.get(indexId);
    if (running !== undefined) return running;
    const task = this.runBackfill(tableId, indexId)
      .catch((error: unknown) => this.reportBackground('backfill', error))
      .finally(() => this.backfills.delete(indexId));
    this.backfills.set(indexId, task);
    return task;
  }

  private async runBackfill(tableId: number, indexId: number): Promise<void> {
    const readTs = await this.snapshotTimestamp();
    for await (const visible of this.scan(tableSpan(tableId), readTs)) {
      if (this.closing) return;
      if (this.catalog.byId(tableId)?.indexes?.some((index) => index.indexId === indexId) !== true) return;
      await this.reindexItem(tableId, visible.itemKey, indexId);
    }
    const table = this.catalog.byId(tableId);
    if (table === undefined || this.closing) return;
    await this.catalog.update(table.name, (current) => ({
      ...current,
      indexes: current.indexes?.map((index) => (index.indexId === indexId ? { ...index, status: 'ACTIVE' as const } : index)),
    }));
  }

  /** Stops background work and waits for it; the engine owns no store to close. */
  async quiesce(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.backfills.values()]);
    clearInterval(this.gcTimer);
    clearInterval(this.ttlTimer);
    this.gcTimer = undefined;
    this.ttlTimer = undefined;
    await this.gcRunning;
    await this.ttlRunning;
    await this.purging;
  }

  /**
   * One bounded garbage-collection pass of each range this node leads (the
   * timer runs these; tests call it directly). A pass is confined to what its
   * range owns, so it needs the range's table for its index entries; the
   * embedded node's one range has no record in the catalog and spans all.
   */
  async collectGarbage(): Promise<number> {
    const retention = this.options.versionRetentionMs ?? DEFAULT_VERSION_RETENTION_MS;
    let deleted = 0;
    for (const range of this.path.localLeaders()) {
      const rangeId = range.descriptor.rangeId;
      const record = this.catalog.range(rangeId);
      const table = record === undefined ? undefined : this.catalog.byId(record.tableId);
      const pass = await range.collectGarbage(retention, this.gcCursors.get(rangeId), table);
      this.gcCursors.set(rangeId, pass.next);
      deleted += pass.deleted;
    }
    this.background.gcPasses++;
    this.background.gcVersionsDeleted += deleted;
    return deleted;
  }

  /** One bounded time-to-live pass (the timer runs these; tests call it directly). */
  async expireItems(nowSec = Date.now() / 1000): Promise<number> {
    const deleted = await this.ttl.sweep(nowSec);
    this.background.ttlPasses++;
    this.background.ttlItemsDeleted += deleted;
    return deleted;
  }

  private reportBackground(task: BackgroundTask, error: unknown): void {
    this.options.onBackgroundError?.(task, error);
  }

  private startBackgroundWork(): void {
    const gcInterval = this.options.gcIntervalMs ?? DEFAULT_GC_INTERVAL_MS;
    if (gcInterval > 0) {
      this.gcTimer = setInterval(() => {
        this.gcRunning = this.gcRunning.then(() => this.collectGarbage()).catch((error: unknown) => this.reportBackground('gc', error));
      }, gcInterval);
      this.gcTimer.unref();
    }
    const ttlInterval = this.options.ttlIntervalMs ?? DEFAULT_TTL_INTERVAL_MS;
    if (ttlInterval > 0) {
      this.ttlTimer = setInterval(() => {
        if (this.options.runsTtl?.() === false) return;
        this.ttlRunning = this.ttlRunning.then(() => this.expireItems()).catch((error: unknown) => this.reportBackground('ttl', error));
      }, ttlInterval);
      this.ttlTimer.unref();
    }
  }

  /** Purges the data of dropped tables and indexes in the background. */
  schedulePurge(): void {
    this.purging = this.purging
      .then(() => purgeDroppedTables(this.options.store))
      .catch((error: unknown) => this.reportBackground('purge', error));
  }
}
