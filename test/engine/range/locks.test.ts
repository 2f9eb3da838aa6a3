import t from 'tap';
import { LockTable, decodeLock, encodeLock, isExpired, type Lock } from '../../../engine/range/locks.js';
import { LocalCommandLog, RangeReplica, type CommandLog, type RangeCommand } from '../../../engine/range/replica.js';
import { MemoryStore } from '../../../engine/storage/memory/memory-store.js';
import type { KvStore } from '../../../engine/storage/kv-store.js';
import { prewriteOnRange, type MutationsOf } from '../../../engine/txn/transact-write.js';

const key = (s: string) => Buffer.from(s);

const lock: Lock = {
  startTs: 123456789012345n,
  primary: key('p'),
  expiresAtMs: 1_700_000_000_123,
  mutations: [
    { itemKey: key('k'), item: { id: { S: 'k' }, n: { N: '1.5' } } },
    { itemKey: key('k#'), item: undefined },
  ],
};

t.test('a lock survives encoding, tombstone mutations included', async (t) => {
  t.same(decodeLock(encodeLock(lock)), lock);
  t.same(decodeLock(encodeLock({ ...lock, mutations: [] })).mutations, []);
});

t.test('expiry is measured on the wall clock against expiresAtMs', async (t) => {
  t.notOk(isExpired(lock, lock.expiresAtMs - 1));
  t.ok(isExpired(lock, lock.expiresAtMs));
});

t.test('the table finds locks visible to a read timestamp within a span, and deletes only the named transaction', async (t) => {
  const table = new LockTable();
  table.set(key('b'), { ...lock, startTs: 10n });
  table.set(key('d'), { ...lock, startTs: 20n });
  table.set(key('f'), { ...lock, startTs: 5n });
  const found = (readTs: bigint) => table.visibleIn({ start: key('a'), end: key('e') }, readTs).map((e) => e.itemKey.toString());
  t.same(found(15n), ['b']);
  t.same(found(20n).sort(), ['b', 'd']);
  t.same(found(9n), []);
  table.delete(key('b'), 11n);
  t.equal(table.size, 3, 'another transaction keeps its lock');
  table.delete(key('b'), 10n);
  t.same(found(100n), ['d']);
});

/** A command log that applies every command to the leader and then to a follower, as Raft would. */
class ReplicatedLog implements CommandLog {
  readonly commands: RangeCommand[] = [];
  leader!: RangeReplica;

  constructor(
    private readonly leaderStore: KvStore,
    private readonly follower: RangeReplica,
    private readonly followerStore: KvStore,
  ) {}

  async submit(command: RangeCommand): Promise<void> {
    this.commands.push(command);
    for (const [replica, store] of [[this.leader, this.leaderStore], [this.follower, this.followerStore]] as const) {
      await store.write(replica.stage(command));
      replica.applied(command);
    }
  }
}

async function dump(store: KvStore): Promise<string[]> {
  const out: string[] = [];
  for await (const [k, v] of store.iterate({})) out.push(`${k.toString('hex')}=${v.toString('hex')}`);
  return out;
}

const itemOnly: MutationsOf = (_tableId, itemKey, outcome) => (outcome.writes ? [{ itemKey, item: outcome.new }] : []);

t.test('a follower that applies the same commands has the same store and the same lock table', async (t) => {
  const span = { rangeId: 1, start: Buffer.alloc(0), end: Buffer.from([0xff]), generation: 1 };
  let ts = 0n;
  const clock = { now: async () => ++ts };
  const leaderStore = new MemoryStore();
  const followerStore = new MemoryStore();
  const unusedLog = new LocalCommandLog({ commit: async () => {} });
  const follower = new RangeReplica(span, followerStore, unusedLog, clock);
  await follower.init();
  const log = new ReplicatedLog(leaderStore, follower, followerStore);
  const leader = new RangeReplica(span, leaderStore, log, clock);
  log.leader = leader;
  const put = (id: string) => ({ tableId: 1, itemKey: key(id), write: { kind: 'put' as const, item: { id: { S: id } } }, returnOldOnFailure: false });
  const txn = (startTs: bigint) => ({ startTs, primary: key('a'), expiresAtMs: Date.now() + 60_000 });

  const first = await clock.now();
  t.ok((await prewriteOnRange(leader, { ...txn(first), actions: [put('a'), put('b')] }, itemOnly)).ok);
  const second = await clock.now();
  t.ok((await prewriteOnRange(leader, { ...txn(second), actions: [put('c')] }, itemOnly)).ok);
  t.same(follower.lockedKeys.map((e) => e.itemKey.toString()).sort(), ['a', 'b', 'c'], 'the follower has the locks');
  await leader.commitTxn({ startTs: first, commitTs: await clock.now(), itemKeys: [key('a'), key('b')], primary: key('a') });
  await leader.rollbackTxn({ startTs: second, itemKeys: [key('c')] });

  t.same(log.commands.map((c) => c.type), ['prewrite', 'prewrite', 'commit', 'rollback']);
  t.same(await dump(followerStore), await dump(leaderStore));
  t.same(follower.lockedKeys, []);
  t.same(leader.lockedKeys, []);
  t.same((await follower.read(key('b'))).item, { id: { S: 'b' } });
});

t.test('a replica refuses a request for keys outside its span', async (t) => {
  const span = { rangeId: 4, start: key('m'), end: key('n'), generation: 1 };
  const store = new MemoryStore();
  const log = new LocalCommandLog({ commit: (batch) => store.write(batch) });
  const replica = new RangeReplica(span, store, log, { now: async () => 1n });
  log.bind(replica);
  await t.rejects(replica.checkTxn({ primary: key('a'), startTs: 1n, rollbackIfExpired: false }), { name: 'RangeMismatchError' });
  await t.rejects(replica.commitTxn({ startTs: 1n, commitTs: 2n, itemKeys: [key('z')] }), { name: 'RangeMismatchError' });
});
