import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { GroupCommitter } from '../../../engine/storage/group-commit.js';
import { MAX_GET_BATCH, RocksDbStore, type RocksDbStoreOptions } from '../../../engine/storage/rocksdb/rocksdb-store.js';
import { StoreClosedError } from '../../../engine/storage/storage-errors.js';
import { StorageIoError } from '../../../engine/storage/storage-errors.js';
import { kvStoreSuite, type StoreHandle } from './kv-store-suite.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'rocksdb-store-test-'));
}

/** A store in a fresh directory, closed and removed when the test ends (reassign `store` to reopen). */
async function tempStore(t: Test, options: RocksDbStoreOptions = {}): Promise<{ dir: string; store: RocksDbStore }> {
  const dir = await tempDir();
  const handle = { dir, store: await RocksDbStore.open(dir, options) };
  t.teardown(async () => {
    await handle.store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return handle;
}

kvStoreSuite(t, async () => {
  const parent = await tempDir();
  const dir = join(parent, 'nested', 'db'); // open() must create missing directories
  const handle: StoreHandle = {
    store: await RocksDbStore.open(dir),
    async reopen() {
      await handle.store.close();
      handle.store = await RocksDbStore.open(dir);
      return handle.store;
    },
    async dispose() {
      await handle.store.close();
      await rm(parent, { recursive: true, force: true });
    },
  };
  return handle;
});

t.test('a second open of a locked database fails with StorageIoError', async (t) => {
  const { dir } = await tempStore(t);
  await t.rejects(RocksDbStore.open(dir), StorageIoError);
});

t.test('scans spanning many native chunks return every entry', async (t) => {
  // A tiny chunk forces many native reads; the result must not depend on chunking.
  const { store } = await tempStore(t, { iteratorChunkBytes: 64 });
  const count = 2000;
  const writes = Array.from({ length: count }, (_, i) => {
    const key = Buffer.alloc(4);
    key.writeUInt32BE(i * 7919 % count);
    return { type: 'put' as const, key, value: Buffer.alloc(20, i % 256) };
  });
  await store.write(writes, { sync: false });
  let previous = -1;
  let seen = 0;
  for await (const [key] of store.iterate({})) {
    const n = key.readUInt32BE(0);
    if (n <= previous) t.fail(`out of order: ${n} after ${previous}`);
    previous = n;
    seen++;
  }
  t.equal(seen, count);
  let reversed = 0;
  for await (const _entry of store.iterate({ reverse: true, limit: 1500 })) reversed++;
  t.equal(reversed, 1500);
});

t.test('group commit on RocksDB: concurrent commits share synced batches and survive reopen', async (t) => {
  const handle = await tempStore(t);
  const committer = new GroupCommitter(handle.store);
  const writers = 256;
  await Promise.all(
    Array.from({ length: writers }, (_, i) =>
      committer.commit([
        { type: 'put', key: Buffer.from(`item-${i}`), value: Buffer.from(String(i)) },
        { type: 'put', key: Buffer.from(`index-${i}`), value: Buffer.from(`item-${i}`) },
      ]),
    ),
  );
  await committer.close();
  t.ok(committer.stats.batches < writers / 4, `${committer.stats.batches} synced batches for ${writers} commits`);
  await handle.store.close();
  handle.store = await RocksDbStore.open(handle.dir);
  let items = 0;
  for await (const [key, value] of handle.store.iterate({ gte: Buffer.from('item-'), lt: Buffer.from('item.') })) {
    t.equal(key.toString(), `item-${value.toString()}`);
    items++;
  }
  t.equal(items, writers, 'every acknowledged commit is on disk after reopen');
});

t.test('gets of one turn go out batched: each answers its own key, present or missing, across batch limits', async (t) => {
  const { store } = await tempStore(t);
  const key = (i: number) => Buffer.from(`key-${String(i).padStart(5, '0')}`);
  const count = MAX_GET_BATCH * 2 + 7;
  // Even keys exist, odd ones do not; every get is called in the same turn.
  await store.write(Array.from({ length: count }, (_, i) => i).filter((i) => i % 2 === 0).map((i) => ({ type: 'put' as const, key: key(i), value: Buffer.from(`v${i}`) })));
  const values = await Promise.all(Array.from({ length: count }, (_, i) => store.get(key(i))));
  const wrong = values.flatMap((value, i) => ((i % 2 === 0 ? value?.toString() === `v${i}` : value === undefined) ? [] : [i]));
  t.same(wrong, [], 'every get answered its own key');

  // A get called after a write completed sees it, even when it shares a batch with gets called before the write.
  const early = store.get(key(1));
  await store.write([{ type: 'put', key: key(1), value: Buffer.from('now') }]);
  const late = store.get(key(1));
  t.equal((await late)?.toString(), 'now', 'a get after a completed write sees it');
  t.ok((await early) === undefined || (await early)?.toString() === 'now', 'a get before the write sees the old or the new value');
});

t.test('gets asked for before close are answered; gets after it fail with StoreClosedError', async (t) => {
  const dir = await tempDir();
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const store = await RocksDbStore.open(dir);
  await store.write([{ type: 'put', key: Buffer.from('k'), value: Buffer.from('v') }]);
  const pending = store.get(Buffer.from('k'));
  await store.close();
  t.equal((await pending)?.toString(), 'v', 'the pending get was answered');
  await t.rejects(store.get(Buffer.from('k')), StoreClosedError);
});
