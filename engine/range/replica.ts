/**
 * A range replica: the state machine of one range of the keyspace, and the
 * place where writes to that range are evaluated (DESIGN.md sections 5-6).
 *
 * Everything that changes the range is a command: the leader evaluates a
 * request and submits the command to its CommandLog (the group committer on
 * an embedded node, the range's Raft group in a cluster); every replica then
 * applies it in log order through `stage` (the writes) and `applied` (the
 * in-memory effects, once the writes are durable). Commands carry everything
 * they need, so applying one is a pure write: every replica that applies the
 * same commands in the same order ends in the same state.
 *
 * Write protocol (the ordering rule of DESIGN.md section 6): take the latches
 * of every key, read the latest committed versions, evaluate, THEN draw the
 * commit timestamp, apply, release. A reader draws its timestamp first and then
 * waits for the writers latched on its key, so no write can land below a
 * timestamp at which a read has already answered.
 *
 * Two-phase transactions (Percolator, DESIGN.md section 6) leave locks: a
 * `prewrite` command locks keys with what their commit will write, `commit`
 * turns a transaction's locks into versions at its commitTs, `rollback`
 * deletes them; on the primary's range the last two also record the decision.
 * Every replica keeps the range's lock table in step in `applied`, so a new
 * leader has it. Readers and one-phase writers that meet a lock wait for it,
 * resolve it through the transaction's primary once it expired (LockResolver
 * over the TxnRangesPort), or fail with TransactionConflict: the range's
 * ConcurrencyManager (latches and locks) does that part.
 */
import type { KvStore, KvWrite } from '../storage/kv-store.js';
import { timestampBeforeMs, type TimestampSource } from '../timestamp-source.js';
import type { Item } from '../types.js';
import { InternalError, LockConflictError, LockTableFullError, RangeMismatchError, TransactionRolledBackError } from '../errors.js';
import {
  decodeHead,
  isTombstone,
  readHead,
  readVersion,
  scanVisible,
  versionWrites,
  type Head,
  type VersionRead,
  type VisibleItem,
} from '../mvcc/mvcc.js';
import { HISTORY_PREFIX, headKey, lockKey } from '../mvcc/layout.js';
import { GC_MAX_VERSIONS_PER_PASS, findGarbage, type GcCursor } from '../mvcc/gc.js';
import { ownedSegmentsUnder } from './range-keys.js';
import type { TableDefinition } from '../catalog/table.js';
import type { LatchManager } from './latches.js';
import { MAX_LOCKS_PER_RANGE, encodeLock, isExpired, type Lock, type LockedKey, type LockTable } from './locks.js';
import { ConcurrencyManager } from './concurrency-manager.js';
import { heartbeatDelete, heartbeatWrite, readTxnRecord, txnRecordWrite } from './txn-record.js';
import type { CheckTxnRequest, CommitRequest, HeartbeatRequest, RollbackRequest, TxnStatus } from './txn-port.js';
import type { LockResolver } from '../txn/resolver.js';
import { expiredTokenRecords, tokenRecordExpired } from '../txn/request-tokens.js';
import { spanContains } from '../keys/key-span.js';

export interface RangeDescriptor {
  rangeId: number;
  /** Inclusive start of the item-key span. */
  start: Buffer;
  /** Exclusive end of the item-key span. */
  end: Buffer;
  generation: number;
}

export interface Mutation {
  itemKey: Buffer;
  /** The new version; `undefined` writes a tombstone. */
  item: Item | undefined;
}

/** A command of the range's replicated state machine. */
export type RangeCommand =
  | {
      type: 'write';
      commitTs: bigint;
      mutations: Mutation[];
      /** System records committed atomically with the mutations (e.g. request tokens). */
      system: KvWrite[];
    }
  | {
      /** Deletes MVCC versions that no read can see any more (engine/mvcc/gc.ts). */
      type: 'gc';
      garbage: Buffer[];
    }
  | {
      /** Locks keys for the two-phase transaction of `startTs` (engine/range/locks.ts). */
      type: 'prewrite';
      startTs: bigint;
      primary: Buffer;
      locks: Array<{ itemKey: Buffer; lock: Lock }>;
    }
  | {
      /**
       * Releases the locks of `startTs` on `itemKeys` and writes `mutations`
       * (what those locks held) at commitTs; with `primary`, records the
       * transaction as committed, with `system`.
       */
      type: 'commit';
      startTs: bigint;
      commitTs: bigint;
      itemKeys: Buffer[];
      mutations: Mutation[];
      primary?: Buffer;
      system: KvWrite[];
    }
  | {
      /** Deletes the locks of `startTs` on `itemKeys`; with `primary`, records the transaction as rolled back. */
      type: 'rollback';
      startTs: bigint;
      itemKeys: Buffer[];
      primary?: Buffer;
    }
  | {
      /**
       * The coordinator's heartbeat: the primary lock of `startTs` expires at
       * `expiresAtMs` now (engine/range/txn-record.ts keeps it beside the lock).
       */
      type: 'heartbeat';
      startTs: bigint;
      primary: Buffer;
      expiresAtMs: number;
    };

/** What an evaluation decides: the writes to apply (possibly none) and the caller's result. */
export interface Evaluation<T> {
  mutations: Mutation[];
  system?: KvWrite[];
  result: T;
}

/**
 * What a prewrite's evaluation decides, given the latest committed versions
 * and which keys are blocked (locked by another transaction, or the
 * transaction is already decided): for every key, the mutations its lock
 * commits; or `undefined` to lock nothing. Blocked keys force `undefined`.
 */
export interface PrewriteEvaluation<T> {
  locks: Mutation[][] | undefined;
  result: T;
}

export interface TxnIdentity {
  startTs: bigint;
  primary: Buffer;
  expiresAtMs: number;
}

/**
 * Where the leader submits commands: it makes `command` durable, applies it
 * to this replica (stage, write, applied) and resolves once that is done.
 */
export interface CommandLog {
  submit(command: RangeCommand): Promise<void>;
}

/** A durable batch writer: the group committer. */
export interface BatchWriter {
  commit(batch: readonly KvWrite[]): Promise<void>;
}

/** The embedded node's log: commands are applied at once through the group committer. */
export class LocalCommandLog implements CommandLog {
  private replica: RangeReplica | undefined;

  constructor(private readonly writer: BatchWriter) {}

  bind(replica: RangeReplica): void {
    this.replica = replica;
  }

  async submit(command: RangeCommand): Promise<void> {
    const replica = this.replica;
    if (replica === undefined) throw new InternalError('LocalCommandLog used before bind()');
    await this.writer.commit(replica.stage(command));
    replica.applied(command);
  }
}

export class RangeReplica {
  private readonly concurrency: ConcurrencyManager;
  private readonly latches: LatchManager;
  private readonly locks: LockTable;
  /**
   * Writes that are about to draw, or have drawn, a commit timestamp and are
   * not yet applied. A write enters before it draws its timestamp, so a
   * reader that drew T and then waits for every entry present misses no write
   * that committed at or below T; entries added later commit above T.
   */
  private readonly committing = new Set<Promise<void>>();
  /** Commands applied since this replica was created (for metrics and /admin/ranges). */
  private appliedCount = 0;
  private locksLoaded: Promise<void> | undefined;
  /** Where the next garbage-collection pass resumes among the request-token records. */
  private tokenGcFrom: Buffer | undefined;

  /**
   * `resolver` settles expired locks through their primaries, on other
   * ranges or this one; without it (an embedded node, where no two-phase
   * transaction runs) an expired lock blocks like a live one. `nowMs` is
   * the wall clock of lock expiry.
   */
  constructor(
    readonly descriptor: RangeDescriptor,
    private readonly store: KvStore,
    private readonly log: CommandLog,
    private readonly clock: TimestampSource,
    resolver?: LockResolver,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.concurrency = new ConcurrencyManager(resolver, nowMs);
    this.latches = this.concurrency.latches;
    this.locks = this.concurrency.locks;
  }

  /**
   * Loads the lock table from the persisted locks. Call it before the replica
   * applies any command (a follower) or evaluates any request (a leader's
   * entry points call it themselves); calling it again does nothing.
   */
  init(): Promise<void> {
    this.locksLoaded ??= this.locks.load(this.store, this.descriptor);
    return this.locksLoaded;
  }

  /**
   * Rebuilds the lock table from the persisted locks, after the range's
   * state was replaced under it (a Raft snapshot installed on a follower).
   */
  async reloadLocks(): Promise<void> {
    await this.init();
    for (const { itemKey, lock } of this.locks.entries()) this.locks.delete(itemKey, lock.startTs);
    await this.locks.load(this.store, this.descriptor);
  }

  /** The state machine, part one: the writes that apply `command` (the same on every replica). */
  stage(command: RangeCommand): KvWrite[] {
    switch (command.type) {
      case 'write': {
        const writes = command.mutations.flatMap((m) => versionWrites(m.itemKey, command.commitTs, m.item));
        return command.system.length === 0 ? writes : [...writes, ...command.system];
      }
      case 'gc':
        return command.garbage.map((key) => ({ type: 'del' as const, key }));
      case 'prewrite':
        return command.locks.map(({ itemKey, lock }) => ({ type: 'put' as const, key: lockKey(itemKey), value: encodeLock(lock) }));
      case 'commit': {
        const writes: KvWrite[] = command.itemKeys.map((key) => ({ type: 'del' as const, key: lockKey(key) }));
        for (const m of command.mutations) writes.push(...versionWrites(m.itemKey, command.commitTs, m.item));
        if (command.primary !== undefined) {
          writes.push(txnRecordWrite(command.primary, command.startTs, { status: 'committed', commitTs: command.commitTs }));
          writes.push(heartbeatDelete(command.primary, command.startTs));
        }
        return [...writes, ...command.system];
      }
      case 'rollback': {
        const writes: KvWrite[] = command.itemKeys.map((key) => ({ type: 'del' as const, key: lockKey(key) }));
        if (command.primary !== undefined) {
          writes.push(txnRecordWrite(command.primary, command.startTs, { status: 'rolled-back' }));
          writes.push(heartbeatDelete(command.primary, command.startTs));
        }
        return writes;
      }
      case 'heartbeat':
        return [heartbeatWrite(command.primary, command.startTs, command.expiresAtMs)];
      default: {
        const unknown: never = command;
        throw new InternalError(`unknown range command ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** The state machine, part two: called once the staged writes of `command` are durable. */
  applied(command: RangeCommand): void {
    this.appliedCount++;
    switch (command.type) {
      case 'prewrite':
        this.assertLocksLoaded();
        for (const { itemKey, lock } of command.locks) this.locks.set(itemKey, lock);
        break;
      case 'commit':
      case 'rollback':
        this.assertLocksLoaded();
        for (const itemKey of command.itemKeys) this.locks.delete(itemKey, command.startTs);
        break;
      case 'heartbeat':
        this.assertLocksLoaded();
        this.locks.extend(command.primary, command.startTs, command.expiresAtMs);
        break;
      default:
        break;
    }
  }

  /** A read at a fresh timestamp (or at `readTs`), after writers already latched on the key. */
  async read(itemKey: Buffer, readTs?: bigint): Promise<VersionRead> {
    const ts = readTs ?? (await this.clock.now());
    await this.init();
    await this.latches.waitForWriters(itemKey);
    // A lock of a transaction that started at or below ts may commit at or
    // below ts: it must be settled first, never skipped (see waitForLocks).
    await this.concurrency.waitForLocks(() => {
      const lock = this.locks.get(itemKey);
      return lock !== undefined && lock.startTs <= ts ? [{ itemKey, lock }] : [];
    });
    return readVersion(this.store, itemKey, ts);
  }

  /** A timestamp for a snapshot read of many keys, after which `scan` may run at it. */
  async snapshotTimestamp(): Promise<bigint> {
    const ts = await this.clock.now();
    await this.writesSettled();
    return ts;
  }

  /**
   * Resolves once every write that had entered `committing` when called is
   * applied. A reader at a timestamp drawn before this call then misses none
   * that commit at or below it: writes that enter later draw a later timestamp.
   */
  async writesSettled(): Promise<void> {
    await Promise.all([...this.committing]);
  }

  /** Items visible at `readTs` (from `snapshotTimestamp`) in [start, end) of this range. */
  async *scan(start: Buffer, end: Buffer, readTs: bigint, reverse = false): AsyncGenerator<VisibleItem> {
    await this.init();
    await this.concurrency.waitForLocks(() => this.locks.visibleIn({ start, end }, readTs));
    yield* scanVisible(this.store, start, end, readTs, reverse);
  }


  /**
   * Evaluates a write over `itemKeys` under their latches against the latest
   * committed versions (in the same order as `itemKeys`), then commits what
   * the evaluation decided at a timestamp drawn after the latches were taken.
   * A blind write (`blind()` answers true once the latches are held) needs
   * nothing of the current versions: they are not read, and the evaluation
   * sees none.
   */
  async write<T>(
    itemKeys: readonly Buffer[],
    evaluate: (current: VersionRead[]) => Evaluation<T> | Promise<Evaluation<T>>,
    blind: () => boolean = () => false,
  ): Promise<T> {
    await this.init();
    this.assertOwned(itemKeys);
    const { release, blocked } = await this.concurrency.latchUnlocked(itemKeys, undefined);
    let applied!: () => void;
    const committed = new Promise<void>((resolve) => (applied = resolve));
    this.committing.add(committed);
    try {
      const conflicts = blocked.flatMap((isBlocked, i) => (isBlocked ? [i] : []));
      if (conflicts.length > 0) throw new LockConflictError(conflicts);
      // The commit timestamp is drawn (after the latches are held) while the current versions
      // are read: two waits in parallel. A write that turns out to change nothing leaves a gap
      // in the timestamps, which is harmless.
      const [heads, commitTs] = await Promise.all([
        blind() ? undefined : Promise.all(itemKeys.map((key) => readHead(this.store, key))),
        this.clock.now(),
      ]);
      const evaluation = await evaluate(heads === undefined ? itemKeys.map(() => decodeHead(undefined)) : heads.map(decodeHead));
      const mutations = heads === undefined ? evaluation.mutations : dropInvisibleTombstones(evaluation.mutations, itemKeys, heads);
      const system = evaluation.system ?? [];
      if (mutations.length > 0 || system.length > 0) await this.log.submit({ type: 'write', commitTs, mutations, system });
      return evaluation.result;
    } finally {
      this.committing.delete(committed);
      applied();
      release();
    }
  }

  /**
   * Prewrite (DESIGN.md section 6, step 2): under the latches of `itemKeys`,
   * once expired locks are resolved, evaluates against the latest committed
   * versions and which keys are blocked, then locks every key (and the index
   * entries in this range that the locks will write) in one command, or
   * nothing. A transaction already decided (its record exists: a resolver
   * rolled it back) blocks every key, so a late prewrite fails.
   */
  async prewrite<T>(
    txn: TxnIdentity,
    itemKeys: readonly Buffer[],
    evaluate: (current: VersionRead[], blocked: boolean[]) => PrewriteEvaluation<T> | Promise<PrewriteEvaluation<T>>,
  ): Promise<T> {
    await this.init();
    this.assertOwned(itemKeys);
    const { release, blocked } = await this.concurrency.latchUnlocked(itemKeys, txn.startTs);
    try {
      if (itemKeys.some((key) => key.equals(txn.primary)) && (await readTxnRecord(this.store, txn.primary, txn.startTs)) !== undefined) {
        blocked.fill(true);
      }
      const heads = await Promise.all(itemKeys.map((key) => readHead(this.store, key)));
      const evaluation = await evaluate(heads.map(decodeHead), blocked);
      if (evaluation.locks === undefined) return evaluation.result;
      if (blocked.some(Boolean) || evaluation.locks.length !== itemKeys.length) {
        throw new InternalError('a prewrite evaluation locked a blocked key, or not one lock per key');
      }
      const locks = this.locksOf(txn, itemKeys, evaluation.locks, heads);
      if (this.locks.size + locks.length > MAX_LOCKS_PER_RANGE) throw new LockTableFullError();
      await this.log.submit({ type: 'prewrite', startTs: txn.startTs, primary: txn.primary, locks });
      return evaluation.result;
    } finally {
      release();
    }
  }

  /**
   * The locks a prewrite takes: one per key, holding everything its commit
   * writes, plus one on each index entry in this range that it writes,
   * holding that entry alone. Readers of the index then meet the lock too, and
   * resolving either kind alone writes what it holds (the same versions at the
   * same commitTs, whichever lands first).
   */
  private locksOf(
    txn: TxnIdentity,
    itemKeys: readonly Buffer[],
    mutationsPerKey: readonly Mutation[][],
    heads: ReadonlyArray<Head | undefined>,
  ): Array<{ itemKey: Buffer; lock: Lock }> {
    const base = { startTs: txn.startTs, primary: txn.primary, expiresAtMs: txn.expiresAtMs };
    const locks: Array<{ itemKey: Buffer; lock: Lock }> = [];
    itemKeys.forEach((itemKey, i) => {
      const mutations = dropInvisibleTombstones(mutationsPerKey[i] ?? [], itemKeys, heads);
      locks.push({ itemKey, lock: { ...base, mutations } });
      for (const m of mutations) {
        if (m.itemKey.equals(itemKey) || !spanContains(this.descriptor, m.itemKey)) continue;
        if (this.concurrency.foreignLock(m.itemKey, txn.startTs) !== undefined) throw new InternalError('an index entry is locked by another transaction');
        locks.push({ itemKey: m.itemKey, lock: { ...base, mutations: [m] } });
      }
    });
    return locks;
  }

  /**
   * Commits the locks of `startTs` on the request's keys at commitTs. On the
   * primary (the decision) the primary's lock must be there, unless the
   * transaction is already recorded committed (a retry: nothing to do);
   * otherwise it was rolled back and this fails. Elsewhere a key without a
   * lock of the transaction is skipped (already committed or resolved).
   */
  async commitTxn(request: CommitRequest): Promise<void> {
    await this.init();
    this.assertOwned(request.itemKeys);
    const primary = request.primary;
    if (primary !== undefined && !request.itemKeys.some((key) => key.equals(primary))) {
      throw new InternalError('a primary commit must name the primary among its keys');
    }
    const release = await this.latches.acquire(request.itemKeys);
    try {
      const { itemKeys, mutations } = this.releasedBy(request.itemKeys, request.startTs);
      let decides = primary;
      let commitTs = request.commitTs;
      if (primary !== undefined && this.locks.get(primary)?.startTs !== request.startTs) {
        const record = await this.decideRolledBackIfUnknown(primary, request.startTs);
        if (record.status !== 'committed') throw new TransactionRolledBackError();
        // Already committed: only locks left behind (none, normally) are committed, at the recorded timestamp.
        decides = undefined;
        commitTs = record.commitTs;
      }
      if (itemKeys.length === 0 && decides === undefined) return;
      const system = decides === undefined ? [] : (request.system ?? []);
      await this.log.submit({ type: 'commit', startTs: request.startTs, commitTs, itemKeys, mutations, ...(decides ? { primary: decides } : {}), system });
    } finally {
      release();
    }
  }

  /**
   * Deletes the locks of `startTs` on the request's keys; on the primary,
   * records the transaction as rolled back (unless it is recorded committed:
   * then there is nothing of it left to roll back). Idempotent.
   */
  async rollbackTxn(request: RollbackRequest): Promise<void> {
    await this.init();
    const keys = request.primary === undefined ? request.itemKeys : [...request.itemKeys, request.primary];
    this.assertOwned(keys);
    const release = await this.latches.acquire(keys);
    try {
      await this.rollbackLatched(request.startTs, request.itemKeys, request.primary);
    } finally {
      release();
    }
  }

  /**
   * The state of the transaction of `startTs`, asked of its primary's range:
   * committed (at commitTs), rolled back, or pending (its primary lock is
   * live). An expired pending primary is rolled back when asked to; a primary
   * with neither lock nor record is recorded rolled back, so a prewrite or
   * commit of it that is still on its way fails.
   */
  checkTxn(request: CheckTxnRequest): Promise<TxnStatus> {
    return this.withPrimaryLatched(request, async (lock) => {
      if (lock !== undefined) {
        if (!request.rollbackIfExpired || !isExpired(lock, this.nowMs())) return { status: 'pending', expiresAtMs: lock.expiresAtMs };
        await this.rollbackLatched(request.startTs, [request.primary], request.primary);
        return { status: 'rolled-back' };
      }
      return this.decideRolledBackIfUnknown(request.primary, request.startTs);
    });
  }

  /**
   * The coordinator's heartbeat (DESIGN.md section 6, step 5): extends the
   * primary lock of `startTs` to the request's expiry while the transaction
   * is pending; answers whether the lock is still held. Under the primary's
   * latch, which the decision (commit, rollback, checkTxn) takes too, so in
   * the log a heartbeat always lands before the decision.
   */
  heartbeatTxn(request: HeartbeatRequest): Promise<boolean> {
    return this.withPrimaryLatched(request, async (lock) => {
      if (lock === undefined) return false;
      if (lock.expiresAtMs >= request.expiresAtMs) return true;
      await this.log.submit({ type: 'heartbeat', startTs: request.startTs, primary: request.primary, expiresAtMs: request.expiresAtMs });
      return true;
    });
  }

  /** Runs `fn` under the primary's latch with the transaction's primary lock (undefined: none of `startTs` there). */
  private async withPrimaryLatched<T>(txn: { primary: Buffer; startTs: bigint }, fn: (lock: Lock | undefined) => Promise<T>): Promise<T> {
    await this.init();
    this.assertOwned([txn.primary]);
    const release = await this.latches.acquire([txn.primary]);
    try {
      const lock = this.locks.get(txn.primary);
      return await fn(lock?.startTs === txn.startTs ? lock : undefined);
    } finally {
      release();
    }
  }

  /**
   * A system record of this range as applied here (a request token's). An
   * evaluation reads it under the latches it holds, which order it with the
   * writes of that record.
   */
  readRecord(key: Buffer): Promise<Buffer | undefined> {
    return this.store.get(key);
  }

  /** The locks of every transaction on this range (for tests and metrics). */
  get lockedKeys(): LockedKey[] {
    return this.locks.entries();
  }

  /** Under the latches of `itemKeys` and `primary`. */
  private async rollbackLatched(startTs: bigint, keys: readonly Buffer[], primary: Buffer | undefined): Promise<void> {
    const { itemKeys } = this.releasedBy(keys, startTs);
    let decides = primary;
    if (primary !== undefined && itemKeys.length === 0) {
      // No lock of the primary: record the rollback only if nothing is recorded yet.
      const record = await readTxnRecord(this.store, primary, startTs);
      if (record !== undefined) decides = undefined;
    }
    if (itemKeys.length === 0 && decides === undefined) return;
    await this.log.submit({ type: 'rollback', startTs, itemKeys, ...(decides ? { primary: decides } : {}) });
  }

  /** The recorded decision on the transaction; with none, records (and answers) rolled back. Under the primary's latch. */
  private async decideRolledBackIfUnknown(primary: Buffer, startTs: bigint): Promise<TxnStatus> {
    const record = await readTxnRecord(this.store, primary, startTs);
    if (record !== undefined) return record;
    await this.log.submit({ type: 'rollback', startTs, itemKeys: [], primary });
    return { status: 'rolled-back' };
  }

  /**
   * The locks of `startTs` that settling `keys` releases (each key's own lock
   * and the index-entry locks it covers) and the mutations they hold, each
   * key once.
   */
  private releasedBy(keys: readonly Buffer[], startTs: bigint): { itemKeys: Buffer[]; mutations: Mutation[] } {
    const released = new Map<string, Buffer>();
    const mutations = new Map<string, Mutation>();
    for (const key of keys) {
      const lock = this.locks.get(key);
      if (lock === undefined || lock.startTs !== startTs) continue;
      released.set(key.toString('latin1'), key);
      for (const m of lock.mutations) {
        const id = m.itemKey.toString('latin1');
        mutations.set(id, m);
        if (this.locks.get(m.itemKey)?.startTs === startTs) released.set(id, m.itemKey);
      }
    }
    return { itemKeys: [...released.values()], mutations: [...mutations.values()] };
  }

  private assertOwned(itemKeys: readonly Buffer[]): void {
    if (!itemKeys.every((key) => spanContains(this.descriptor, key))) throw new RangeMismatchError(this.descriptor.rangeId);
  }

  private assertLocksLoaded(): void {
    if (this.locksLoaded === undefined) throw new InternalError('a range replica applied a transaction command before init()');
  }

  /**
   * One bounded garbage-collection pass over versions older than
   * `retentionMs`; returns how many keys it deleted and where to resume.
   * The pass sweeps only what the range owns (its gc command is in its own
   * log): its items' history and that of its items' entries in the indexes
   * of `table` (the range's table as the node's catalog knows it; undefined
   * for none, as on the embedded node, whose span holds every index too).
   */
  async collectGarbage(
    retentionMs: number,
    cursor: GcCursor | undefined,
    table?: TableDefinition,
  ): Promise<{ deleted: number; next: GcCursor | undefined }> {
    const safeTs = timestampBeforeMs(await this.clock.now(), retentionMs);
    const { start, end } = this.descriptor;
    const segments = ownedSegmentsUnder(HISTORY_PREFIX, { start, end, table });
    const pass = await findGarbage(this.store, safeTs, cursor, GC_MAX_VERSIONS_PER_PASS, segments);
    const garbage = [...pass.history];
    const { expired: tokens, next: tokensNext } = await expiredTokenRecords(this.store, this.descriptor, this.nowMs(), this.tokenGcFrom);
    this.tokenGcFrom = tokensNext;
    // Under the latch of its first item, which a call writing the same token record holds too.
    const latched = [...pass.tombstones.map((t) => t.itemKey), ...tokens.map((token) => token.primary)];
    const release = latched.length > 0 ? await this.latches.acquire(latched) : undefined;
    try {
      for (const token of tokens) if (await tokenRecordExpired(this.store, token.key, this.nowMs())) garbage.push(token.key);
      for (const tombstone of pass.tombstones) {
        // Under the latch: delete the head only if no writer replaced it meanwhile.
        const head = await readHead(this.store, tombstone.itemKey);
        if (head !== undefined && head.commitTs === tombstone.commitTs && isTombstone(head)) {
          garbage.push(headKey(tombstone.itemKey));
        }
      }
      if (garbage.length > 0) await this.log.submit({ type: 'gc', garbage });
    } finally {
      release?.();
    }
    return { deleted: garbage.length, next: pass.next };
  }

  /** Commands applied by this replica since it was created (a Raft applied index, later). */
  get appliedCommands(): number {
    return this.appliedCount;
  }

  /** Write requests holding or waiting for latches (for metrics and tests). */
  get pendingWrites(): number {
    return this.latches.pending;
  }
}

/**
 * A tombstone over nothing (or over another tombstone) changes nothing any
 * read can see, so it is dropped. Only the latched keys' heads are known;
 * other keys (index entries) are only deleted when they exist.
 */
function dropInvisibleTombstones(
  mutations: readonly Mutation[],
  itemKeys: readonly Buffer[],
  heads: ReadonlyArray<Head | undefined>,
): Mutation[] {
  return mutations.filter((mutation) => {
    if (mutation.item !== undefined) return true;
    const index = itemKeys.findIndex((key) => key.equals(mutation.itemKey));
    if (index < 0) return true;
    const previous = heads[index];
    return previous !== undefined && !isTombstone(previous);
  });
}
