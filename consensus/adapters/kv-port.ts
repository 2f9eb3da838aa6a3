/**
 * The ordered key-value store the durable adapters write to, declared here so
 * that consensus/ imports nothing of ours. It matches the engine's KvStore
 * port in shape, so the node's one RocksDB store can be passed in directly.
 */

export type RaftKvWrite =
  | { type: 'put'; key: Buffer; value: Buffer }
  | { type: 'del'; key: Buffer };

export interface RaftKvRange {
  gte?: Buffer;
  lt?: Buffer;
}

export interface RaftKvStore {
  get(key: Buffer): Promise<Buffer | undefined>;
  /** Applies every write or none. `sync` (default true) fsyncs before resolving. */
  write(batch: readonly RaftKvWrite[], options?: { sync?: boolean }): Promise<void>;
  iterate(range: RaftKvRange): AsyncIterable<[Buffer, Buffer]>;
}
