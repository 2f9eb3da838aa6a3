/**
 * The shared storage suite against MemoryStorage and RocksDbRaftStorage (over
 * the engine's in-memory KvStore and over a real RocksDB), plus a restart of
 * a single-node group from RocksDB with nothing committed lost.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { RaftKvStore } from '../../../consensus/adapters/kv-port.js';
import { RocksDbRaftStorage } from '../../../consensus/adapters/rocksdb-storage.js';
import { RawNode } from '../../../consensus/raw-node.js';
import { SeededRandom } from '../../../consensus/random.js';
import { MemoryStorage } from '../../../consensus/storage.js';
import { MemoryStore } from '../../../engine/storage/memory/memory-store.js';
import { RocksDbStore } from '../../../engine/storage/rocksdb/rocksdb-store.js';
import { storageSuite, type StorageUnderTest } from './storage-suite.js';

const VOTERS = [1, 2, 3];

t.test('MemoryStorage', async (tt) => {
  storageSuite(tt, async () => {
    const s = MemoryStorage.bootstrap(VOTERS);
    return {
      storage: s,
      persist: async (rd) => s.persist(rd),
      createSnapshot: async (i, cs, data) => void s.createSnapshot(i, cs, data),
      compact: async (i) => s.compact(i),
      reopen: async () => s,
    };
  });
});

/** Each suite case gets its own group in the shared store, as groups share one store on a real node. */
function durableFactory(kv: RaftKvStore): () => Promise<StorageUnderTest> {
  let group = 0;
  return async () => {
    const groupId = ++group;
    const s = await RocksDbRaftStorage.bootstrap(kv, groupId, VOTERS);
    return {
      storage: s,
      persist: (rd) => s.persist(rd),
      createSnapshot: async (i, cs, data) => void (await s.createSnapshot(i, cs, data)),
      compact: (i) => s.compact(i),
      reopen: () => RocksDbRaftStorage.open(kv, groupId),
    };
  };
}

t.test('RocksDbRaftStorage over an in-memory KvStore', async (tt) => {
  storageSuite(tt, durableFactory(new MemoryStore()));
});

t.test('RocksDbRaftStorage over RocksDB', async (tt) => {
  const dir = await mkdtemp(join(tmpdir(), 'raft-storage-'));
  const kv = await RocksDbStore.open(dir);
  tt.teardown(async () => {
    await kv.close();
    await rm(dir, { recursive: true, force: true });
  });
  storageSuite(tt, durableFactory(kv));
});

t.test('a single-node group restarts from RocksDB with its committed log', async (tt) => {
  const dir = await mkdtemp(join(tmpdir(), 'raft-restart-'));
  tt.teardown(() => rm(dir, { recursive: true, force: true }));
  const config = { id: 1, electionTick: 10, heartbeatTick: 1, random: new SeededRandom(1) };
  const applied: string[] = [];

  async function drive(node: RawNode, storage: RocksDbRaftStorage): Promise<void> {
    while (node.hasReady()) {
      const rd = node.ready();
      await storage.persist(rd);
      for (const e of rd.committedEntries) {
        if (e.type === 'conf-change') continue; // founding membership, already known
        if (e.data.length > 0) applied.push(new TextDecoder().decode(e.data));
      }
      node.advance(rd);
    }
  }

  let kv = await RocksDbStore.open(dir);
  let storage = await RocksDbRaftStorage.bootstrap(kv, 7, [1]);
  let node = new RawNode({ ...config, storage });
  await drive(node, storage);
  node.campaign();
  await drive(node, storage);
  for (const v of ['a', 'b', 'c']) {
    node.propose(new TextEncoder().encode(v));
    await drive(node, storage);
  }
  tt.same(applied, ['a', 'b', 'c']);
  const before = node.status();
  await kv.close();

  kv = await RocksDbStore.open(dir);
  storage = await RocksDbRaftStorage.open(kv, 7);
  applied.length = 0;
  node = new RawNode({ ...config, storage });
  tt.same(node.status().hardState, before.hardState, 'term, vote and commit survive');
  tt.equal(node.status().lastIndex, before.lastIndex, 'the log survives');
  await drive(node, storage);
  tt.same(applied, ['a', 'b', 'c'], 'committed entries are applied again from the log');
  node.campaign();
  await drive(node, storage);
  node.propose(new TextEncoder().encode('d'));
  await drive(node, storage);
  tt.same(applied, ['a', 'b', 'c', 'd'], 'the restarted group makes progress');
  await kv.close();
});
