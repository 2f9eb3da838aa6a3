/**
 * An in-memory KvStore: a sorted array of entries searched by binary search.
 * Used by unit tests and the deterministic simulator, where RocksDB's disk I/O
 * would be slow and nondeterministic. Same semantics as RocksDbStore (one
 * shared suite proves it), minus durability: `sync` is accepted and ignored.
 *
 * Iteration holds no index into the array: each step searches for the first
 * key past the last one yielded, so writes made while a scan is suspended
 * never crash it (the scan sees them if they land ahead of its cursor).
 */
import { aboveLower, belowUpper, checkKey, checkWrites, normalizeRange, type Bound } from '../kv-range.js';
import type { KvRange, KvStore, KvWrite, KvWriteOptions } from '../kv-store.js';
import { StoreClosedError } from '../storage-errors.js';

interface Entry {
  key: Buffer;
  value: Buffer;
}

export class MemoryStore implements KvStore {
  /** Sorted by key, keys unique. */
  private readonly entries: Entry[] = [];
  private closed = false;
  private iterators = 0;

  get size(): number {
    return this.entries.length;
  }

  /** Scans started and not yet finished or abandoned (a leak check for tests). */
  get openIterators(): number {
    return this.iterators;
  }

  async get(key: Buffer): Promise<Buffer | undefined> {
    this.checkOpen();
    checkKey(key);
    const index = this.lowerBound(key);
    const entry = this.entries[index];
    // Copies out, as RocksDB does, so a caller that mutates a result cannot corrupt the store.
    return entry !== undefined && entry.key.equals(key) ? Buffer.from(entry.value) : undefined;
  }

  async write(batch: readonly KvWrite[], _options?: KvWriteOptions): Promise<void> {
    this.checkOpen();
    checkWrites(batch); // validate everything first: a batch applies fully or not at all
    for (const write of batch) {
      if (write.type === 'put') this.put(write.key, write.value);
      else this.del(write.key);
    }
  }

  async *iterate(range: KvRange): AsyncIterable<[Buffer, Buffer]> {
    this.checkOpen();
    const r = normalizeRange(range);
    if (r.empty) return;
    this.iterators++;
    try {
      let yielded = 0;
      let cursor: Buffer | undefined;
      while (yielded < r.limit) {
        this.checkOpen();
        const entry = r.reverse ? this.previous(cursor, r.upper) : this.next(cursor, r.lower);
        if (entry === undefined) return;
        if (!aboveLower(entry.key, r.lower) || !belowUpper(entry.key, r.upper)) return;
        cursor = entry.key;
        yielded++;
        yield [Buffer.from(entry.key), Buffer.from(entry.value)];
      }
    } finally {
      this.iterators--;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private put(key: Buffer, value: Buffer): void {
    const index = this.lowerBound(key);
    const entry: Entry = { key: Buffer.from(key), value: Buffer.from(value) };
    if (this.entries[index]?.key.equals(key)) this.entries[index] = entry;
    else this.entries.splice(index, 0, entry);
  }

  private del(key: Buffer): void {
    const index = this.lowerBound(key);
    if (this.entries[index]?.key.equals(key)) this.entries.splice(index, 1);
  }

  /** The first entry after `cursor` (or at/after the lower bound when starting). */
  private next(cursor: Buffer | undefined, lower: Bound | undefined): Entry | undefined {
    if (cursor !== undefined) return this.entries[this.upperBound(cursor)];
    if (lower === undefined) return this.entries[0];
    return this.entries[lower.inclusive ? this.lowerBound(lower.key) : this.upperBound(lower.key)];
  }

  /** The last entry before `cursor` (or at/before the upper bound when starting). */
  private previous(cursor: Buffer | undefined, upper: Bound | undefined): Entry | undefined {
    if (cursor !== undefined) return this.entries[this.lowerBound(cursor) - 1];
    if (upper === undefined) return this.entries[this.entries.length - 1];
    return this.entries[(upper.inclusive ? this.upperBound(upper.key) : this.lowerBound(upper.key)) - 1];
  }

  /** Index of the first entry with key >= `key`. */
  private lowerBound(key: Buffer): number {
    return this.search(key, (c) => c < 0);
  }

  /** Index of the first entry with key > `key`. */
  private upperBound(key: Buffer): number {
    return this.search(key, (c) => c <= 0);
  }

  private search(key: Buffer, goRight: (comparison: number) => boolean): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (goRight(Buffer.compare((this.entries[mid] as Entry).key, key))) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}
