/**
 * The data path of a cluster node (DESIGN.md section 5): any node accepts any
 * request, finds the range that owns each key from its replica of the meta
 * group (the catalog's range records), and sends the request to the range's
 * leader: in-process when that is this node, over the node RPC otherwise.
 *
 * Leaders are cached per range (first guess: the range's preferred leader)
 * and corrected from NotLeader hints. Requests that certainly did not run
 * (NotLeader, RangeNotFound, a refused connection) are retried with backoff
 * on the hinted or next replica until the routing deadline; reads are also
 * retried after a lost connection or a timeout, writes are not (they may
 * have run), and the caller gets InternalServerError, as DynamoDB answers
 * when a write's outcome is unknown.
 */
import type { Catalog, RangeRecord } from '../catalog/catalog.js';
import { ValidationError } from '../errors.js';
import type { ItemWrite, WriteOutcome } from '../items/item-write.js';
import { itemKeySuccessor, TABLE_ID_BYTES } from '../keys/item-key.js';
import type { VersionRead, VisibleItem } from '../mvcc/mvcc.js';
import type { RangeReplica } from '../range/replica.js';
import type { TimestampSource } from '../timestamp-source.js';
import type { TransactAction } from '../txn/transact-write.js';
import type { RequestToken } from '../txn/request-tokens.js';
import { TxnCoordinator, type CoordinatorOptions } from '../txn/coordinator.js';
import type {
  CheckTxnRequest,
  CommitRequest,
  HeartbeatRequest,
  OnePhaseRequest,
  PrewriteRequest,
  PrewriteResult,
  RollbackRequest,
  TransactResult,
  TxnRangesPort,
  TxnStatus,
} from '../range/txn-port.js';
import type { DataPath, Span } from './data-path.js';
import { NoRangeForKeyError, NotLeaderError, RangeNotFoundError, RangeUnavailableError, RoutingError } from './errors.js';
import type { RangeDirectory, RangeHandler } from './range-handler.js';
import type { RangeRequest, ScanPage } from './wire.js';

/** How a node reaches another node's RangeHandler. */
export interface RangeRpc {
  call(to: number, request: RangeRequest, timeoutMs: number): Promise<unknown>;
}

/** How long the router keeps trying one request before giving up. */
export const ROUTING_DEADLINE_MS = 10_000;
/** Backoff between attempts: doubles from the first to the last. */
export const ROUTING_BACKOFF_MIN_MS = 5;
export const ROUTING_BACKOFF_MAX_MS = 250;
/** Items per scan page fetched from a range leader. */
export const SCAN_PAGE_ITEMS = 512;


export interface ClusterPathOptions {
  nodeId: number;
  catalog: Catalog;
  directory: RangeDirectory;
  handler: RangeHandler;
  rpc: RangeRpc;
  clock: TimestampSource;
  deadlineMs?: number;
  /** Passed to the transaction coordinator (its error reporter and testing knobs). */
  coordinator?: Pick<CoordinatorOptions, 'onAsyncError' | 'onPhase'>;
}

function isReadOnly(request: RangeRequest): boolean {
  return request.method === 'read' || request.method === 'scan';
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ClusterPath implements DataPath, TxnRangesPort {
  /** The ranges ordered by start key, rebuilt when the catalog's revision moves. */
  private sorted: RangeRecord[] = [];
  private sortedAt = -1;
  private readonly leaders = new Map<number, number>();
  private readonly coordinator: TxnCoordinator;

  constructor(private readonly opts: ClusterPathOptions) {
    // Secondaries commit before the answer: index entries live beside their items and a
    // reader of an index meets no lock of theirs, so this keeps indexes read-your-writes.
    this.coordinator = new TxnCoordinator(this, opts.clock, { ...opts.coordinator, awaitSecondaries: true });
  }

  // ---- locating ranges ----

  private rangesInOrder(): RangeRecord[] {
    const revision = this.opts.catalog.revision;
    if (revision !== this.sortedAt) {
      this.sorted = this.opts.catalog.ranges().sort((a, b) => Buffer.compare(a.start, b.start));
      this.sortedAt = revision;
    }
    return this.sorted;
  }

  /** The range whose span holds `key`. */
  rangeFor(key: Buffer): RangeRecord {
    const ranges = this.rangesInOrder();
    let lo = 0;
    let hi = ranges.length - 1;
    let found: RangeRecord | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const range = ranges[mid]!;
      if (Buffer.compare(range.start, key) <= 0) {
        found = range;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found === undefined || Buffer.compare(key, found.end) >= 0) throw new NoRangeForKeyError();
    return found;
  }

  /** The ranges overlapping [start, end), in key order. */
  private rangesOverlapping(span: Span): RangeRecord[] {
    return this.rangesInOrder().filter((r) => Buffer.compare(r.start, span.end) < 0 && Buffer.compare(span.start, r.end) < 0);
  }

  // ---- sending ----

  private async send(range: RangeRecord, request: RangeRequest): Promise<unknown> {
    const deadline = Date.now() + (this.opts.deadlineMs ?? ROUTING_DEADLINE_MS);
    let backoff = ROUTING_BACKOFF_MIN_MS;
    let target = this.leaders.get(range.rangeId) ?? range.preferredLeader;
    for (let attempt = 0; ; attempt++) {
      let retryOn: number | undefined;
      try {
        const result =
          target === this.opts.nodeId
            ? await this.opts.handler.handle(request)
            : await this.opts.rpc.call(target, request, Math.max(1, deadline - Date.now()));
        this.leaders.set(range.rangeId, target);
        return result;
      } catch (error) {
        if (error instanceof NotLeaderError) {
          retryOn = error.leader !== 0 && error.leader !== target ? error.leader : undefined;
        } else if (error instanceof RangeNotFoundError) {
          retryOn = undefined;
        } else if (!(error instanceof RoutingError) && isTransportFailure(error)) {
          if (maybeDelivered(error) && !isReadOnly(request)) {
            throw new RangeUnavailableError(`the outcome of the write is unknown: node ${target} did not answer`);
          }
        } else {
          throw error;
        }
      }
      if (Date.now() >= deadline) {
        throw new RangeUnavailableError(`range ${range.rangeId} has no reachable leader (last tried node ${target})`);
      }
      if (retryOn !== undefined) {
        target = retryOn;
        continue; // a fresh hint: go there at once
      }
      // No better hint: wait (an election may be running), then try the next replica.
      await sleep(backoff);
      backoff = Math.min(backoff * 2, ROUTING_BACKOFF_MAX_MS);
      const hinted = this.leaders.get(range.rangeId);
      const replicas = range.replicas;
      target = attempt % 2 === 0 && hinted !== undefined && hinted !== target
        ? hinted
        : replicas[(replicas.indexOf(target) + 1) % replicas.length]!;
      this.leaders.delete(range.rangeId);
    }
  }

  // ---- DataPath ----

  async read(itemKey: Buffer, readTs?: bigint): Promise<VersionRead> {
    const range = this.rangeFor(itemKey);
    const request: RangeRequest = { method: 'read', rangeId: range.rangeId, itemKey };
    if (readTs !== undefined) request.readTs = readTs;
    return (await this.send(range, request)) as VersionRead;
  }

  snapshotTimestamp(): Promise<bigint> {
    return this.opts.clock.now();
  }

  /**
   * A table span is read range after range, in key order. An index span is
   * read from every range of its table at once (each range holds the index
   * entries of its own items) and the streams are merged in key order.
   */
  async *scan(span: Span, readTs: bigint, reverse: boolean): AsyncGenerator<VisibleItem> {
    const keyspaceId = span.start.length >= TABLE_ID_BYTES ? span.start.readUInt32BE(0) : undefined;
    const indexed = keyspaceId === undefined ? undefined : this.opts.catalog.byIndexId(keyspaceId);
    if (indexed !== undefined) {
      const ranges = this.rangesInOrder().filter((range) => range.tableId === indexed.tableId);
      yield* mergeByKey(
        ranges.map((range) => this.scanRange(range, span.start, span.end, readTs, reverse, indexed.tableId)),
        reverse,
      );
      return;
    }
    const ranges = this.rangesOverlapping(span);
    if (reverse) ranges.reverse();
    for (const range of ranges) {
      const start = Buffer.compare(range.start, span.start) > 0 ? range.start : span.start;
      const end = Buffer.compare(range.end, span.end) < 0 ? range.end : span.end;
      yield* this.scanRange(range, start, end, readTs, reverse);
    }
  }

  /** [start, end) of one range, page by page. */
  private async *scanRange(
    range: RangeRecord,
    start: Buffer,
    end: Buffer,
    readTs: bigint,
    reverse: boolean,
    indexOf?: number,
  ): AsyncGenerator<VisibleItem> {
    for (;;) {
      const request: RangeRequest = { method: 'scan', rangeId: range.rangeId, start, end, readTs, reverse, limit: SCAN_PAGE_ITEMS };
      if (indexOf !== undefined) request.indexOf = indexOf;
      const page = (await this.send(range, request)) as ScanPage;
      yield* page.items;
      const last = page.items[page.items.length - 1];
      if (!page.more || last === undefined) return;
      if (reverse) end = last.itemKey;
      else start = itemKeySuccessor(last.itemKey);
    }
  }

  async writeItem(tableId: number, itemKey: Buffer, write: ItemWrite, needsCurrent: boolean): Promise<WriteOutcome> {
    const range = this.rangeFor(itemKey);
    const request: RangeRequest = {
      method: 'write',
      rangeId: range.rangeId,
      catalogRevision: this.opts.catalog.revision,
      tableId,
      itemKey,
      write,
      needsCurrent,
    };
    return (await this.send(range, request)) as WriteOutcome;
  }

  async reindexItem(tableId: number, itemKey: Buffer, indexId: number): Promise<void> {
    const range = this.rangeFor(itemKey);
    await this.send(range, {
      method: 'reindex',
      rangeId: range.rangeId,
      catalogRevision: this.opts.catalog.revision,
      tableId,
      itemKey,
      indexId,
    });
  }

  /** One phase when every key is in one range, else the two-phase commit over this path's TxnRangesPort. */
  transactWrite(actions: readonly TransactAction[], token?: RequestToken): Promise<TransactResult> {
    return this.coordinator.transactWrite(actions, token);
  }

  // ---- TxnRangesPort: the coordinator's and the lock resolvers' way to the ranges ----

  async groupByRange(keys: readonly Buffer[]): Promise<number[][]> {
    const groups = new Map<number, number[]>();
    keys.forEach((key, i) => {
      const rangeId = this.rangeFor(key).rangeId;
      const group = groups.get(rangeId);
      if (group === undefined) groups.set(rangeId, [i]);
      else group.push(i);
    });
    return [...groups.values()];
  }

  async transactOnRange(request: OnePhaseRequest): Promise<TransactResult> {
    const range = this.ownerOf(request.actions.map((a) => a.itemKey));
    const revision = this.opts.catalog.revision;
    return (await this.send(range, { method: 'transact', rangeId: range.rangeId, catalogRevision: revision, ...request })) as TransactResult;
  }

  async prewrite(request: PrewriteRequest): Promise<PrewriteResult> {
    const range = this.ownerOf(request.actions.map((a) => a.itemKey));
    const revision = this.opts.catalog.revision;
    return (await this.send(range, { method: 'prewrite', rangeId: range.rangeId, catalogRevision: revision, prewrite: request })) as PrewriteResult;
  }

  async commit(request: CommitRequest): Promise<void> {
    const range = this.ownerOf(request.itemKeys);
    await this.send(range, { method: 'commit', rangeId: range.rangeId, commit: request });
  }

  async rollback(request: RollbackRequest): Promise<void> {
    const range = this.ownerOf(request.primary === undefined ? request.itemKeys : [request.primary, ...request.itemKeys]);
    await this.send(range, { method: 'rollback', rangeId: range.rangeId, rollback: request });
  }

  async checkTxn(request: CheckTxnRequest): Promise<TxnStatus> {
    const range = this.rangeFor(request.primary);
    return (await this.send(range, { method: 'check-txn', rangeId: range.rangeId, check: request })) as TxnStatus;
  }

  async heartbeat(request: HeartbeatRequest): Promise<boolean> {
    const range = this.rangeFor(request.primary);
    return (await this.send(range, { method: 'heartbeat', rangeId: range.rangeId, heartbeat: request })) as boolean;
  }

  /** The range of a request's first key (the leader checks that it owns them all). */
  private ownerOf(keys: readonly Buffer[]): RangeRecord {
    const first = keys[0];
    if (first === undefined) throw new ValidationError('a range request names no key');
    return this.rangeFor(first);
  }

  localLeaders(): readonly RangeReplica[] {
    return this.opts.directory.all().filter((range) => range.serving()).map((range) => range.replica);
  }

  localReplicas(): readonly RangeReplica[] {
    return this.opts.directory.all().map((range) => range.replica);
  }
}

/** Merges streams that are each in key order (descending when `reverse`) into one; keys are unique across streams. */
async function* mergeByKey(streams: AsyncGenerator<VisibleItem>[], reverse: boolean): AsyncGenerator<VisibleItem> {
  const heads = await Promise.all(streams.map((stream) => stream.next()));
  const sign = reverse ? -1 : 1;
  try {
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const head = heads[i]!;
        if (head.done === true) continue;
        if (best < 0 || sign * Buffer.compare(head.value.itemKey, (heads[best]!.value as VisibleItem).itemKey) < 0) best = i;
      }
      if (best < 0) return;
      yield heads[best]!.value as VisibleItem;
      heads[best] = await streams[best]!.next();
    }
  } finally {
    await Promise.all(streams.map((stream) => stream.return(undefined)));
  }
}

/** Errors of the node RPC layer (the RangeRpc port's transport failures): their codes start with Rpc. */
function isTransportFailure(error: unknown): boolean {
  return errorCode(error)?.startsWith('Rpc') === true;
}

/**
 * Whether a failed call may have run on the peer: a refused connection and
 * an overloaded peer did not run it; a lost connection or a timeout may have.
 */
function maybeDelivered(error: unknown): boolean {
  const code = errorCode(error);
  if (code === 'RpcOverloaded' || code === 'RpcClosed') return false;
  if (code === 'RpcUnreachable') return (error as { maybeDelivered?: unknown }).maybeDelivered !== false;
  return true;
}
