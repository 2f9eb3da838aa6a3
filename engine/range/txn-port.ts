/**
 * The TxnRangesPort: how a coordinator or a range's lock resolver reaches the
 * ranges that own other keys (DESIGN.md section 6). Each request names its
 * keys, all owned by one range; the implementation routes it to that range's
 * leader (LocalRanges calls the replica directly; a cluster sends it over
 * RPC). Requests and results are plain data (Buffers, bigints, strings,
 * numbers, plain objects and arrays), so they encode with msgpackr; failures
 * are the typed EngineErrors of engine/errors.ts.
 */
import type { CancellationReason } from '../errors.js';
import type { WriteOutcome } from '../items/item-write.js';
import type { KvWrite } from '../storage/kv-store.js';
import type { TransactAction } from '../txn/transact-write.js';
import type { RequestToken } from '../txn/request-tokens.js';

/** A transaction whose actions all lie in one range: committed in one phase. */
export interface OnePhaseRequest {
  actions: TransactAction[];
  /** The ClientRequestToken: checked, and recorded with the actions (engine/txn/request-tokens.ts). */
  token?: RequestToken;
}

/** What a transaction did: each action's outcome in request order, or nothing (`replayed`). */
export interface TransactResult {
  outcomes: WriteOutcome[];
  /** The request token was used by this very request before, which committed then: nothing was written now. */
  replayed: boolean;
}

export interface PrewriteRequest {
  startTs: bigint;
  /** The item key of the transaction's primary (the first action's key). */
  primary: Buffer;
  /** Wall-clock expiry of the locks this prewrite takes. */
  expiresAtMs: number;
  actions: TransactAction[];
  /** The ClientRequestToken, on the primary's prewrite only: checked before anything is locked. */
  token?: RequestToken;
}

/**
 * Per action, in the order of the request: every outcome when all passed (and
 * every key is now locked), else one reason per action (and nothing was locked).
 */
export type PrewriteResult =
  | { ok: true; outcomes: WriteOutcome[] }
  | { ok: false; reasons: CancellationReason[] }
  /** The primary's range found the request token used by this very request: nothing was locked. */
  | { ok: false; replayed: true };

export interface CommitRequest {
  startTs: bigint;
  commitTs: bigint;
  /** Keys whose locks of `startTs` become versions at commitTs; keys without one are skipped. */
  itemKeys: Buffer[];
  /**
   * Set (to the primary's key, which is then among `itemKeys`) on the primary's
   * commit: the decision. It must find the primary's lock, and records the
   * transaction as committed; it fails with TransactionRolledBackError when
   * the transaction was rolled back.
   */
  primary?: Buffer;
  /** System records committed with the primary (the request-token record). */
  system?: KvWrite[];
}

export interface RollbackRequest {
  startTs: bigint;
  /** Keys whose locks of `startTs` are deleted; keys without one are skipped. */
  itemKeys: Buffer[];
  /** Set on the primary's rollback: records the transaction as rolled back. */
  primary?: Buffer;
}

export interface CheckTxnRequest {
  primary: Buffer;
  startTs: bigint;
  /** Roll back a transaction whose primary lock has expired (and answer rolled-back). */
  rollbackIfExpired: boolean;
}

/** The coordinator's heartbeat, asked of the primary's range. */
export interface HeartbeatRequest {
  primary: Buffer;
  startTs: bigint;
  /** The new wall-clock expiry of the primary lock (a lock is never shortened). */
  expiresAtMs: number;
}

export type TxnStatus =
  | { status: 'committed'; commitTs: bigint }
  | { status: 'rolled-back' }
  | { status: 'pending'; expiresAtMs: number };

export interface TxnRangesPort {
  /** The positions of `keys` grouped by owning range (each group in ascending position order). */
  groupByRange(keys: readonly Buffer[]): Promise<number[][]>;
  transactOnRange(request: OnePhaseRequest): Promise<TransactResult>;
  prewrite(request: PrewriteRequest): Promise<PrewriteResult>;
  commit(request: CommitRequest): Promise<void>;
  rollback(request: RollbackRequest): Promise<void>;
  /** Asked of the primary's range. */
  checkTxn(request: CheckTxnRequest): Promise<TxnStatus>;
  /** Asked of the primary's range: renews the primary lock; false when it is gone (the transaction is decided). */
  heartbeat(request: HeartbeatRequest): Promise<boolean>;
}
