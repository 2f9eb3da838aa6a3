/**
 * The leader side of routed requests: runs a RangeRequest on this node's
 * replica of the range, if it is the serving leader, and otherwise says where
 * to go (NotLeader with the leader it knows) or that it has no replica.
 * Requests that name a catalog revision wait until this node's catalog has
 * applied it, so the leader evaluates against a table definition at least as
 * new as the one the requesting node saw.
 */
import type { Catalog } from '../catalog/catalog.js';
import { itemSizeBytes } from '../attributes/size.js';
import { hashKeyOf, rangeKeyOf } from '../catalog/table.js';
import { encodeItemKey } from '../keys/item-key.js';
import type { Item } from '../types.js';
import { reindexItemOnRange, writeItemOnRange, mutationsOf } from '../items/range-writes.js';
import type { RangeReplica } from '../range/replica.js';
import { prewriteOnRange, transactWriteOnRange } from '../txn/transact-write.js';
import { NotLeaderError, RangeNotFoundError } from './errors.js';
import type { RangeRequest, ScanPage } from './wire.js';

/** One range replica of this node, and what its Raft group says about leadership. */
export interface LocalRange {
  readonly replica: RangeReplica;
  /** Whether this replica is the leader and may serve (see ReplicatedStateMachine.serving). */
  serving(): boolean;
  /** The leader this replica knows of (0: none). */
  leader(): number;
}

export interface RangeDirectory {
  get(rangeId: number): LocalRange | undefined;
  all(): readonly LocalRange[];
}

/** How long a leader waits for its catalog to catch up with a requesting node's. */
export const CATALOG_WAIT_MS = 5_000;
/** Most bytes of items in one scan page (besides the item count limit). */
export const SCAN_PAGE_MAX_BYTES = 1024 * 1024;

export class RangeHandler {
  constructor(
    private readonly ranges: RangeDirectory,
    private readonly catalog: Catalog,
  ) {}

  /** The serving replica of `rangeId`, or the routing error that says where to go. */
  leaderOf(rangeId: number): RangeReplica {
    const range = this.ranges.get(rangeId);
    if (range === undefined) throw new RangeNotFoundError(rangeId);
    if (!range.serving()) throw new NotLeaderError(rangeId, range.leader());
    return range.replica;
  }

  async handle(request: RangeRequest): Promise<unknown> {
    const replica = this.leaderOf(request.rangeId);
    switch (request.method) {
      case 'read': {
        const read = await replica.read(request.itemKey, request.readTs);
        return { item: read.item, commitTs: read.commitTs };
      }
      case 'scan':
        return this.scanPage(replica, request);
      case 'write':
        await this.catalog.waitForRevision(request.catalogRevision, CATALOG_WAIT_MS);
        return writeItemOnRange(replica, this.catalog, request.tableId, request.itemKey, request.write, request.needsCurrent);
      case 'reindex':
        await this.catalog.waitForRevision(request.catalogRevision, CATALOG_WAIT_MS);
        return reindexItemOnRange(replica, this.catalog, request.tableId, request.itemKey, request.indexId);
      case 'transact':
        await this.catalog.waitForRevision(request.catalogRevision, CATALOG_WAIT_MS);
        return transactWriteOnRange(replica, request.actions, mutationsOf(this.catalog), request.token);
      case 'prewrite':
        await this.catalog.waitForRevision(request.catalogRevision, CATALOG_WAIT_MS);
        return prewriteOnRange(replica, request.prewrite, mutationsOf(this.catalog));
      case 'commit':
        return replica.commitTxn(request.commit);
      case 'rollback':
        return replica.rollbackTxn(request.rollback);
      case 'check-txn':
        return replica.checkTxn(request.check);
      case 'heartbeat':
        return replica.heartbeatTxn(request.heartbeat);
      default: {
        const unknown: never = request;
        throw new RangeNotFoundError((unknown as { rangeId: number }).rangeId);
      }
    }
  }

  private async scanPage(replica: RangeReplica, request: Extract<RangeRequest, { method: 'scan' }>): Promise<ScanPage> {
    // Writes that drew a commit timestamp at or below readTs may still be applying here: wait for them.
    await replica.writesSettled();
    const page: ScanPage = { items: [], more: false };
    let bytes = 0;
    const owned = request.indexOf === undefined ? undefined : this.ownedEntries(replica, request.indexOf);
    for await (const visible of replica.scan(request.start, request.end, request.readTs, request.reverse)) {
      if (owned !== undefined && !owned(visible.item)) continue;
      if (page.items.length >= request.limit || bytes >= SCAN_PAGE_MAX_BYTES) {
        page.more = true;
        break;
      }
      page.items.push({ itemKey: visible.itemKey, item: visible.item, commitTs: visible.commitTs });
      bytes += visible.itemKey.length + itemSizeBytes(visible.item);
    }
    return page;
  }

  /**
   * Which index entries belong to this range: those of items whose primary
   * key is in its span (every entry projects the table's key attributes).
   * The node's store also holds the entries of the other ranges it replicates.
   */
  private ownedEntries(replica: RangeReplica, tableId: number): (entry: Item) => boolean {
    const table = this.catalog.byId(tableId);
    if (table === undefined) return () => false;
    const hash = hashKeyOf(table).name;
    const range = rangeKeyOf(table)?.name;
    const { start, end } = replica.descriptor;
    return (entry) => {
      const hashValue = entry[hash];
      if (hashValue === undefined) return false;
      const rangeValue = range === undefined ? undefined : entry[range];
      const itemKey = encodeItemKey(tableId, hashValue, rangeValue);
      return Buffer.compare(itemKey, start) >= 0 && Buffer.compare(itemKey, end) < 0;
    };
  }
}
