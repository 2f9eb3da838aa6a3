/**
 * The engine facade the server's operations call: the catalog, item reads and
 * writes, and transactions. It owns the routing of item keys to range replicas
 * (one range covering the whole keyspace on an embedded node today).
 */
import type { KvStore } from './storage/kv-store.js';
import type { TimestampSource } from './timestamp-source.js';
import type { Item } from './types.js';
import { Catalog } from './catalog/catalog.js';
import { purgeDroppedTables } from './catalog/table-purger.js';
import type { TableDefinition } from './catalog/table.js';
import { evaluateItemWrite, type ItemWrite, type WriteOutcome } from './items/item-write.js';
import { RangeReplica, type CommandLog } from './range/replica.js';
import { RequestTokens } from './txn/request-tokens.js';
import { transactWriteOnRange, type TransactAction } from './txn/transact-write.js';

export interface EngineOptions {
  store: KvStore;
  /** The durable write path (the group committer over `store`). */
  log: CommandLog;
  clock: TimestampSource;
}

export interface TransactOptions {
  /** ClientRequestToken and the fingerprint of the request it must match. */
  token?: { value: string; fingerprint: string };
}

export interface TransactResult {
  outcomes: WriteOutcome[];
  /** True when the token matched an earlier, committed call: nothing was written now. */
  replayed: boolean;
}

const WHOLE_KEYSPACE = { start: Buffer.alloc(0), end: Buffer.alloc(64, 0xff) };

export class Engine {
  private readonly range: RangeReplica;
  private purging: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly catalog: Catalog,
    private readonly options: EngineOptions,
    readonly tokens: RequestTokens,
  ) {
    this.range = new RangeReplica(
      { rangeId: 1, ...WHOLE_KEYSPACE, generation: 1 },
      options.store,
      options.log,
      options.clock,
    );
  }

  static async open(options: EngineOptions): Promise<Engine> {
    const catalog = await Catalog.open(options.store);
    const engine = new Engine(catalog, options, new RequestTokens(options.store));
    engine.schedulePurge();
    return engine;
  }

  async deleteTable(name: string): Promise<TableDefinition> {
    const table = await this.catalog.delete(name);
    this.schedulePurge();
    return table;
  }

  async getItem(itemKey: Buffer): Promise<Item | undefined> {
    return (await this.range.read(itemKey)).item;
  }

  /** One item write, evaluated under the item's latch; throws ConditionalCheckFailed. */
  async writeItem(itemKey: Buffer, write: ItemWrite): Promise<WriteOutcome> {
    return this.range.write([itemKey], (current) => {
      const outcome = evaluateItemWrite(write, current[0]?.item);
      return {
        mutations: outcome.writes ? [{ itemKey, item: outcome.new }] : [],
        result: outcome,
      };
    });
  }

  async transactWrite(actions: readonly TransactAction[], options: TransactOptions = {}): Promise<TransactResult> {
    const token = options.token;
    if (token === undefined) {
      return { outcomes: await transactWriteOnRange(this.range, actions), replayed: false };
    }
    const state = await this.tokens.claim(token.value, token.fingerprint);
    if (state === 'replay') return { outcomes: [], replayed: true };
    let committed = false;
    try {
      const record = this.tokens.recordWrite(token.value, token.fingerprint);
      const outcomes = await transactWriteOnRange(this.range, actions, [record]);
      committed = true;
      return { outcomes, replayed: false };
    } finally {
      this.tokens.release(token.value, token.fingerprint, committed);
    }
  }

  /** Waits for background work, then closes nothing it does not own. */
  async quiesce(): Promise<void> {
    await this.purging;
  }

  private schedulePurge(): void {
    this.purging = this.purging.then(() => purgeDroppedTables(this.options.store)).catch(() => undefined);
  }
}
