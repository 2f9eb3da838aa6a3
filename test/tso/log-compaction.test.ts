/**
 * The TSO group's log stays bounded: a long run of ceiling renewals (short
 * windows, so one every few milliseconds) on one replica over real RocksDB
 * keeps the in-memory log, and the entries on disk, below the snapshot
 * interval plus the kept tail; after a restart from the compacted store the
 * group resumes strictly above everything handed out before.
 */
import t from 'tap';
import { RocksDbStore } from '../../engine/storage/rocksdb/rocksdb-store.js';
import { MAX_PENDING_PROPOSALS } from '../../tso/oracle.js';
import { startTsoGroup, TSO_GROUP_ID, type TsoGroupOptions } from '../../tso/tso-group.js';
import { TsoLogCompactor } from '../../tso/log-compaction.js';
import { tempStore } from '../helpers/temp-store.js';
import { MemoryStorage } from '../../consensus/storage.js';

const INTERVAL = 10;
const KEEP = 2;
/** The snapshot interval, the kept tail, and entries appended but not applied yet (at most the pending proposals). */
const LOG_BOUND = INTERVAL + KEEP + MAX_PENDING_PROPOSALS;
const CALLERS = 8;
const RUN_MS = 1_000;
/** A long run: many times more entries than the log may hold at once. */
const MIN_ENTRIES = 5 * LOG_BOUND;

/** RocksDbRaftStorage's entry keys: 'r' | group u32 | 'e' | index u64. */
async function entriesOnDisk(store: RocksDbStore): Promise<number> {
  const prefix = Buffer.alloc(6);
  prefix[0] = 0x72;
  prefix.writeUInt32BE(TSO_GROUP_ID, 1);
  prefix[5] = 0x65;
  const end = Buffer.from(prefix);
  end[5] = 0x66;
  let n = 0;
  for await (const _ of store.iterate({ gte: prefix, lt: end })) n++;
  return n;
}

t.test('a long run of renewals keeps the log bounded in memory and in RocksDB; a restart resumes above', async (t) => {
  const store = await tempStore(t, 'tso-compaction');
  const options: TsoGroupOptions = {
    nodeId: 1,
    kv: store,
    tickMs: 5,
    sync: false, // not the subject here; unsynced, renewals come fast enough for a long run in a short test
    allocator: { windowMs: 20, renewAheadMs: 10 },
    compaction: { intervalEntries: INTERVAL, keepEntries: KEEP },
  };
  let group = await startTsoGroup(options);
  let client = group.localClient();
  let maxInMemory = 0;
  const sampler = setInterval(() => {
    maxInMemory = Math.max(maxInMemory, group.storage.lastIndex() - group.storage.firstIndex() + 1);
  }, 1);
  let highest = -1n;
  const end = Date.now() + RUN_MS;
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (Date.now() < end || group.storage.lastIndex() < MIN_ENTRIES) {
        const ts = await client.now();
        if (ts > highest) highest = ts;
      }
    }),
  );
  clearInterval(sampler);
  t.comment(`${group.storage.lastIndex()} entries, ${group.oracle.stats.snapshots} snapshots, at most ${maxInMemory} entries in memory`);
  t.ok(group.storage.lastIndex() >= MIN_ENTRIES, `${group.storage.lastIndex()} entries appended`);
  t.ok(maxInMemory <= LOG_BOUND, `at most ${maxInMemory} entries in memory (bound ${LOG_BOUND})`);
  t.ok(group.oracle.stats.snapshots >= MIN_ENTRIES / INTERVAL - 1, `${group.oracle.stats.snapshots} snapshots`);
  client.close();
  await group.close();
  const onDisk = await entriesOnDisk(store);
  t.ok(onDisk <= LOG_BOUND, `${onDisk} entries left on disk (bound ${LOG_BOUND})`);

  group = await startTsoGroup(options);
  client = group.localClient();
  t.ok(group.storage.snapshot().metadata.index > 0, 'restarted from a snapshot');
  t.ok((await client.now()) > highest, 'after the restart, above everything handed out before');
  client.close();
  await group.close();
});

t.test('the compactor snapshots every interval, keeps the tail, and refuses nonsense settings', async (t) => {
  const log = MemoryStorage.bootstrap([1]);
  log.append(Array.from({ length: 30 }, (_, i) => ({ term: 1, index: 2 + i, type: 'normal' as const, data: new Uint8Array(0) })));
  const compactor = new TsoLogCompactor({ log, intervalEntries: 10, keepEntries: 3 });
  const state = () => Uint8Array.of(7);
  const conf = () => ({ voters: [1], learners: [] });
  t.notOk(compactor.maybeCompact(9, conf, state), 'not before the interval');
  t.ok(compactor.maybeCompact(10, conf, state), 'at the interval');
  t.equal(log.snapshot().metadata.index, 10, 'snapshot at the applied index');
  t.same([...log.snapshot().data], [7], 'with the state');
  t.equal(log.firstIndex(), 8, 'the tail below the snapshot is kept');
  t.notOk(compactor.maybeCompact(19, conf, state), 'the next interval counts from the snapshot');
  t.ok(compactor.maybeCompact(20, conf, state));
  t.equal(log.firstIndex(), 18);
  t.throws(() => new TsoLogCompactor({ log, intervalEntries: 0 }), { name: 'Error', code: 'TsoCompactionConfig' });
  t.throws(() => new TsoLogCompactor({ log, keepEntries: -1 }), { code: 'TsoCompactionConfig' });
});
