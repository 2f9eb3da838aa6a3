/**
 * TransactWriteItems on one range: one-phase commit (DESIGN.md section 6).
 * Every key is latched, every condition is evaluated against the latest
 * committed version while the latches are held, and the writes of all actions
 * (plus the request token record) become one atomic, durable batch at one
 * commit timestamp. If any action fails, nothing is written and the caller gets
 * one cancellation reason per action, in request order.
 */
import {
  ConditionalCheckFailedError,
  TransactionCanceledError,
  ValidationError,
  type CancellationReason,
} from '../errors.js';
import type { KvWrite } from '../storage/kv-store.js';
import { evaluateItemWrite, type ItemWrite, type WriteOutcome } from '../items/item-write.js';
import type { Mutation, RangeReplica } from '../range/replica.js';

export interface TransactAction {
  /** The table (its current definition decides which index entries change). */
  tableId: number;
  itemKey: Buffer;
  write: ItemWrite;
  /** ReturnValuesOnConditionCheckFailure = ALL_OLD: report the item in the reason. */
  returnOldOnFailure: boolean;
}

/** The mutations one evaluated action makes: its item and its index entries. */
export type MutationsOf = (tableId: number, itemKey: Buffer, outcome: WriteOutcome) => Mutation[];

export async function transactWriteOnRange(
  replica: RangeReplica,
  actions: readonly TransactAction[],
  mutationsOf: MutationsOf,
  system: readonly KvWrite[] = [],
): Promise<WriteOutcome[]> {
  const keys = actions.map((a) => a.itemKey);
  return replica.write(keys, (current) => {
    const outcomes: WriteOutcome[] = [];
    const mutations: Mutation[] = [];
    const reasons: CancellationReason[] = [];
    let failed = false;
    actions.forEach((action, i) => {
      try {
        const outcome = evaluateItemWrite(action.write, current[i]?.item);
        mutations.push(...mutationsOf(action.tableId, action.itemKey, outcome));
        outcomes.push(outcome);
        reasons.push({ Code: 'None' });
      } catch (error) {
        failed = true;
        reasons.push(cancellationReason(error, action.returnOldOnFailure));
      }
    });
    if (failed) throw new TransactionCanceledError(reasons);
    return { mutations, system: [...system], result: outcomes };
  });
}

function cancellationReason(error: unknown, returnOld: boolean): CancellationReason {
  if (error instanceof ConditionalCheckFailedError) {
    const reason: CancellationReason = { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' };
    if (returnOld && error.item !== undefined) reason.Item = error.item;
    return reason;
  }
  if (error instanceof ValidationError) return { Code: 'ValidationError', Message: error.message };
  throw error;
}
