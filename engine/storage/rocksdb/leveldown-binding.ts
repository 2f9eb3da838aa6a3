/**
 * Typed access to the `rocksdb` npm package (leveldown API, CommonJS, no type
 * declarations). Only the calls RocksDbStore uses are typed here; loading it
 * through createRequire keeps the types local instead of declaring a global
 * ambient module other folders could collide with.
 */
import { createRequire } from 'node:module';

export type Callback<T = void> = (error: Error | null | undefined, result?: T) => void;

export interface LeveldownOpenOptions {
  createIfMissing?: boolean;
  errorIfExists?: boolean;
  compression?: boolean;
  cacheSize?: number;
  writeBufferSize?: number;
  maxOpenFiles?: number;
}

export interface LeveldownIteratorOptions {
  gt?: Buffer;
  gte?: Buffer;
  lt?: Buffer;
  lte?: Buffer;
  reverse: boolean;
  /** -1: no limit. */
  limit: number;
  keyAsBuffer: true;
  valueAsBuffer: true;
  /** Bytes the binding reads ahead per native call (its own chunking). */
  highWaterMark: number;
}

export type LeveldownOperation = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };

export interface LeveldownIterator {
  next(callback: (error: Error | null | undefined, key?: Buffer, value?: Buffer) => void): void;
  end(callback: Callback): void;
}

export interface Leveldown {
  open(options: LeveldownOpenOptions, callback: Callback): void;
  close(callback: Callback): void;
  /** Several keys at one snapshot, in one native call; a missing key is `undefined` (no error). */
  getMany(keys: Buffer[], options: { asBuffer: true; fillCache?: boolean }, callback: Callback<Array<Buffer | undefined>>): void;
  batch(operations: LeveldownOperation[], options: { sync: boolean }, callback: Callback): void;
  iterator(options: LeveldownIteratorOptions): LeveldownIterator;
  /** A RocksDB property (`rocksdb.*`), as a string; synchronous. */
  getProperty(property: string): string;
  /** RocksDB's GetApproximateSizes over [start, end): bytes of SST files only (this binding does not ask for memtables). */
  approximateSize(start: Buffer, end: Buffer, callback: Callback<number>): void;
}

const require = createRequire(import.meta.url);
const factory = require('rocksdb') as (location: string) => Leveldown;

export function createLeveldown(location: string): Leveldown {
  return factory(location);
}


/** Runs one callback-style leveldown call as a promise. */
export function call<T = void>(run: (callback: Callback<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    run((error, result) => (error ? reject(error) : resolve(result as T)));
  });
}
