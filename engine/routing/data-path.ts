/**
 * The data path: how the engine reads and writes items, wherever their
 * ranges live. An embedded node has one range over the whole keyspace, in
 * this process (SingleRangePath); a cluster node routes each request to the
 * leader of the range that owns the key (engine/routing/cluster-path.ts).
 */
import type { Catalog } from '../catalog/catalog.js';
import type { ItemWrite, WriteOutcome } from '../items/item-write.js';
import { reindexItemOnRange, writeItemOnRange, mutationsOf } from '../items/range-writes.js';
import type { VersionRead, VisibleItem } from '../mvcc/mvcc.js';
import type { RangeReplica } from '../range/replica.js';
import type { TransactResult } from '../range/txn-port.js';
import type { RequestToken } from '../txn/request-tokens.js';
import { transactWriteOnRange, type TransactAction } from '../txn/transact-write.js';

export interface Span {
  start: Buffer;
  end: Buffer;
}

export interface DataPath {
  /** The item at a fresh timestamp, or at `readTs` (from `snapshotTimestamp`). */
  read(itemKey: Buffer, readTs?: bigint): Promise<VersionRead>;
  /** A timestamp at which `scan` and `read` see one consistent snapshot of every key. */
  snapshotTimestamp(): Promise<bigint>;
  /** The items visible at `readTs` in the item-key span, in key order (or reversed). */
  scan(span: Span, readTs: bigint, reverse: boolean): AsyncGenerator<VisibleItem>;
  writeItem(tableId: number, itemKey: Buffer, write: ItemWrite, needsCurrent: boolean): Promise<WriteOutcome>;
  reindexItem(tableId: number, itemKey: Buffer, indexId: number): Promise<void>;
  /** All actions atomically, or none when `token` shows a replay of a committed call (engine/txn/request-tokens.ts). */
  transactWrite(actions: readonly TransactAction[], token?: RequestToken): Promise<TransactResult>;
  /** The range replicas in this process whose upkeep (GC) this node runs. */
  localLeaders(): readonly RangeReplica[];
  /** Every range replica in this process (for metrics and status). */
  localReplicas(): readonly RangeReplica[];
}

/** One range over the whole keyspace, in this process: the embedded node. */
export class SingleRangePath implements DataPath {
  constructor(
    private readonly range: RangeReplica,
    private readonly catalog: Catalog,
  ) {}

  read(itemKey: Buffer, readTs?: bigint): Promise<VersionRead> {
    return this.range.read(itemKey, readTs);
  }

  snapshotTimestamp(): Promise<bigint> {
    return this.range.snapshotTimestamp();
  }

  scan(span: Span, readTs: bigint, reverse: boolean): AsyncGenerator<VisibleItem> {
    return this.range.scan(span.start, span.end, readTs, reverse);
  }

  writeItem(tableId: number, itemKey: Buffer, write: ItemWrite, needsCurrent: boolean): Promise<WriteOutcome> {
    return writeItemOnRange(this.range, this.catalog, tableId, itemKey, write, needsCurrent);
  }

  reindexItem(tableId: number, itemKey: Buffer, indexId: number): Promise<void> {
    return reindexItemOnRange(this.range, this.catalog, tableId, itemKey, indexId);
  }

  transactWrite(actions: readonly TransactAction[], token?: RequestToken): Promise<TransactResult> {
    return transactWriteOnRange(this.range, actions, mutationsOf(this.catalog), token);
  }

  localLeaders(): readonly RangeReplica[] {
    return [this.range];
  }

  localReplicas(): readonly RangeReplica[] {
    return [this.range];
  }
}
