/**
 * A range's state as one value (the data of its Raft snapshot): every key
 * the range owns (range-keys.ts) with its value, and how installing it
 * replaces a replica's state. The encoding (a group id and key-value pairs,
 * bounded in size) serves any group whose state is a set of store keys; the
 * meta group's snapshot uses it too.
 */
import { Packr } from 'msgpackr';
import type { KvStore, KvWrite } from '../storage/kv-store.js';
import { InternalError } from '../errors.js';
import { rangeOwnedEntries, rangeOwnedKeys, type OwnedSpan } from './range-keys.js';

/**
 * Largest snapshot (of a range or the meta group) built. It travels as one Raft message
 * in one transport frame (DEFAULT_MAX_FRAME_BYTES, 64 MiB, with the other
 * messages of that flush) and is held in memory while it is sent.
 */
export const MAX_SNAPSHOT_BYTES = 32 * 1024 * 1024;

const FORMAT_VERSION = 1;
const packr = new Packr({ useRecords: false });

interface SnapshotData {
  version: number;
  /** The Raft group the state belongs to (the range id for a range). */
  groupId: number;
  /** [key, value] pairs, in the order they were read. */
  entries: Array<[Buffer, Buffer]>;
}

export class SnapshotTooLargeError extends InternalError {}

/** Encodes the pairs `entries` yields as group `groupId`'s snapshot data; refuses more than `maxBytes` of keys and values. */
export async function encodeSnapshotEntries(
  groupId: number,
  entries: AsyncIterable<[Buffer, Buffer]>,
  maxBytes = MAX_SNAPSHOT_BYTES,
): Promise<Buffer> {
  const pairs: Array<[Buffer, Buffer]> = [];
  let bytes = 0;
  for await (const [key, value] of entries) {
    bytes += key.length + value.length;
    if (bytes > maxBytes) throw new SnapshotTooLargeError(`group ${groupId} holds more than ${maxBytes} bytes; its snapshot is refused`);
    pairs.push([key, value]);
  }
  const data: SnapshotData = { version: FORMAT_VERSION, groupId, entries: pairs };
  return packr.pack(data);
}

/** The pairs of a snapshot of group `groupId`. */
export function decodeSnapshotEntries(groupId: number, data: Uint8Array): Array<[Buffer, Buffer]> {
  const decoded = packr.unpack(data) as Partial<SnapshotData>;
  if (decoded.version !== FORMAT_VERSION || decoded.groupId !== groupId || !Array.isArray(decoded.entries)) {
    throw new InternalError(`not a snapshot of group ${groupId} (format ${String(decoded.version)}, group ${String(decoded.groupId)})`);
  }
  return decoded.entries;
}

/** Reads the range's state from `store` (the caller keeps it from changing meanwhile). */
export function buildRangeSnapshot(store: KvStore, rangeId: number, range: OwnedSpan, maxBytes = MAX_SNAPSHOT_BYTES): Promise<Buffer> {
  return encodeSnapshotEntries(rangeId, rangeOwnedEntries(store, range), maxBytes);
}

/**
 * The writes that replace the range's state in `store` with the snapshot's:
 * delete every key the range owns now, then put the snapshot's keys (a batch
 * applies in order, so a key in both ends with the snapshot's value).
 */
export async function rangeInstallWrites(store: KvStore, rangeId: number, range: OwnedSpan, data: Uint8Array): Promise<KvWrite[]> {
  const entries = decodeSnapshotEntries(rangeId, data);
  const writes: KvWrite[] = (await rangeOwnedKeys(store, range)).map((key) => ({ type: 'del' as const, key }));
  for (const [key, value] of entries) writes.push({ type: 'put', key, value });
  return writes;
}
