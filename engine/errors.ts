/**
 * Typed errors the engine throws. Each carries the DynamoDB error name as its
 * `code`; the server's registry (server/errors.ts) maps codes to HTTP status and
 * wire type. Never throw strings.
 */
import type { Item } from './types.js';

export type EngineErrorCode =
  | 'ValidationException'
  | 'ResourceNotFoundException'
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
