/** A real RocksDB store in a fresh temporary dir, for tests that need one. */
import { rm } from 'node:fs/promises';
import type { Test } from 'tap';
import { RocksDbStore } from '../../engine/storage/rocksdb/rocksdb-store.js';
import { tempDir } from './server.js';

/** Opens a store in a new temp dir; the test's teardown closes it and removes the dir. */
export async function tempStore(t: Test, prefix: string): Promise<RocksDbStore> {
  const dir = await tempDir(prefix);
  const store = await RocksDbStore.open(dir);
  t.teardown(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return store;
}
