/**
 * The KvStore port: an ordered byte-key store with atomic batches. The engine
 * and Raft storage depend on this interface only; adapters live beside it
 * (rocksdb/, memory/) and pass one shared test suite.
 */

export type KvWrite =
  | { type: 'put'; key: Buffer; value: Buffer }
  | { type: 'del'; key: Buffer };

export interface KvRange {
  gt?: Buffer;
  gte?: Buffer;
  lt?: Buffer;
  lte?: Buffer;
  /** Newest-first (descending key order) when true. */
  reverse?: boolean;
  /** At most this many entries. */
  limit?: number;
}

export interface KvWriteOptions {
  /** fsync before resolving. Defaults to true: acknowledged writes are durable. */
  sync?: boolean;
}

export interface KvStore {
  get(key: Buffer): Promise<Buffer | undefined>;
  /** Applies every write or none; the writes become visible together. */
  write(batch: readonly KvWrite[], options?: KvWriteOptions): Promise<void>;
  /** Entries in key order (or reverse) within the range. */
  iterate(range: KvRange): AsyncIterable<[Buffer, Buffer]>;
  close(): Promise<void>;
}
