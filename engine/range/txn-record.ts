/**
 * The durable decision of a two-phase transaction, kept on its primary's range
 * at txnRecordKey(primary, startTs): committed at commitTs, or rolled back.
 * Written by the primary's commit, by the primary's rollback, and by a
 * resolver's checkTxn that finds neither lock nor record (so that a late
 * prewrite or commit of that transaction fails).
 *
 * Beside it, at txnHeartbeatKey(primary, startTs) while the transaction is
 * pending: the expiry its coordinator's last heartbeat gave the primary lock.
 * It is kept apart from the lock so that a heartbeat command writes nothing
 * but a timestamp: applied after the decision (it cannot be, but if it were)
 * it would leave a stray record, never a lock.
 */
import type { KvStore, KvWrite } from '../storage/kv-store.js';
import { InternalError } from '../errors.js';
import { systemKey, txnRecordKey } from '../mvcc/layout.js';
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

const HEARTBEAT_NAME = 'txn-hb/';
const EXPIRY_BYTES = 8;

/** Where the renewed expiry of the primary lock of `startTs` is kept (on the primary's range). */
export function txnHeartbeatKey(primary: Buffer, startTs: bigint): Buffer {
  const ts = Buffer.allocUnsafe(TIMESTAMP_BYTES);
  ts.writeBigUInt64BE(startTs);
  return Buffer.concat([systemKey(HEARTBEAT_NAME), primary, ts]);
}

export function heartbeatWrite(primary: Buffer, startTs: bigint, expiresAtMs: number): KvWrite {
  const value = Buffer.allocUnsafe(EXPIRY_BYTES);
  value.writeBigUInt64BE(BigInt(expiresAtMs));
  return { type: 'put', key: txnHeartbeatKey(primary, startTs), value };
}

/** Deletes the heartbeat record once the transaction is decided. */
export function heartbeatDelete(primary: Buffer, startTs: bigint): KvWrite {
  return { type: 'del', key: txnHeartbeatKey(primary, startTs) };
}

export async function readHeartbeat(store: KvStore, primary: Buffer, startTs: bigint): Promise<number | undefined> {
  const value = await store.get(txnHeartbeatKey(primary, startTs));
  if (value === undefined) return undefined;
  if (value.length !== EXPIRY_BYTES) throw new InternalError('corrupt transaction heartbeat');
  return Number(value.readBigUInt64BE(0));
}
