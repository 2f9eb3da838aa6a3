/**
 * What travels between nodes when a request is routed to a range leader: the
 * requests (plain data, msgpack-encodable) and the errors, encoded so that
 * the node that received the client's request rethrows the same typed error
 * the leader threw (a condition failure, a cancelled transaction, ...).
 */
import {
  ConditionalCheckFailedError,
  EngineError,
  IdempotentParameterMismatchError,
  InternalError,
  LimitExceededError,
  ResourceInUseError,
  ResourceNotFoundError,
  TransactionCanceledError,
  TransactionConflictError,
  TransactionInProgressError,
  ValidationError,
  type CancellationReason,
  type EngineErrorCode,
} from '../errors.js';
import type { ItemWrite } from '../items/item-write.js';
import type { RequestToken } from '../txn/request-tokens.js';
import type { TransactAction } from '../txn/transact-write.js';
import type { CheckTxnRequest, CommitRequest, HeartbeatRequest, PrewriteRequest, RollbackRequest } from '../range/txn-port.js';
import type { Item } from '../types.js';
import { NotLeaderError, RangeNotFoundError } from './errors.js';

/** One request to the leader of one range. */
export type RangeRequest =
  | { method: 'read'; rangeId: number; itemKey: Buffer; readTs?: bigint }
  | {
      method: 'scan';
      rangeId: number;
      start: Buffer;
      end: Buffer;
      readTs: bigint;
      reverse: boolean;
      limit: number;
      /**
       * Scanning an index of this table: only the entries of items whose
       * key is in the range's span (a range keeps its items' index entries).
       */
      indexOf?: number;
    }
  | {
      method: 'write';
      rangeId: number;
      catalogRevision: number;
      tableId: number;
      itemKey: Buffer;
      write: ItemWrite;
      needsCurrent: boolean;
    }
  | { method: 'reindex'; rangeId: number; catalogRevision: number; tableId: number; itemKey: Buffer; indexId: number }
  | { method: 'transact'; rangeId: number; catalogRevision: number; actions: TransactAction[]; token?: RequestToken }
  | { method: 'prewrite'; rangeId: number; catalogRevision: number; prewrite: PrewriteRequest }
  | { method: 'commit'; rangeId: number; commit: CommitRequest }
  | { method: 'rollback'; rangeId: number; rollback: RollbackRequest }
  | { method: 'check-txn'; rangeId: number; check: CheckTxnRequest }
  | { method: 'heartbeat'; rangeId: number; heartbeat: HeartbeatRequest };

export type RangeMethod = RangeRequest['method'];

/** A scan page: items in order, and whether the span has more after the last one. */
export interface ScanPage {
  items: Array<{ itemKey: Buffer; item: Item; commitTs: bigint }>;
  more: boolean;
}

export type EncodedError =
  | { kind: 'engine'; code: EngineErrorCode; message: string; item?: Item; reasons?: CancellationReason[] }
  | { kind: 'not-leader'; rangeId: number; leader: number }
  | { kind: 'range-not-found'; rangeId: number };

export function encodeError(error: unknown): EncodedError {
  if (error instanceof NotLeaderError) return { kind: 'not-leader', rangeId: error.rangeId, leader: error.leader };
  if (error instanceof RangeNotFoundError) return { kind: 'range-not-found', rangeId: error.rangeId };
  if (error instanceof TransactionCanceledError) {
    return { kind: 'engine', code: error.code, message: error.message, reasons: error.reasons };
  }
  if (error instanceof ConditionalCheckFailedError) {
    const encoded: EncodedError = { kind: 'engine', code: error.code, message: error.message };
    if (error.item !== undefined) encoded.item = error.item;
    return encoded;
  }
  if (error instanceof EngineError) return { kind: 'engine', code: error.code, message: error.message };
  return { kind: 'engine', code: 'InternalServerError', message: error instanceof Error ? error.message : String(error) };
}

const byCode: Partial<Record<EngineErrorCode, new (message: string) => EngineError>> = {
  ValidationException: ValidationError,
  ResourceNotFoundException: ResourceNotFoundError,
  ResourceInUseException: ResourceInUseError,
  TransactionConflictException: TransactionConflictError,
  TransactionInProgressException: TransactionInProgressError,
  IdempotentParameterMismatchException: IdempotentParameterMismatchError,
  LimitExceededException: LimitExceededError,
};

export function decodeError(encoded: unknown): Error {
  const e = encoded as EncodedError | undefined;
  switch (e?.kind) {
    case 'not-leader':
      return new NotLeaderError(Number(e.rangeId), Number(e.leader));
    case 'range-not-found':
      return new RangeNotFoundError(Number(e.rangeId));
    case 'engine': {
      if (e.code === 'TransactionCanceledException') return new TransactionCanceledError(e.reasons ?? []);
      if (e.code === 'ConditionalCheckFailedException') return new ConditionalCheckFailedError(e.item, e.message);
      const make = byCode[e.code];
      return make === undefined ? new InternalError(e.message ?? 'remote failure') : new make(e.message);
    }
    default:
      return new InternalError('malformed error from a peer');
  }
}
