/**
 * The 64-bit hybrid timestamp: physical milliseconds in the high 46 bits, an
 * 18-bit logical counter in the low bits (262,144 timestamps per millisecond).
 * `bigint` in code, 8-byte big-endian on disk, so byte order equals time order.
 */

export type Timestamp = bigint;

export const LOGICAL_BITS = 18n;
export const LOGICAL_MAX = (1n << LOGICAL_BITS) - 1n;
export const PHYSICAL_MAX_MS = (1n << 46n) - 1n;
export const TIMESTAMP_BYTES = 8;
export const ZERO_TIMESTAMP: Timestamp = 0n;
export const MAX_TIMESTAMP: Timestamp = (1n << 64n) - 1n;

export class TimestampRangeError extends Error {
  override readonly name = 'TimestampRangeError';
}

export function composeTimestamp(physicalMs: bigint | number, logical: bigint | number): Timestamp {
  const physical = BigInt(physicalMs);
  const counter = BigInt(logical);
  if (physical < 0n || physical > PHYSICAL_MAX_MS) {
    throw new TimestampRangeError(`physical part out of range: ${physical}`);
  }
  if (counter < 0n || counter > LOGICAL_MAX) {
    throw new TimestampRangeError(`logical part out of range: ${counter}`);
  }
  return (physical << LOGICAL_BITS) | counter;
}

export function physicalMs(ts: Timestamp): bigint {
  return ts >> LOGICAL_BITS;
}

export function logicalPart(ts: Timestamp): bigint {
  return ts & LOGICAL_MAX;
}

export function compareTimestamps(a: Timestamp, b: Timestamp): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function timestampToBytes(ts: Timestamp): Buffer {
  const out = Buffer.allocUnsafe(TIMESTAMP_BYTES);
  out.writeBigUInt64BE(ts);
  return out;
}

export function timestampFromBytes(bytes: Uint8Array, offset = 0): Timestamp {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readBigUInt64BE(offset);
}

/** The first timestamp of the millisecond `ms` (the smallest one not below it). */
export function timestampAtMs(ms: number | bigint): Timestamp {
  return composeTimestamp(ms, 0);
}
