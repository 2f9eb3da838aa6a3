/**
 * The stored value of one MVCC version: a tombstone, or an item encoded with
 * msgpackr. One tag byte first so a tombstone costs a single byte.
 */
import { pack, unpack } from 'msgpackr';
import type { Item } from '../types.js';
import { InternalError } from '../errors.js';

const TOMBSTONE_TAG = 0;
const ITEM_TAG = 1;

export function encodeVersionValue(item: Item | undefined): Buffer {
  if (item === undefined) return Buffer.of(TOMBSTONE_TAG);
  return Buffer.concat([Buffer.of(ITEM_TAG), pack(item)]);
}

/** `undefined` for a tombstone. */
export function decodeVersionValue(value: Buffer): Item | undefined {
  const tag = value[0];
  if (tag === TOMBSTONE_TAG) return undefined;
  if (tag === ITEM_TAG) return unpack(value.subarray(1)) as Item;
  throw new InternalError(`corrupt MVCC version value (tag ${String(tag)})`);
}
