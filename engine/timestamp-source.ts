/**
 * The TimestampSource port: where the engine gets read, start and commit
 * timestamps. Embedded mode wires a local allocator; a cluster wires the TSO
 * client. Timestamps are 64-bit hybrid values (see tso/timestamp.ts).
 */
export interface TimestampSource {
  /** A timestamp strictly above every one this source returned before. */
  now(): Promise<bigint>;
}
