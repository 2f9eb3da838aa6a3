/**
 * TransactWriteItems on one range (DESIGN.md section 6): the one-phase commit
 * of a transaction whose keys all lie in one range, and the prewrite of the
 * part of a two-phase transaction that lies in one range. Both evaluate every
 * action against the latest committed version under the keys' latches and
 * answer, when any action fails, one cancellation reason per action in
 * request order, having written nothing.
 *
 * One-phase: the writes of all actions (plus the request token record) become
 * one atomic, durable batch at one commit timestamp. Prewrite: every key is
 * locked with what its commit will write, in one command.
 *
 * A ClientRequestToken is checked first, under the latch of the first
 * action's item, where its record lives (engine/txn/request-tokens.ts): a
 * replay of a committed request writes and locks nothing.
 */
import {
  ConditionalCheckFailedError,
  InternalError,
  LockConflictError,
  TransactionCanceledError,
  ValidationError,
  type CancellationReason,
} from '../errors.js';
import type { VersionRead } from '../mvcc/mvcc.js';
import { evaluateItemWrite, type ItemWrite, type WriteOutcome } from '../items/item-write.js';
import type { Mutation, RangeReplica } from '../range/replica.js';
import type { PrewriteRequest, PrewriteResult, TransactResult } from '../range/txn-port.js';
import { checkTokenRecord, tokenRecordWrite, type RequestToken } from './request-tokens.js';

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

/** DynamoDB's reason for an action whose item another transaction holds. */
export const CONFLICT_REASON: CancellationReason = { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' };

interface ActionsEvaluation {
  outcomes: WriteOutcome[];
  /** The mutations of each action, in action order. */
  mutations: Mutation[][];
  reasons: CancellationReason[];
  failed: boolean;
}

const REPLAYED: TransactResult = { outcomes: [], replayed: true };

export async function transactWriteOnRange(
  replica: RangeReplica,
  actions: readonly TransactAction[],
  mutationsOf: MutationsOf,
  token?: RequestToken,
): Promise<TransactResult> {
  const keys = actions.map((a) => a.itemKey);
  const primary = keys[0]!;
  try {
    return await replica.write(keys, async (current) => {
      if (token !== undefined && (await checkTokenRecord((k) => replica.readRecord(k), primary, token)) === 'replay') {
        return { mutations: [], result: REPLAYED };
      }
      const evaluation = evaluateActions(actions, current, actions.map(() => false), mutationsOf);
      if (evaluation.failed) throw new TransactionCanceledError(evaluation.reasons);
      const system = token === undefined ? [] : [tokenRecordWrite(primary, token)];
      return { mutations: evaluation.mutations.flat(), system, result: { outcomes: evaluation.outcomes, replayed: false } };
    });
  } catch (error) {
    if (!(error instanceof LockConflictError)) throw error;
    // Another transaction's live locks: those actions conflict (the others are not evaluated).
    const conflicts = new Set(error.keyIndexes);
    throw new TransactionCanceledError(actions.map((_, i) => (conflicts.has(i) ? { ...CONFLICT_REASON } : { Code: 'None' })));
  }
}

/** The prewrite of the actions of one range of a two-phase transaction (DESIGN.md section 6, step 2). */
export async function prewriteOnRange(replica: RangeReplica, request: PrewriteRequest, mutationsOf: MutationsOf): Promise<PrewriteResult> {
  const { startTs, primary, expiresAtMs, actions, token } = request;
  const keys = actions.map((a) => a.itemKey);
  if (token !== undefined && !keys.some((key) => key.equals(primary))) throw new InternalError('a request token sent to a prewrite without the primary');
  return replica.prewrite<PrewriteResult>({ startTs, primary, expiresAtMs }, keys, async (current, blocked) => {
    if (token !== undefined && (await checkTokenRecord((k) => replica.readRecord(k), primary, token)) === 'replay') {
      return { locks: undefined, result: { ok: false, replayed: true } };
    }
    const evaluation = evaluateActions(actions, current, blocked, mutationsOf);
    if (evaluation.failed) return { locks: undefined, result: { ok: false, reasons: evaluation.reasons } };
    return { locks: evaluation.mutations, result: { ok: true, outcomes: evaluation.outcomes } };
  });
}

/** Evaluates every action (a blocked one fails with TransactionConflict) against its current version. */
function evaluateActions(
  actions: readonly TransactAction[],
  current: readonly VersionRead[],
  blocked: readonly boolean[],
  mutationsOf: MutationsOf,
): ActionsEvaluation {
  const evaluation: ActionsEvaluation = { outcomes: [], mutations: [], reasons: [], failed: false };
  actions.forEach((action, i) => {
    if (blocked[i] === true) {
      evaluation.failed = true;
      evaluation.reasons.push({ ...CONFLICT_REASON });
      return;
    }
    try {
      const outcome = evaluateItemWrite(action.write, current[i]?.item);
      evaluation.mutations.push(mutationsOf(action.tableId, action.itemKey, outcome));
      evaluation.outcomes.push(outcome);
      evaluation.reasons.push({ Code: 'None' });
    } catch (error) {
      evaluation.failed = true;
      evaluation.reasons.push(cancellationReason(error, action.returnOldOnFailure));
    }
  });
  return evaluation;
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
