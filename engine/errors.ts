/**
 * Typed errors the engine throws. Each carries the DynamoDB error name as its
 * `code`; the server's registry (server/errors.ts) maps codes to HTTP status and
 * wire type. Never throw strings.
 */
import type { Item } from './types.js';

export type EngineErrorCode =
  | 'ValidationException'
  | 'ResourceNotFoundException'
  | 'TableNotFoundException'
  | 'ResourceInUseException'
  | 'ConditionalCheckFailedException'
  | 'TransactionCanceledException'
  | 'TransactionConflictException'
  | 'TransactionInProgressException'
  | 'IdempotentParameterMismatchException'
  | 'LimitExceededException'
  | 'RequestLimitExceeded'
  | 'InternalServerError';

export abstract class EngineError extends Error {
  abstract readonly code: EngineErrorCode;

  constructor(message?: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A client mistake: the request is malformed or breaks a documented limit. */
export class ValidationError extends EngineError {
  readonly code = 'ValidationException' as const;
}

export class ResourceNotFoundError extends EngineError {
  readonly code = 'ResourceNotFoundException' as const;
  constructor(message = 'Requested resource not found') {
    super(message);
  }
}

/** The backup operations' (e.g. DescribeContinuousBackups') answer for a table that does not exist. */
export class TableNotFoundError extends EngineError {
  readonly code = 'TableNotFoundException' as const;
  constructor(tableName: string) {
    super(`Table not found: ${tableName}`);
  }
}

export class ResourceInUseError extends EngineError {
  readonly code = 'ResourceInUseException' as const;
}

export class ConditionalCheckFailedError extends EngineError {
  readonly code = 'ConditionalCheckFailedException' as const;
  /** The item as it was, when ReturnValuesOnConditionCheckFailure is ALL_OLD. */
  constructor(readonly item?: Item, message = 'The conditional request failed') {
    super(message);
  }
}

export interface CancellationReason {
  Code: 'None' | 'ConditionalCheckFailed' | 'TransactionConflict' | 'ValidationError' | 'ItemCollectionSizeLimitExceeded' | 'ThrottlingError';
  Message?: string;
  Item?: Item;
}

export class TransactionCanceledError extends EngineError {
  readonly code = 'TransactionCanceledException' as const;
  constructor(readonly reasons: CancellationReason[]) {
    super(
      `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons
        .map((r) => r.Code)
        .join(', ')}]`,
    );
  }
}

export class TransactionConflictError extends EngineError {
  readonly code = 'TransactionConflictException' as const;
  constructor(message = 'Transaction is ongoing for the item') {
    super(message);
  }
}

export class TransactionInProgressError extends EngineError {
  readonly code = 'TransactionInProgressException' as const;
  constructor(message = 'The transaction with the given request token is already in progress.') {
    super(message);
  }
}

export class IdempotentParameterMismatchError extends EngineError {
  readonly code = 'IdempotentParameterMismatchException' as const;
  constructor(
    message = 'The request uses the same client token as a previous, but non-identical request.',
  ) {
    super(message);
  }
}

export class LimitExceededError extends EngineError {
  readonly code = 'LimitExceededException' as const;
}

/** A broken invariant or a failure of ours, never the client's. */
export class InternalError extends EngineError {
  readonly code = 'InternalServerError' as const;
}

/**
 * A one-phase write met live locks of other transactions (DESIGN.md section 6).
 * `keyIndexes` are the positions, among the write's keys, of the locked ones,
 * so a transaction can report TransactionConflict on exactly those actions.
 */
export class LockConflictError extends TransactionConflictError {
  constructor(readonly keyIndexes: number[]) {
    super();
  }
}

/**
 * The commit of a transaction's primary found the transaction rolled back (a
 * reader resolved its expired locks first). Nothing of it was or will be
 * written; the coordinator answers TransactionCanceled with TransactionConflict.
 */
export class TransactionRolledBackError extends TransactionConflictError {
  constructor() {
    super('Transaction was rolled back by a conflicting request');
  }
}

/**
 * A request reached a range that does not own one of its keys (a split or a
 * stale range cache). Routing retries it after refreshing; a client never
 * sees it unless retries run out.
 */
export class RangeMismatchError extends EngineError {
  readonly code = 'InternalServerError' as const;
  constructor(rangeId: number) {
    super(`a key of the request is outside range ${rangeId}`);
  }
}

/** A range holds as many transaction locks as it may (MAX_LOCKS_PER_RANGE): throttle. */
export class LockTableFullError extends EngineError {
  readonly code = 'RequestLimitExceeded' as const;
  constructor() {
    super('Too many transactions are in progress on this range; retry with backoff');
  }
}
