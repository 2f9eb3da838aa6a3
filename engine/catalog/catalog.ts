/**
 * The table catalog: every live table's definition, persisted as system
 * records and cached in memory. Mutations are serialized so that two
 * CreateTable calls for one name cannot both succeed. (In a cluster this state
 * moves into the meta Raft group; the interface stays.)
 */
import type { KvStore, KvWrite } from '../storage/kv-store.js';
import { LimitExceededError, ResourceInUseError, ResourceNotFoundError } from '../errors.js';
import { systemKey } from '../mvcc/layout.js';
import type { TableDefinition } from './table.js';

/** DynamoDB's default quota of tables per account and region. */
export const MAX_TABLES = 2_500;

const TABLE_RECORD_PREFIX = 'table/';
const NEXT_TABLE_ID_KEY = 'next-table-id';
/** Dropped table ids whose data is still to be purged. */
export const DROPPED_TABLE_PREFIX = 'dropped-table/';

export class Catalog {
  private readonly tables = new Map<string, TableDefinition>();
  /** The same tables by id: every write looks its table up by id, so this is a hot path. */
  private readonly tablesById = new Map<number, TableDefinition>();
  private nextTableId = 1;
  private mutation: Promise<unknown> = Promise.resolve();

  private constructor(private readonly store: KvStore) {}

  static async open(store: KvStore): Promise<Catalog> {
    const catalog = new Catalog(store);
    await catalog.load();
    return catalog;
  }

  private async load(): Promise<void> {
    const prefix = systemKey(TABLE_RECORD_PREFIX);
    const end = Buffer.concat([prefix.subarray(0, prefix.length - 1), Buffer.of(prefix[prefix.length - 1]! + 1)]);
    for await (const [, value] of this.store.iterate({ gte: prefix, lt: end })) {
      const table = JSON.parse(value.toString('utf8')) as TableDefinition;
      this.remember(table);
    }
    const next = await this.store.get(systemKey(NEXT_TABLE_ID_KEY));
    if (next !== undefined) this.nextTableId = next.readUInt32BE(0);
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

  private remember(table: TableDefinition): void {
    this.tables.set(table.name, table);
    this.tablesById.set(table.tableId, table);
  }

  /**
   * Creates a table. Its indexes get their keyspace ids here, from the same
   * counter as table ids (pass them with `indexId: 0`).
   */
  create(definition: Omit<TableDefinition, 'tableId'>): Promise<TableDefinition> {
    return this.serialize(async () => {
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
      await this.store.write([
        nextIdWrite(id),
        { type: 'put', key: tableRecordKey(table.name), value: Buffer.from(JSON.stringify(table)) },
      ]);
      this.nextTableId = id;
      this.remember(table);
      return table;
    });
  }

  /**
   * Replaces a table's definition with `change(current, allocateId)`; the
   * table id and name never change. `allocateId` hands out keyspace ids for
   * new indexes; `dropped` names keyspace ids whose data is to be purged.
   */
  update(
    name: string,
    change: (current: TableDefinition, allocateId: () => number) => TableDefinition,
    dropped: readonly number[] = [],
  ): Promise<TableDefinition> {
    return this.serialize(async () => {
      const current = this.require(name, `Requested resource not found: Table: ${name} not found`);
      let id = this.nextTableId;
      const next = { ...change(current, () => id++), tableId: current.tableId, name: current.name };
      await this.store.write([
        nextIdWrite(id),
        { type: 'put', key: tableRecordKey(name), value: Buffer.from(JSON.stringify(next)) },
        ...dropped.map((keyspaceId) => ({ type: 'put' as const, key: systemKey(`${DROPPED_TABLE_PREFIX}${keyspaceId}`), value: Buffer.alloc(0) })),
      ]);
      this.nextTableId = id;
      this.remember(next);
      return next;
    });
  }

  /** Removes the table; its id is recorded for the data purger. */
  delete(name: string): Promise<TableDefinition> {
    return this.serialize(async () => {
      const table = this.require(name, `Requested resource not found: Table: ${name} not found`);
      const keyspaces = [table.tableId, ...(table.indexes ?? []).map((index) => index.indexId)];
      const writes: KvWrite[] = [
        { type: 'del', key: tableRecordKey(name) },
        ...keyspaces.map((id) => ({ type: 'put' as const, key: systemKey(`${DROPPED_TABLE_PREFIX}${id}`), value: Buffer.alloc(0) })),
      ];
      await this.store.write(writes);
      this.tables.delete(name);
      this.tablesById.delete(table.tableId);
      return table;
    });
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.mutation.then(fn, fn);
    this.mutation = run.catch(() => undefined);
    return run;
  }
}

/** The record of the next keyspace id to hand out (table and index ids share it). */
function nextIdWrite(id: number): KvWrite {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(id);
  return { type: 'put', key: systemKey(NEXT_TABLE_ID_KEY), value };
}

function tableRecordKey(name: string): Buffer {
  return systemKey(`${TABLE_RECORD_PREFIX}${name}`);
}

