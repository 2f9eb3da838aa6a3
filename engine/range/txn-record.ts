/**
 * The durable decision of a two-phase transaction, kept on its primary's range
 * at txnRecordKey(primary, startTs): committed at commitTs, or rolled back.
 * Written by the primary's commit, by the primary's rollback, and by a
 * resolver's checkTxn that finds neither lock nor record (so that a late
 * prewrite or commit of that transaction fails).
 */
import type { KvStore, KvWrite } from '../storage/kv-store.js';
import { InternalError } from '../errors.js';
import { txnRecordKey } from '../mvcc/layout.js';
import { TIMESTAMP_BYTES } from '../timestamp-source.js';

export type TxnDecision = { status: 'committed'; commitTs: bigint } | { status: 'rolled-back' };

const COMMITTED_TAG = 1;
const ROLLED_BACK_TAG = 2;

export function txnRecordWrite(primary: Buffer, startTs: bigint, decision: TxnDecision): KvWrite {
  let value: Buffer;
  if (decision.status === 'committed') {
    value = Buffer.allocUnsafe(1 + TIMESTAMP_BYTES);
    value[0] = COMMITTED_TAG;
    value.writeBigUInt64BE(decision.commitTs, 1);
  } else {
    value = Buffer.of(ROLLED_BACK_TAG);
  }
  return { type: 'put', key: txnRecordKey(primary, startTs), value };
}

export async function readTxnRecord(store: KvStore, primary: Buffer, startTs: bigint): Promise<TxnDecision | undefined> {
  const value = await store.get(txnRecordKey(primary, startTs));
  if (value === undefined) return undefined;
  if (value[0] === COMMITTED_TAG && value.length === 1 + TIMESTAMP_BYTES) {
    return { status: 'committed', commitTs: value.readBigUInt64BE(1) };
  }
  if (value[0] === ROLLED_BACK_TAG) return { status: 'rolled-back' };
  throw new InternalError('corrupt transaction record');
}
