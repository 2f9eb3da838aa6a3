/**
 * The table catalog: every live table's definition and the ranges its items
 * are split into, persisted as system records and cached in memory.
 *
 * Every change is computed from the catalog as this node sees it and then
 * submitted, as a `CatalogChange`, to a CatalogLog: on an embedded node it is
 * applied at once; in a cluster it is a command of the meta Raft group,
 * applied on every node in log order. A change names the catalog revision it
 * was computed against and applies only at exactly that revision (checked
 * while applying, so identically on every replica); a change that lost a race
 * is refused with CatalogConflictError and recomputed from the newer state.
 * That makes two CreateTable calls for one name, on any nodes, unable to both
 * succeed, without evaluating on the meta leader.
 */
import type { KvStore, KvWrite } from '../storage/kv-store.js';
import { InternalError, LimitExceededError, ResourceInUseError, ResourceNotFoundError } from '../errors.js';
import { systemKey } from '../mvcc/layout.js';
import type { TableDefinition } from './table.js';

/** DynamoDB's default quota of tables per account and region. */
export const MAX_TABLES = 2_500;

const TABLE_RECORD_PREFIX = 'table/';
const NEXT_TABLE_ID_KEY = 'next-table-id';
const RANGE_RECORD_PREFIX = 'range/';
const REVISION_KEY = 'catalog-revision';
/** Dropped table ids whose data is still to be purged. */
export const DROPPED_TABLE_PREFIX = 'dropped-table/';

/** A range of a table's items, as the meta group records it. */
export interface RangeRecord {
  rangeId: number;
  tableId: number;
  /** Inclusive start and exclusive end of the item-key span. */
  start: Buffer;
  end: Buffer;
  generation: number;
  /** Node ids holding a replica. */
  replicas: number[];
  /** The node that campaigns first, so that leaders spread over the nodes. */
  preferredLeader: number;
}

/** One change of the catalog, applied atomically (see the module comment). */
export interface CatalogChange {
  /** The revision the change was computed against; it applies only there. */
  baseRevision: number;
  /** The next keyspace id to hand out once applied. */
  nextId: number;
  /** A table created or redefined. */
  put?: TableDefinition;
  /** A table removed, by name. */
  remove?: string;
  /** Keyspace ids whose data is to be purged. */
  dropped?: number[];
  /** Ranges created (a new table's pre-split). */
  addRanges?: RangeRecord[];
  /** Ranges removed (a dropped table's). */
  removeRanges?: number[];
}

/** Where changes go: applied at once (embedded) or through the meta group (cluster). */
export interface CatalogLog {
  /**
   * Makes `change` durable and applied on this node (Catalog.stage/applied),
   * or throws CatalogConflictError when the catalog is no longer at its base
   * revision (then, in a cluster, once this node has caught up with the
   * revision that refused it, so that a recomputation sees the newer state).
   */
  submit(change: CatalogChange): Promise<void>;
}

/** A change computed against a revision that is no longer the latest. */
export class CatalogConflictError extends InternalError {}

/** This node's catalog did not reach a revision in time (its meta replica lags). */
export class CatalogBehindError extends InternalError {}

/** Most callers waiting for the catalog to reach a revision. */
export const MAX_REVISION_WAITERS = 10_000;

/** How many times a change is recomputed after losing a race before giving up. */
export const MAX_CATALOG_CHANGE_ATTEMPTS = 64;

/** Computes a new table's ranges (cluster mode); `allocateId` hands out range ids. */
export type TableSplitter = (table: TableDefinition, allocateId: () => number) => RangeRecord[];

export interface CatalogOptions {
  /** Default: applied at once to the store. */
  log?: CatalogLog;
  splitTable?: TableSplitter;
}

/** The embedded node's catalog log: changes are applied at once to the store. */
class LocalCatalogLog implements CatalogLog {
  constructor(
    private readonly catalog: () => Catalog,
    private readonly store: KvStore,
  ) {}

  async submit(change: CatalogChange): Promise<void> {
    const catalog = this.catalog();
    if (!catalog.accepts(change)) throw new CatalogConflictError(`catalog moved past revision ${change.baseRevision}`);
    await this.store.write(catalog.stage(change));
    catalog.applied(change);
  }
}

export class Catalog {
  private readonly tables = new Map<string, TableDefinition>();
  /** The same tables by id: every write looks its table up by id, so this is a hot path. */
  private readonly tablesById = new Map<number, TableDefinition>();
  /** The table owning each index keyspace id. */
  private readonly tablesByIndexId = new Map<number, TableDefinition>();
  private readonly rangesById = new Map<number, RangeRecord>();
  private nextTableId = 1;
  private revisionValue = 0;
  private mutation: Promise<unknown> = Promise.resolve();
  private readonly log: CatalogLog;
  private readonly listeners: Array<(change: CatalogChange) => void> = [];
  private revisionWaiters: Array<{ revision: number; resolve: () => void }> = [];

  private constructor(
    private readonly store: KvStore,
    private readonly options: CatalogOptions,
  ) {
    this.log = options.log ?? new LocalCatalogLog(() => this, store);
  }

  static async open(store: KvStore, options: CatalogOptions = {}): Promise<Catalog> {
    const catalog = new Catalog(store, options);
    await catalog.load();
    return catalog;
  }

  private async load(): Promise<void> {
    for await (const [, value] of this.store.iterate(prefixBounds(TABLE_RECORD_PREFIX))) {
      this.remember(JSON.parse(value.toString('utf8')) as TableDefinition);
    }
    for await (const [, value] of this.store.iterate(prefixBounds(RANGE_RECORD_PREFIX))) {
      const range = decodeRange(value);
      this.rangesById.set(range.rangeId, range);
    }
    const next = await this.store.get(systemKey(NEXT_TABLE_ID_KEY));
    if (next !== undefined) this.nextTableId = next.readUInt32BE(0);
    const revision = await this.store.get(systemKey(REVISION_KEY));
    if (revision !== undefined) this.revisionValue = revision.readUInt32BE(0);
  }

  /** How many changes have been applied here. */
  get revision(): number {
    return this.revisionValue;
  }

  get(name: string): TableDefinition | undefined {
    return this.tables.get(name);
  }

  /** The table, or ResourceNotFoundException with `message`. */
  require(name: string, message = 'Requested resource not found'): TableDefinition {
    const table = this.tables.get(name);
    if (table === undefined) throw new ResourceNotFoundError(message);
    return table;
  }

  /** Table names in ascending order (DynamoDB's ListTables order). */
  names(): string[] {
    return [...this.tables.keys()].sort();
  }

  get size(): number {
    return this.tables.size;
  }

  /** The live table with this id, if any (a write evaluates against the current definition). */
  byId(tableId: number): TableDefinition | undefined {
    return this.tablesById.get(tableId);
  }

  /** The live table one of whose indexes has this keyspace id, if any. */
  byIndexId(indexId: number): TableDefinition | undefined {
    return this.tablesByIndexId.get(indexId);
  }

  /** Every range (cluster mode), in no particular order. */
  ranges(): RangeRecord[] {
    return [...this.rangesById.values()];
  }

  range(rangeId: number): RangeRecord | undefined {
    return this.rangesById.get(rangeId);
  }

  /**
   * Resolves once this node has applied `revision` (a change made through
   * another node), or rejects with CatalogBehindError after `timeoutMs`.
   */
  async waitForRevision(revision: number, timeoutMs: number): Promise<void> {
    if (this.revisionValue >= revision) return;
    if (this.revisionWaiters.length >= MAX_REVISION_WAITERS) throw new CatalogBehindError(`catalog at ${this.revisionValue}, ${revision} wanted; too many waiters`);
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        revision,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.revisionWaiters = this.revisionWaiters.filter((w) => w !== waiter);
        reject(new CatalogBehindError(`catalog at revision ${this.revisionValue} after ${timeoutMs} ms; ${revision} wanted`));
      }, timeoutMs);
      this.revisionWaiters.push(waiter);
    });
  }

  /**
   * Replaces the in-memory catalog with what the store now holds (its records
   * were just replaced by a meta snapshot), records the keyspace ids that
   * disappeared for the data purger, and tells the listeners which ranges
   * came and went, as one change.
   */
  async reload(): Promise<void> {
    const before = new Map(this.rangesById);
    const idsBefore = new Set([...this.tablesById.values()].flatMap(keyspaceIds));
    this.tables.clear();
    this.tablesById.clear();
    this.tablesByIndexId.clear();
    this.rangesById.clear();
    this.nextTableId = 1;
    this.revisionValue = 0;
    await this.load();
    const idsAfter = new Set([...this.tablesById.values()].flatMap(keyspaceIds));
    const dropped = [...idsBefore].filter((id) => !idsAfter.has(id));
    if (dropped.length > 0) {
      await this.store.write(dropped.map((id) => ({ type: 'put' as const, key: systemKey(`${DROPPED_TABLE_PREFIX}${id}`), value: Buffer.alloc(0) })));
    }
    const change: CatalogChange = { baseRevision: this.revisionValue - 1, nextId: this.nextTableId };
    const added = [...this.rangesById.values()].filter((range) => !before.has(range.rangeId));
    const removed = [...before.keys()].filter((rangeId) => !this.rangesById.has(rangeId));
    if (added.length > 0) change.addRanges = added;
    if (removed.length > 0) change.removeRanges = removed;
    this.notify(change);
  }

  /** Called with every change once it is applied on this node. */
  onApplied(listener: (change: CatalogChange) => void): void {
    this.listeners.push(listener);
  }

  private remember(table: TableDefinition): void {
    this.tables.set(table.name, table);
    const previous = this.tablesById.get(table.tableId);
    if (previous !== undefined) this.forgetIndexes(previous);
    this.tablesById.set(table.tableId, table);
    for (const index of table.indexes ?? []) this.tablesByIndexId.set(index.indexId, table);
  }

  /**
   * Creates a table. Its indexes get their keyspace ids here, from the same
   * counter as table ids (pass them with `indexId: 0`).
   */
  create(definition: Omit<TableDefinition, 'tableId'>): Promise<TableDefinition> {
    return this.change(() => {
      if (this.tables.has(definition.name)) {
        throw new ResourceInUseError(`Table already exists: ${definition.name}`);
      }
      if (this.tables.size >= MAX_TABLES) {
        throw new LimitExceededError(
          `Subscriber limit exceeded: Only ${MAX_TABLES} tables can be created per account per region`,
        );
      }
      let id = this.nextTableId;
      const table: TableDefinition = { ...definition, tableId: id++ };
      if (definition.indexes !== undefined) table.indexes = definition.indexes.map((index) => ({ ...index, indexId: id++ }));
      const addRanges = this.options.splitTable?.(table, () => id++);
      const change: CatalogChange = { baseRevision: this.revisionValue, nextId: id, put: table };
      if (addRanges !== undefined && addRanges.length > 0) change.addRanges = addRanges;
      return { change, result: table };
    });
  }

  /**
   * Replaces a table's definition with `change(current, allocateId)`; the
   * table id and name never change. `allocateId` hands out keyspace ids for
   * new indexes; `dropped` names keyspace ids whose data is to be purged.
   * `change` may run more than once (when a concurrent change won the race).
   */
  update(
    name: string,
    change: (current: TableDefinition, allocateId: () => number) => TableDefinition,
    dropped: readonly number[] = [],
  ): Promise<TableDefinition> {
    return this.change(() => {
      const current = this.require(name, `Requested resource not found: Table: ${name} not found`);
      let id = this.nextTableId;
      const next = { ...change(current, () => id++), tableId: current.tableId, name: current.name };
      const catalogChange: CatalogChange = { baseRevision: this.revisionValue, nextId: id, put: next };
      if (dropped.length > 0) catalogChange.dropped = [...dropped];
      return { change: catalogChange, result: next };
    });
  }

  /** Removes the table and its ranges; its keyspace ids are recorded for the data purger. */
  delete(name: string): Promise<TableDefinition> {
    return this.change(() => {
      const table = this.require(name, `Requested resource not found: Table: ${name} not found`);
      const change: CatalogChange = {
        baseRevision: this.revisionValue,
        nextId: this.nextTableId,
        remove: name,
        dropped: keyspaceIds(table),
      };
      const ranges = this.ranges().filter((range) => range.tableId === table.tableId);
      if (ranges.length > 0) change.removeRanges = ranges.map((range) => range.rangeId);
      return { change, result: table };
    });
  }

  private forgetIndexes(table: TableDefinition): void {
    for (const index of table.indexes ?? []) this.tablesByIndexId.delete(index.indexId);
  }

  /** Whether `change` applies now (it was computed against the current revision). */
  accepts(change: CatalogChange): boolean {
    return change.baseRevision === this.revisionValue;
  }

  /** The writes that apply `change` (the same on every replica; check `accepts` first). */
  stage(change: CatalogChange): KvWrite[] {
    const writes: KvWrite[] = [nextIdWrite(change.nextId), u32Write(REVISION_KEY, change.baseRevision + 1)];
    if (change.put !== undefined) {
      writes.push({ type: 'put', key: tableRecordKey(change.put.name), value: Buffer.from(JSON.stringify(change.put)) });
    }
    if (change.remove !== undefined) writes.push({ type: 'del', key: tableRecordKey(change.remove) });
    for (const keyspaceId of change.dropped ?? []) {
      writes.push({ type: 'put', key: systemKey(`${DROPPED_TABLE_PREFIX}${keyspaceId}`), value: Buffer.alloc(0) });
    }
    for (const range of change.addRanges ?? []) {
      writes.push({ type: 'put', key: rangeRecordKey(range.rangeId), value: encodeRange(range) });
    }
    for (const rangeId of change.removeRanges ?? []) writes.push({ type: 'del', key: rangeRecordKey(rangeId) });
    return writes;
  }

  /** Updates the in-memory catalog once the writes of `change` are durable. */
  applied(change: CatalogChange): void {
    this.nextTableId = change.nextId;
    this.revisionValue = change.baseRevision + 1;
    if (change.remove !== undefined) {
      const table = this.tables.get(change.remove);
      this.tables.delete(change.remove);
      if (table !== undefined) {
        this.tablesById.delete(table.tableId);
        this.forgetIndexes(table);
      }
    }
    if (change.put !== undefined) this.remember(change.put);
    for (const range of change.addRanges ?? []) this.rangesById.set(range.rangeId, range);
    for (const rangeId of change.removeRanges ?? []) this.rangesById.delete(rangeId);
    this.notify(change);
  }

  private notify(change: CatalogChange): void {
    for (const listener of this.listeners) listener(change);
    if (this.revisionWaiters.length > 0) {
      const ready = this.revisionWaiters.filter((w) => w.revision <= this.revisionValue);
      this.revisionWaiters = this.revisionWaiters.filter((w) => w.revision > this.revisionValue);
      for (const waiter of ready) waiter.resolve();
    }
  }

  /**
   * Computes a change from the current state and submits it; recomputes when
   * a concurrent change (from any node) won the race. Changes from this node
   * are serialized, so they never race each other.
   */
  private change<T>(compute: () => { change: CatalogChange; result: T }): Promise<T> {
    return this.serialize(async () => {
      for (let attempt = 1; ; attempt++) {
        const { change, result } = compute();
        try {
          await this.log.submit(change);
          return result;
        } catch (error) {
          if (!(error instanceof CatalogConflictError) || attempt >= MAX_CATALOG_CHANGE_ATTEMPTS) throw error;
        }
      }
    });
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.mutation.then(fn, fn);
    this.mutation = run.catch(() => undefined);
    return run;
  }
}

/**
 * The store bounds of the catalog's replicated records (tables, ranges, next
 * id, revision): a meta snapshot's data. The dropped-table records are each
 * node's own purge queue and are not among them.
 */
export function catalogRecordBounds(): Array<{ gte: Buffer; lt: Buffer }> {
  const single = (name: string) => {
    const gte = systemKey(name);
    return { gte, lt: Buffer.concat([gte, Buffer.of(0)]) };
  };
  return [prefixBounds(TABLE_RECORD_PREFIX), prefixBounds(RANGE_RECORD_PREFIX), single(NEXT_TABLE_ID_KEY), single(REVISION_KEY)];
}

function keyspaceIds(table: TableDefinition): number[] {
  return [table.tableId, ...(table.indexes ?? []).map((index) => index.indexId)];
}

/** The record of the next keyspace id to hand out (table, index and range ids share it). */
function nextIdWrite(id: number): KvWrite {
  return u32Write(NEXT_TABLE_ID_KEY, id);
}

function u32Write(name: string, n: number): KvWrite {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(n);
  return { type: 'put', key: systemKey(name), value };
}

function rangeRecordKey(rangeId: number): Buffer {
  return systemKey(`${RANGE_RECORD_PREFIX}${rangeId}`);
}

function encodeRange(range: RangeRecord): Buffer {
  return Buffer.from(JSON.stringify({ ...range, start: range.start.toString('hex'), end: range.end.toString('hex') }));
}

function decodeRange(value: Buffer): RangeRecord {
  const record = JSON.parse(value.toString('utf8')) as Omit<RangeRecord, 'start' | 'end'> & { start: string; end: string };
  return { ...record, start: Buffer.from(record.start, 'hex'), end: Buffer.from(record.end, 'hex') };
}

/** The store bounds of every system record whose name starts with `prefix`. */
function prefixBounds(prefix: string): { gte: Buffer; lt: Buffer } {
  const gte = systemKey(prefix);
  const lt = Buffer.from(gte);
  lt[lt.length - 1]!++;
  return { gte, lt };
}

function tableRecordKey(name: string): Buffer {
  return systemKey(`${TABLE_RECORD_PREFIX}${name}`);
}

