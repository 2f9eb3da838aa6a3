/**
 * The TimestampSource port: where the engine gets read, start and commit
 * timestamps. Embedded mode wires a local allocator; a cluster wires the TSO
 * client.
 *
 * The engine relies on the timestamp format only as far as stated here: a
 * 64-bit unsigned value, physical milliseconds above an 18-bit logical counter
 * (tso/timestamp.ts defines it; a test checks the two agree), stored as 8
 * bytes big-endian.
 */
export interface TimestampSource {
  /** A timestamp strictly above every one this source returned before. */
  now(): Promise<bigint>;
}

export const TIMESTAMP_BYTES = 8;
export const TIMESTAMP_LOGICAL_BITS = 18n;

/** The timestamp `ms` milliseconds before `ts` (0 if that is before the epoch). */
export function timestampBeforeMs(ts: bigint, ms: number): bigint {
  const earlier = ts - (BigInt(ms) << TIMESTAMP_LOGICAL_BITS);
  return earlier > 0n ? earlier : 0n;
}
