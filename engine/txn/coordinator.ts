/**
 * The coordinator of TransactWriteItems (DESIGN.md section 6), run by the
 * node that received the request. A transaction whose keys all lie in one
 * range commits in one phase on that range. Otherwise it is a Percolator-style
 * two-phase commit over the TxnRangesPort:
 *
 *   1. startTs from the oracle; the first action's key is the primary.
 *   2. Prewrite every range in parallel (lock, evaluate conditions). Once
 *      the primary is locked, and until the transaction is decided, renew the
 *      primary lock every heartbeat interval (TxnHeartbeat below): others may
 *      resolve the transaction only when its coordinator has gone quiet.
 *   3. Any failure: roll back every range that may hold locks, and answer
 *      TransactionCanceled with one reason per action in request order.
 *   4. Else commitTs from the oracle (drawn after all prewrites), commit the
 *      primary: the decision, with the request-token record. Answer.
 *
 * A ClientRequestToken goes with the one-phase commit, or with the primary's
 * prewrite (checked there) and commit (recorded there): engine/txn/request-tokens.ts.
 *   5. Commit the secondaries asynchronously; a failure there is left to the
 *      lock resolver (readers roll the locks forward through the primary).
 */
import { EngineError, TransactionCanceledError, TransactionRolledBackError, type CancellationReason } from '../errors.js';
import type { WriteOutcome } from '../items/item-write.js';
import type { TimestampSource } from '../timestamp-source.js';
import { LOCK_TTL_MS, TXN_HEARTBEAT_INTERVAL_MS } from '../range/locks.js';
import type { PrewriteResult, TransactResult, TxnRangesPort } from '../range/txn-port.js';
import { tokenRecordWrite, type RequestToken } from './request-tokens.js';
import { CONFLICT_REASON, type TransactAction } from './transact-write.js';

/** Secondary commits in flight at once; past it a transaction commits its secondaries before answering. */
export const MAX_ASYNC_SECONDARY_COMMITS = 1_000;

export interface CoordinatorOptions {
  /** How long the transaction's locks stay live without a heartbeat (default LOCK_TTL_MS). */
  lockTtlMs?: number;
  /**
   * How often the primary lock of an undecided transaction is renewed
   * (default TXN_HEARTBEAT_INTERVAL_MS, at most a third of the lock TTL).
   */
  heartbeatIntervalMs?: number;
  /** The wall clock that lock expiry is measured on. */
  nowMs?: () => number;
  /** Told about a secondary commit or a heartbeat that failed (locks are left to the resolver; the heartbeat retries). */
  onAsyncError?: (error: unknown) => void;
  /**
   * Commit the secondaries before answering (default: after). Slower by one
   * round, but a client that reads the transaction's items, or index entries
   * written outside the items' own locks, right after sees them committed
   * instead of resolving (or waiting on) the locks.
   */
  awaitSecondaries?: boolean;
  /**
   * Called as a two-phase transaction passes each step (a testing knob: the
   * fault tests kill the coordinating process there to prove that readers
   * resolve what it leaves behind; the heartbeat tests hold it there).
   * The transaction waits for a returned promise.
   */
  onPhase?: (phase: TxnPhase) => void | Promise<void>;
}

/** `prewritten`: every range is locked, nothing decided; `primary-committed`: decided, secondaries still locked. */
export type TxnPhase = 'prewritten' | 'primary-committed';

/** A prewrite round's results, one per range group, in group order. */
type PrewriteRound = Array<PromiseSettledResult<PrewriteResult>>;

export class TxnCoordinator {
  private readonly secondaryCommits = new Set<Promise<void>>();
  private readonly lockTtlMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly nowMs: () => number;

  constructor(
    private readonly ranges: TxnRangesPort,
    private readonly clock: TimestampSource,
    private readonly options: CoordinatorOptions = {},
  ) {
    this.lockTtlMs = options.lockTtlMs ?? LOCK_TTL_MS;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? Math.min(TXN_HEARTBEAT_INTERVAL_MS, Math.floor(this.lockTtlMs / 3));
    if (!(this.heartbeatIntervalMs > 0 && this.heartbeatIntervalMs < this.lockTtlMs)) {
      throw new RangeError('the heartbeat interval must be positive and below the lock TTL');
    }
    this.nowMs = options.nowMs ?? Date.now;
  }

  /**
   * Runs the transaction; returns each action's outcome in request order (or
   * none, when `token` shows it a replay of a committed call), or throws
   * TransactionCanceled.
   */
  async transactWrite(actions: readonly TransactAction[], token?: RequestToken): Promise<TransactResult> {
    if (actions.length === 0) return { outcomes: [], replayed: false };
    const groups = await this.ranges.groupByRange(actions.map((a) => a.itemKey));
    if (groups.length === 1) return this.ranges.transactOnRange({ actions: [...actions], ...(token ? { token } : {}) });
    const startTs = await this.clock.now();
    const heartbeat = new TxnHeartbeat(this.ranges, { startTs, primary: actions[0]!.itemKey }, this.heartbeatIntervalMs, this.lockTtlMs, this.nowMs, this.options.onAsyncError);
    try {
      return await this.twoPhase(actions, groups, startTs, token, heartbeat);
    } finally {
      heartbeat.stop();
    }
  }

  /** Steps 2-5 of the two-phase commit; `heartbeat` is started once the primary is locked. */
  private async twoPhase(
    actions: readonly TransactAction[],
    groups: readonly number[][],
    startTs: bigint,
    token: RequestToken | undefined,
    heartbeat: TxnHeartbeat,
  ): Promise<TransactResult> {
    const primary = actions[0]!.itemKey;
    const primaryGroup = groups.findIndex((group) => group.includes(0));
    const lockedAtMs = this.nowMs();
    const expiresAtMs = lockedAtMs + this.lockTtlMs;
    const keysOf = (group: readonly number[]) => group.map((i) => actions[i]!.itemKey);
    const round: PrewriteRound = await Promise.allSettled(
      groups.map(async (group, g) => {
        const request = { startTs, primary, expiresAtMs, actions: group.map((i) => actions[i]!) };
        const result = await this.ranges.prewrite(g === primaryGroup && token !== undefined ? { ...request, token } : request);
        if (g === primaryGroup && result.ok) heartbeat.start(lockedAtMs);
        return result;
      }),
    );
    if (round.some((result) => result.status === 'rejected' || !result.value.ok)) {
      // A rejected prewrite may have locked (its answer was lost): roll it back too.
      await Promise.all(
        groups.map((group, g) => {
          const result = round[g]!;
          if (result.status === 'fulfilled' && !result.value.ok) return undefined;
          return this.ranges.rollback({ startTs, itemKeys: keysOf(group), ...(g === primaryGroup ? { primary } : {}) });
        }),
      );
      if (round.some((result) => result.status === 'fulfilled' && 'replayed' in result.value)) return { outcomes: [], replayed: true };
      throw canceledBy(round, groups, actions.length);
    }
    await this.options.onPhase?.('prewritten');
    const commitTs = await this.clock.now();
    try {
      const system = token === undefined ? [] : [tokenRecordWrite(primary, token)];
      await this.ranges.commit({ startTs, commitTs, itemKeys: keysOf(groups[primaryGroup]!), primary, system });
    } catch (error) {
      if (!(error instanceof TransactionRolledBackError)) throw error; // outcome unknown: the resolver settles it
      // A resolver decided first: nothing of the transaction is or will be written.
      await Promise.all(groups.map((group, g) => (g === primaryGroup ? undefined : this.ranges.rollback({ startTs, itemKeys: keysOf(group) }))));
      throw new TransactionCanceledError(actions.map(() => ({ ...CONFLICT_REASON })));
    }
    heartbeat.stop(); // decided
    await this.options.onPhase?.('primary-committed');
    const secondaries: Promise<void>[] = [];
    for (const [g, group] of groups.entries()) {
      if (g !== primaryGroup) secondaries.push(this.commitSecondary(this.ranges.commit({ startTs, commitTs, itemKeys: keysOf(group) })));
    }
    // Bounded: past MAX_ASYNC_SECONDARY_COMMITS in flight, this transaction waits for its own.
    if (this.options.awaitSecondaries === true || this.secondaryCommits.size > MAX_ASYNC_SECONDARY_COMMITS) await Promise.all(secondaries);
    return { outcomes: outcomesOf(round, groups, actions.length), replayed: false };
  }

  /** Resolves once every secondary commit started so far has finished. */
  async idle(): Promise<void> {
    while (this.secondaryCommits.size > 0) await Promise.all([...this.secondaryCommits]);
  }

  /** Tracks one secondary commit; resolves when it is done (failed ones are reported, left to the resolver). */
  private commitSecondary(commit: Promise<void>): Promise<void> {
    const tracked = commit.catch((error: unknown) => this.options.onAsyncError?.(error)).finally(() => this.secondaryCommits.delete(tracked));
    this.secondaryCommits.add(tracked);
    return tracked;
  }
}

/**
 * The heartbeat of one transaction: while it runs, the primary lock is
 * renewed to now + TTL every interval, one renewal in flight at a time (a
 * slow one delays the next rather than piling up). It stops by itself once
 * the primary answers that the lock is gone (a resolver decided), and for
 * good once stopped; a failed renewal is reported and retried at the next tick.
 */
class TxnHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly ranges: TxnRangesPort,
    private readonly txn: { startTs: bigint; primary: Buffer },
    private readonly intervalMs: number,
    private readonly ttlMs: number,
    private readonly nowMs: () => number,
    private readonly onError: ((error: unknown) => void) | undefined,
  ) {}

  /** Starts renewing: the first renewal one interval after `lockedAtMs` (when the lock's expiry was set). */
  start(lockedAtMs: number): void {
    if (this.stopped || this.timer !== undefined) return;
    this.schedule(lockedAtMs + this.intervalMs - this.nowMs());
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.renew(), Math.max(0, delayMs));
    // A transaction's own promise keeps the process busy; a timer alone should not.
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    const sentAtMs = this.nowMs();
    try {
      const held = await this.ranges.heartbeat({ ...this.txn, expiresAtMs: sentAtMs + this.ttlMs });
      if (!held) this.stopped = true;
    } catch (error) {
      this.onError?.(error);
    }
    this.schedule(sentAtMs + this.intervalMs - this.nowMs());
  }
}

/** The outcomes of a successful prewrite round, in request order. */
function outcomesOf(round: PrewriteRound, groups: readonly number[][], count: number): WriteOutcome[] {
  const outcomes = new Array<WriteOutcome>(count);
  groups.forEach((group, g) => {
    const result = round[g]!;
    if (result.status !== 'fulfilled' || !result.value.ok) throw new TypeError('outcomesOf a failed prewrite round');
    const groupOutcomes = result.value.outcomes;
    group.forEach((i, j) => (outcomes[i] = groupOutcomes[j]!));
  });
  return outcomes;
}

/**
 * The error of a failed prewrite round: TransactionCanceled with each action's
 * reason in request order (None for actions of ranges that prewrote), or the
 * first error that is not a transaction conflict (the request failed for
 * another cause, e.g. throttling).
 */
function canceledBy(round: PrewriteRound, groups: readonly number[][], count: number): Error {
  const reasons = new Array<CancellationReason>(count);
  for (const [g, group] of groups.entries()) {
    const result = round[g]!;
    if (result.status === 'rejected') {
      const error: unknown = result.reason;
      if (!(error instanceof EngineError) || error.code !== 'TransactionConflictException') return error instanceof Error ? error : new Error(String(error));
      group.forEach((i) => (reasons[i] = { ...CONFLICT_REASON }));
    } else {
      const value = result.value;
      group.forEach((i, j) => (reasons[i] = value.ok || 'replayed' in value ? { Code: 'None' } : value.reasons[j]!));
    }
  }
  return new TransactionCanceledError(reasons);
}
