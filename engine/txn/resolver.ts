/**
 * The lock resolver (DESIGN.md section 6, step 5): whoever meets an expired
 * lock of another transaction settles it through the transaction's primary.
 * The primary's range answers (and, for an expired pending primary, decides
 * rolled-back); the lock is then rolled forward at the recorded commitTs or
 * deleted. Every step is idempotent, so resolvers may race each other and the
 * coordinator's own asynchronous commits.
 */
import type { Lock } from '../range/locks.js';
import type { TxnRangesPort, TxnStatus } from '../range/txn-port.js';
import type { TxnStats } from './txn-stats.js';

export class LockResolver {
  /** `stats` counts the locks settled (one per node: every range of a node shares its resolver). */
  constructor(
    private readonly ranges: TxnRangesPort,
    private readonly stats?: TxnStats,
  ) {}

  /** Settles `lock` on `itemKey` if its transaction is decided (or expired); returns its status. */
  async resolve(itemKey: Buffer, lock: Pick<Lock, 'startTs' | 'primary'>): Promise<TxnStatus> {
    const { startTs, primary } = lock;
    const status = await this.ranges.checkTxn({ primary, startTs, rollbackIfExpired: true });
    // On the primary's own key, checkTxn has already settled the lock.
    if (!itemKey.equals(primary)) {
      if (status.status === 'committed') {
        await this.ranges.commit({ startTs, commitTs: status.commitTs, itemKeys: [itemKey] });
      } else if (status.status === 'rolled-back') {
        await this.ranges.rollback({ startTs, itemKeys: [itemKey] });
      }
    }
    this.stats?.resolved(status);
    return status;
  }
}
