/**
 * The durable KvStore: RocksDB through the `rocksdb` npm package. Writes are
 * synced (fdatasync before the promise resolves) unless the caller opts out;
 * put a GroupCommitter in front to amortise the sync over many writers.
 *
 * Iterators are native resources: the generator ends its iterator in a
 * `finally`, which also runs when the consumer leaves a `for await` loop early.
 * The binding reads ahead up to `iteratorChunkBytes` per native call, so a scan
 * costs one native round trip per chunk, not per entry.
 *
 * Point reads are batched: every `get` called within one turn of the event
 * loop goes to RocksDB in ONE native `getMany` (at most MAX_GET_BATCH keys,
 * one snapshot taken when the batch leaves, which is after every write that
 * completed before any of its gets was called). Each native call queues work
 * on libuv's thread pool, which costs the main thread a lock and a thread
 * wake-up; under load that was a third of a GetItem's CPU. `getMany` also
 * answers a missing key with `undefined`, where `get` built an Error for it.
 */
import { mkdir } from 'node:fs/promises';
import { checkKey, checkWrites, normalizeRange } from '../kv-range.js';
import type { KvRange, KvStore, KvWrite, KvWriteOptions } from '../kv-store.js';
import { StorageIoError, StoreClosedError } from '../storage-errors.js';
import {
  call,
  createLeveldown,
  type Leveldown,
  type LeveldownIterator,
  type LeveldownIteratorOptions,
} from './leveldown-binding.js';

export interface RocksDbStoreOptions {
  /** Block cache size. */
  cacheSizeBytes?: number;
  /** Memtable size before a flush. */
  writeBufferSizeBytes?: number;
  maxOpenFiles?: number;
  /** Read-ahead per native iterator call. */
  iteratorChunkBytes?: number;
}

export const DEFAULT_CACHE_SIZE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_WRITE_BUFFER_SIZE_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_OPEN_FILES = 1000;
export const DEFAULT_ITERATOR_CHUNK_BYTES = 64 * 1024;
/** The binding takes the limit as an int32; -1 means unlimited. */
const NATIVE_NO_LIMIT = -1;
const NATIVE_MAX_LIMIT = 0x7fffffff;
/** Most keys in one native getMany; a turn with more sends several. */
export const MAX_GET_BATCH = 256;

interface PendingGet {
  key: Buffer;
  resolve: (value: Buffer | undefined) => void;
  reject: (error: unknown) => void;
}

/** RocksDB's own figures (its properties), read at scrape time. */
export interface RocksDbStats {
  memtableBytes: number;
  immutableMemtables: number;
  sstBytes: number;
  liveDataBytes: number;
  runningCompactions: number;
  /** 1 when RocksDB has compaction work waiting. */
  compactionPending: number;
  estimatedKeys: number;
}

export class RocksDbStore implements KvStore {
  private closed = false;
  private iterators = 0;
  /** Gets called in this turn of the event loop, sent together at its end (see the module comment). */
  private pendingGets: PendingGet[] = [];

  private constructor(
    readonly dir: string,
    private readonly db: Leveldown,
    private readonly iteratorChunkBytes: number,
  ) {}

  /** What RocksDB reports of its memtables, files and compactions (for metrics); zeros once closed. */
  engineStats(): RocksDbStats {
    const read = (name: string): number => {
      if (this.closed) return 0;
      const value = Number(this.db.getProperty(`rocksdb.${name}`));
      return Number.isFinite(value) ? value : 0;
    };
    return {
      memtableBytes: read('cur-size-all-mem-tables'),
      immutableMemtables: read('num-immutable-mem-table'),
      sstBytes: read('total-sst-files-size'),
      liveDataBytes: read('estimate-live-data-size'),
      runningCompactions: read('num-running-compactions'),
      compactionPending: read('compaction-pending'),
      estimatedKeys: read('estimate-num-keys'),
    };
  }

  /**
   * RocksDB's estimate of the bytes its files hold for the keys of the spans
   * [gte, lt), summed (GetApproximateSizes: no I/O, read from the files'
   * index blocks). Keys still in the memtables count only once flushed, as the
   * binding asks for files alone. Zero once closed, like engineStats.
   */
  async approximateSizeBytes(spans: ReadonlyArray<{ gte: Buffer; lt: Buffer }>): Promise<number> {
    if (this.closed) return 0;
    try {
      const sizes = await Promise.all(spans.map((span) => call<number>((cb) => this.db.approximateSize(span.gte, span.lt, cb))));
      return sizes.reduce((sum, size) => sum + size, 0);
    } catch (error) {
      if (this.closed) return 0;
      throw this.wrap('approximate size', error);
    }
  }

  /** Native iterators not yet ended (a leak check for tests and metrics). */
  get openIterators(): number {
    return this.iterators;
  }

  /** Opens (creating the directory and the database if missing) a store at `dir`. */
  static async open(dir: string, options: RocksDbStoreOptions = {}): Promise<RocksDbStore> {
    await mkdir(dir, { recursive: true });
    const db = createLeveldown(dir);
    try {
      await call((cb) =>
        db.open(
          {
            createIfMissing: true,
            errorIfExists: false,
            compression: true,
            cacheSize: options.cacheSizeBytes ?? DEFAULT_CACHE_SIZE_BYTES,
            writeBufferSize: options.writeBufferSizeBytes ?? DEFAULT_WRITE_BUFFER_SIZE_BYTES,
            maxOpenFiles: options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES,
          },
          cb,
        ),
      );
    } catch (error) {
      throw new StorageIoError(`Cannot open RocksDB at ${dir}: ${messageOf(error)}`, error);
    }
    return new RocksDbStore(dir, db, options.iteratorChunkBytes ?? DEFAULT_ITERATOR_CHUNK_BYTES);
  }

  get(key: Buffer): Promise<Buffer | undefined> {
    try {
      this.checkOpen();
      checkKey(key);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      if (this.pendingGets.length === 0) setImmediate(() => this.sendGets());
      this.pendingGets.push({ key, resolve, reject });
      if (this.pendingGets.length >= MAX_GET_BATCH) this.sendGets();
    });
  }

  private sendGets(): void {
    const batch = this.pendingGets;
    if (batch.length === 0) return;
    this.pendingGets = [];
    if (this.closed) {
      for (const get of batch) get.reject(new StoreClosedError());
      return;
    }
    this.db.getMany(
      batch.map((get) => get.key),
      { asBuffer: true },
      (error, values) => {
        if (error || values === undefined) {
          const failure = this.wrap('get', error ?? new Error('getMany answered nothing'));
          for (const get of batch) get.reject(failure);
          return;
        }
        batch.forEach((get, i) => get.resolve(values[i] ?? undefined));
      },
    );
  }

  async write(batch: readonly KvWrite[], options: KvWriteOptions = {}): Promise<void> {
    this.checkOpen();
    checkWrites(batch);
    if (batch.length === 0) return;
    const sync = options.sync ?? true;
    try {
      await call((cb) => this.db.batch(batch.slice(), { sync }, cb));
    } catch (error) {
      throw this.wrap('write', error);
    }
  }

  async *iterate(range: KvRange): AsyncIterable<[Buffer, Buffer]> {
    this.checkOpen();
    const r = normalizeRange(range);
    if (r.empty) return;
    const options: LeveldownIteratorOptions = {
      reverse: r.reverse,
      limit: r.limit > NATIVE_MAX_LIMIT ? NATIVE_NO_LIMIT : r.limit,
      keyAsBuffer: true,
      valueAsBuffer: true,
      highWaterMark: this.iteratorChunkBytes,
    };
    if (r.lower !== undefined) options[r.lower.inclusive ? 'gte' : 'gt'] = r.lower.key;
    if (r.upper !== undefined) options[r.upper.inclusive ? 'lte' : 'lt'] = r.upper.key;
    const iterator = this.db.iterator(options);
    this.iterators++;
    try {
      for (;;) {
        const entry = await this.next(iterator);
        if (entry === undefined) return;
        yield entry;
      }
    } finally {
      try {
        await this.end(iterator);
      } finally {
        this.iterators--;
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.sendGets(); // gets already asked for are answered: the binding closes after its reads in flight
    this.closed = true;
    try {
      await call((cb) => this.db.close(cb));
    } catch (error) {
      throw this.wrap('close', error);
    }
  }

  private next(iterator: LeveldownIterator): Promise<[Buffer, Buffer] | undefined> {
    return new Promise((resolve, reject) => {
      iterator.next((error, key, value) => {
        if (error) reject(this.wrap('iterate', error));
        else resolve(key === undefined || value === undefined ? undefined : [key, value]);
      });
    });
  }

  private async end(iterator: LeveldownIterator): Promise<void> {
    try {
      await call((cb) => iterator.end(cb));
    } catch (error) {
      // Closing the database ends its iterators natively; a second end is harmless.
      if (!this.closed) throw this.wrap('end iterator', error);
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }

  private wrap(operation: string, error: unknown): Error {
    if (this.closed) return new StoreClosedError();
    return new StorageIoError(`RocksDB ${operation} failed: ${messageOf(error)}`, error);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
