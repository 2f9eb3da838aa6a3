/**
 * Several range replicas over one KvStore, each owning a span of the
 * keyspace, and the TxnRangesPort over them: a request goes to the replica
 * that owns its keys, called directly. Tests use it as a whole multi-range
 * store; on a cluster node the RPC handler uses it to serve the port's
 * requests for the ranges that node leads.
 */
import type { KvStore } from '../storage/kv-store.js';
import type { TimestampSource } from '../timestamp-source.js';
import { InternalError, RangeMismatchError } from '../errors.js';
import { spanContains } from '../keys/key-span.js';
import { prewriteOnRange, transactWriteOnRange, type MutationsOf } from '../txn/transact-write.js';
import { LocalCommandLog, RangeReplica, type BatchWriter } from './replica.js';
import { LockResolver } from '../txn/resolver.js';
import type { TxnStats } from '../txn/txn-stats.js';
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
} from './txn-port.js';

export interface LocalRangesOptions {
  store: KvStore;
  /** The durable write path shared by every replica (the group committer over `store`). */
  writer: BatchWriter;
  clock: TimestampSource;
  /**
   * Where the keyspace is split, ascending: n split keys make n + 1 ranges,
   * the first from the empty key, the last up to `end`.
   */
  splits: readonly Buffer[];
  /** Exclusive end of the last range. */
  end: Buffer;
  /** The mutations of an evaluated action (its item and index entries). */
  mutationsOf: MutationsOf;
  /** The wall clock of lock expiry. */
  nowMs?: () => number;
  /** Counts the locks the replicas resolve. */
  txnStats?: TxnStats;
}

export class LocalRanges implements TxnRangesPort {
  readonly replicas: readonly RangeReplica[];

  private constructor(private readonly options: LocalRangesOptions) {
    const bounds = [Buffer.alloc(0), ...options.splits, options.end];
    const replicas: RangeReplica[] = [];
    const resolver = new LockResolver(this, options.txnStats);
    for (let i = 0; i + 1 < bounds.length; i++) {
      if (Buffer.compare(bounds[i]!, bounds[i + 1]!) >= 0) throw new RangeError('LocalRanges splits must ascend, below end');
      const log = new LocalCommandLog(options.writer);
      const descriptor = { rangeId: i + 1, start: bounds[i]!, end: bounds[i + 1]!, generation: 1 };
      const replica = new RangeReplica(descriptor, options.store, log, options.clock, resolver, options.nowMs);
      log.bind(replica);
      replicas.push(replica);
    }
    this.replicas = replicas;
  }

  /** The replicas, with their lock tables loaded from `store`. */
  static async open(options: LocalRangesOptions): Promise<LocalRanges> {
    const ranges = new LocalRanges(options);
    await Promise.all(ranges.replicas.map((replica) => replica.init()));
    return ranges;
  }

  /** The replica that owns `itemKey`. */
  rangeOf(itemKey: Buffer): RangeReplica {
    const replica = this.replicas.find((r) => spanContains(r.descriptor, itemKey));
    if (replica === undefined) throw new RangeMismatchError(0);
    return replica;
  }

  async groupByRange(keys: readonly Buffer[]): Promise<number[][]> {
    const groups = new Map<RangeReplica, number[]>();
    keys.forEach((key, i) => {
      const replica = this.rangeOf(key);
      const group = groups.get(replica);
      if (group === undefined) groups.set(replica, [i]);
      else group.push(i);
    });
    return [...groups.values()];
  }

  transactOnRange(request: OnePhaseRequest): Promise<TransactResult> {
    return transactWriteOnRange(this.ownerOf(request.actions.map((a) => a.itemKey)), request.actions, this.options.mutationsOf, request.token);
  }

  prewrite(request: PrewriteRequest): Promise<PrewriteResult> {
    return prewriteOnRange(this.ownerOf(request.actions.map((a) => a.itemKey)), request, this.options.mutationsOf);
  }

  commit(request: CommitRequest): Promise<void> {
    return this.ownerOf(request.itemKeys).commitTxn(request);
  }

  rollback(request: RollbackRequest): Promise<void> {
    return this.ownerOf(request.primary === undefined ? request.itemKeys : [request.primary, ...request.itemKeys]).rollbackTxn(request);
  }

  checkTxn(request: CheckTxnRequest): Promise<TxnStatus> {
    return this.rangeOf(request.primary).checkTxn(request);
  }

  heartbeat(request: HeartbeatRequest): Promise<boolean> {
    return this.rangeOf(request.primary).heartbeatTxn(request);
  }

  /** The replica named by a request's first key (the replica checks that it owns all of them). */
  private ownerOf(keys: readonly Buffer[]): RangeReplica {
    const first = keys[0];
    if (first === undefined) throw new InternalError('a range request names no key');
    return this.rangeOf(first);
  }
}
