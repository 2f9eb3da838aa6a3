/**
 * Stored MVCC values. A version is a tombstone or an item encoded with
 * msgpackr, behind one tag byte (a tombstone costs one byte). A head carries
 * its commit timestamp in front (8 bytes big-endian), since its key has none.
 */
import { pack, unpack } from 'msgpackr';
import type { Item } from '../types.js';
import { InternalError } from '../errors.js';
import { TIMESTAMP_BYTES } from '../timestamp-source.js';

const TOMBSTONE_TAG = 0;
const ITEM_TAG = 1;

export function encodeVersion(item: Item | undefined): Buffer {
  if (item === undefined) return Buffer.of(TOMBSTONE_TAG);
  return Buffer.concat([Buffer.of(ITEM_TAG), pack(item)]);
}

/** `undefined` for a tombstone. */
export function decodeVersion(value: Buffer): Item | undefined {
  const tag = value[0];
  if (tag === TOMBSTONE_TAG) return undefined;
  if (tag === ITEM_TAG) return unpack(value.subarray(1)) as Item;
  throw new InternalError(`corrupt MVCC version value (tag ${String(tag)})`);
}

export function encodeHead(commitTs: bigint, version: Buffer): Buffer {
  const out = Buffer.allocUnsafe(TIMESTAMP_BYTES + version.length);
  out.writeBigUInt64BE(commitTs, 0);
  version.copy(out, TIMESTAMP_BYTES);
  return out;
}

export function splitHead(value: Buffer): { commitTs: bigint; version: Buffer } {
  if (value.length <= TIMESTAMP_BYTES) throw new InternalError('corrupt MVCC head: too short');
  return { commitTs: value.readBigUInt64BE(0), version: value.subarray(TIMESTAMP_BYTES) };
}
