/**
 * Typed errors of the storage layer. Storage failures are ours, never the
 * client's, so they are InternalErrors, except the group-commit overload,
 * which is a throttling signal SDKs retry with backoff.
 */
import { EngineError, InternalError } from '../errors.js';

/** An operation on a store that was closed (or never opened). */
export class StoreClosedError extends InternalError {
  constructor(message = 'The key-value store is closed') {
    super(message);
  }
}

/** A key the store cannot hold: RocksDB rejects empty keys, so both adapters do. */
export class InvalidKvKeyError extends InternalError {
  constructor(message = 'A key-value store key must be a non-empty Buffer') {
    super(message);
  }
}

/** A failure reported by the storage engine (I/O error, corruption, ...). */
export class StorageIoError extends InternalError {
  constructor(message: string, cause: unknown) {
    super(message);
    this.cause = cause;
  }
}

/** The group committer's queue is full: the caller should back off and retry. */
export class CommitOverloadError extends EngineError {
  readonly code = 'RequestLimitExceeded' as const;
  constructor(readonly queuedWriters: number) {
    super('Throughput exceeds the current capacity of the storage write queue; retry with backoff');
  }
}

/**
 * A synced batch failed earlier, so the committer refuses every later commit:
 * after a failed fsync nothing written since can be trusted to be durable or
 * ordered, and letting later batches through would leave a hole in the history.
 */
export class CommitterFailedError extends InternalError {
  constructor(cause: unknown) {
    super('An earlier synced write failed; the group committer accepts no more writes');
    this.cause = cause;
  }
}

/** The committer was closed; it accepts no more commits. */
export class CommitterClosedError extends InternalError {
  constructor(message = 'The group committer is closed') {
    super(message);
  }
}
