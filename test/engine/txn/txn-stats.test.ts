import t from 'tap';
import { TransactionCanceledError, TransactionConflictError } from '../../../engine/errors.js';
import { abortReason, ABORT_REASONS, TxnStats } from '../../../engine/txn/txn-stats.js';

t.test('an abort is counted under its first failing action\'s cancellation code', async (t) => {
  t.equal(abortReason(new TransactionCanceledError([{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }, { Code: 'TransactionConflict' }])), 'ConditionalCheckFailed');
  t.equal(abortReason(new TransactionCanceledError([{ Code: 'TransactionConflict' }])), 'TransactionConflict');
  t.equal(abortReason(new TransactionCanceledError([{ Code: 'ValidationError' }])), 'ValidationError');
  t.equal(abortReason(new TransactionCanceledError([{ Code: 'None' }])), 'Other', 'no failing action');
  t.equal(abortReason(new TransactionConflictError()), 'Other', 'not a cancellation');
  t.equal(abortReason(new Error('unreachable')), 'Other');
});

t.test('counters start at zero for every reason and outcome', async (t) => {
  const stats = new TxnStats();
  t.same(Object.keys(stats.aborts), ABORT_REASONS);
  t.ok(Object.values(stats.aborts).every((n) => n === 0));
  stats.aborted(new TransactionCanceledError([{ Code: 'ConditionalCheckFailed' }]));
  stats.resolved({ status: 'pending', expiresAtMs: 1 });
  stats.resolved({ status: 'committed', commitTs: 5n });
  t.equal(stats.aborts.ConditionalCheckFailed, 1);
  t.same(stats.lockResolutions, { 'rolled-forward': 1, 'rolled-back': 0 }, 'a pending transaction is not a resolution');
});
