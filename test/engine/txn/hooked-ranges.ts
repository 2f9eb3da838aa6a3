/**
 * A TxnRangesPort in front of another that records each call and may run a
 * hook first: to hold a transaction between its phases, or to make a call
 * fail as if the coordinator had crashed before it.
 */
import type {
  CheckTxnRequest,
  CommitRequest,
  HeartbeatRequest,
  OnePhaseRequest,
  PrewriteRequest,
  PrewriteResult,
  RollbackRequest,
  TransactResult,
  TxnRangesPort,
  TxnStatus,
} from '../../../engine/range/txn-port.js';

export interface Hooks {
  transactOnRange?: (request: OnePhaseRequest) => Promise<void>;
  prewrite?: (request: PrewriteRequest) => Promise<void>;
  commit?: (request: CommitRequest) => Promise<void>;
  rollback?: (request: RollbackRequest) => Promise<void>;
  checkTxn?: (request: CheckTxnRequest) => Promise<void>;
  heartbeat?: (request: HeartbeatRequest) => Promise<void>;
}

export class HookedRanges implements TxnRangesPort {
  readonly calls: string[] = [];
  hooks: Hooks = {};

  constructor(private readonly inner: TxnRangesPort) {}

  groupByRange(keys: readonly Buffer[]): Promise<number[][]> {
    return this.inner.groupByRange(keys);
  }

  async transactOnRange(request: OnePhaseRequest): Promise<TransactResult> {
    this.calls.push('transactOnRange');
    await this.hooks.transactOnRange?.(request);
    return this.inner.transactOnRange(request);
  }

  async prewrite(request: PrewriteRequest): Promise<PrewriteResult> {
    this.calls.push('prewrite');
    await this.hooks.prewrite?.(request);
    return this.inner.prewrite(request);
  }

  async commit(request: CommitRequest): Promise<void> {
    this.calls.push(request.primary === undefined ? 'commit' : 'commit-primary');
    await this.hooks.commit?.(request);
    return this.inner.commit(request);
  }

  async rollback(request: RollbackRequest): Promise<void> {
    this.calls.push(request.primary === undefined ? 'rollback' : 'rollback-primary');
    await this.hooks.rollback?.(request);
    return this.inner.rollback(request);
  }

  async checkTxn(request: CheckTxnRequest): Promise<TxnStatus> {
    this.calls.push('checkTxn');
    await this.hooks.checkTxn?.(request);
    return this.inner.checkTxn(request);
  }

  async heartbeat(request: HeartbeatRequest): Promise<boolean> {
    this.calls.push('heartbeat');
    await this.hooks.heartbeat?.(request);
    return this.inner.heartbeat(request);
  }
}

/** A promise and the function that settles it: a gate a hook waits on. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
