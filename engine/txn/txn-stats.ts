/**
 * Counters of a node's transactions (read by the metrics at scrape time; the
 * transaction paths only increment): TransactWriteItems this node answered,
 * committed or cancelled by reason, and the locks of other transactions its
 * ranges resolved, by outcome.
 */
import { TransactionCanceledError, type CancellationReason } from '../errors.js';
import type { TxnStatus } from '../range/txn-port.js';

/**
 * Why a TransactWriteItems failed: the DynamoDB CancellationReason code of
 * its first failing action, or `Other` when it failed without a cancellation
 * (throttled, a range unreachable: its outcome may then be unknown).
 */
export type AbortReason = Exclude<CancellationReason['Code'], 'None'> | 'Other';

export const ABORT_REASONS: readonly AbortReason[] = [
  'ConditionalCheckFailed',
  'TransactionConflict',
  'ValidationError',
  'ItemCollectionSizeLimitExceeded',
  'ThrottlingError',
  'Other',
];

/** What resolving another transaction's lock did: committed it at the primary's commitTs, or deleted it. */
export type LockResolution = 'rolled-forward' | 'rolled-back';

export const LOCK_RESOLUTIONS: readonly LockResolution[] = ['rolled-forward', 'rolled-back'];

export class TxnStats {
  /** Transactions committed (a replay of a committed ClientRequestToken is not counted again). */
  commits = 0;
  readonly aborts = Object.fromEntries(ABORT_REASONS.map((reason) => [reason, 0])) as Record<AbortReason, number>;
  readonly lockResolutions: Record<LockResolution, number> = { 'rolled-forward': 0, 'rolled-back': 0 };

  aborted(error: unknown): void {
    this.aborts[abortReason(error)]++;
  }

  /** Counts a lock settled through its primary (a pending transaction's lock is left alone, not counted). */
  resolved(status: TxnStatus): void {
    if (status.status === 'committed') this.lockResolutions['rolled-forward']++;
    else if (status.status === 'rolled-back') this.lockResolutions['rolled-back']++;
  }
}

export function abortReason(error: unknown): AbortReason {
  if (!(error instanceof TransactionCanceledError)) return 'Other';
  const code = error.reasons.find((reason) => reason.Code !== 'None')?.Code;
  return code === undefined || code === 'None' ? 'Other' : code;
}
