import t from 'tap';
import { TransactionRolledBackError } from '../../../engine/errors.js';
import type { MutationsOf } from '../../../engine/txn/transact-write.js';
import { HookedRanges } from './hooked-ranges.js';
import { TxnCoordinator } from '../../../engine/txn/coordinator.js';
import { add, allLocks, balance, itemOnly, key, openFixture, put, type TxnFixture } from './txn-fixture.js';

const TTL_MS = 3_000;

/** Seeds a=100 (range 1) and x=100 (range 3), then prewrites a += 1, x += 1 with primary a, as a coordinator that then crashes. */
async function crashedAfterPrewrite(fixture: TxnFixture): Promise<bigint> {
  await fixture.ranges.transactOnRange({ actions: [put('a', 100)] });
  await fixture.ranges.transactOnRange({ actions: [put('x', 100)] });
  const startTs = await fixture.clock.now();
  const txn = { startTs, primary: key('a'), expiresAtMs: fixture.wall.ms + TTL_MS };
  const results = await Promise.all([fixture.ranges.prewrite({ ...txn, actions: [add('a', 1)] }), fixture.ranges.prewrite({ ...txn, actions: [add('x', 1)] })]);
  if (!results.every((r) => r.ok)) throw new Error('prewrite failed');
  return startTs;
}

t.test('a reader waits for a live lock, then resolves it once expired: rolled back when the primary never committed', async (t) => {
  const fixture = await openFixture(t);
  const startTs = await crashedAfterPrewrite(fixture);
  t.same(allLocks(fixture).sort(), ['a', 'x']);
  let answered = false;
  const read = balance(fixture, 'x').then((value) => {
    answered = true;
    return value;
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.notOk(answered, 'the reader waits while the lock is live');
  fixture.wall.ms += TTL_MS;
  t.equal(await read, 100, 'rolled back: the old balance');
  t.same(allLocks(fixture), [], 'the primary and the secondary lock are gone');
  t.same(await fixture.ranges.checkTxn({ primary: key('a'), startTs, rollbackIfExpired: false }), { status: 'rolled-back' });
  t.equal(await balance(fixture, 'a'), 100);
  t.same(fixture.txnStats.lockResolutions, { 'rolled-forward': 0, 'rolled-back': 1 }, 'the resolver counted one lock rolled back');
});

t.test('a reader rolls forward a transaction whose primary committed but whose secondaries did not', async (t) => {
  const fixture = await openFixture(t);
  const startTs = await crashedAfterPrewrite(fixture);
  const commitTs = await fixture.clock.now();
  await fixture.ranges.commit({ startTs, commitTs, itemKeys: [key('a')], primary: key('a') });
  t.same(allLocks(fixture), ['x'], 'the secondary is still locked');
  fixture.wall.ms += TTL_MS;
  t.equal(await balance(fixture, 'x', commitTs - 1n), 100, 'below commitTs the old version');
  t.same(allLocks(fixture), [], 'resolved by the read below commitTs, since startTs <= readTs');
  t.same(fixture.txnStats.lockResolutions, { 'rolled-forward': 1, 'rolled-back': 0 }, 'the resolver counted one lock rolled forward');
  t.equal(await balance(fixture, 'x', commitTs), 101, 'rolled forward at the primary commitTs');
  t.equal(await balance(fixture, 'a', commitTs), 101);
});

t.test('a reader below the start timestamp ignores the lock', async (t) => {
  const fixture = await openFixture(t);
  const before = fixture.clock.last;
  const startTs = await crashedAfterPrewrite(fixture);
  t.ok(before + 2n < startTs);
  t.equal(await balance(fixture, 'x', startTs - 1n), 100, 'answered at once though the lock is live');
  t.same(allLocks(fixture).sort(), ['a', 'x']);
  t.same(fixture.txnStats.lockResolutions, { 'rolled-forward': 0, 'rolled-back': 0 }, 'nothing resolved, nothing counted');
});

t.test('a scan resolves the locks in its span', async (t) => {
  const fixture = await openFixture(t);
  await crashedAfterPrewrite(fixture);
  fixture.wall.ms += TTL_MS;
  const replica = fixture.ranges.rangeOf(key('x'));
  const readTs = await fixture.clock.now();
  const seen = [];
  for await (const visible of replica.scan(key('p'), key('z'), readTs)) seen.push(visible.item.bal);
  t.same(seen, [{ N: '100' }]);
  t.same(allLocks(fixture), []);
});

t.test('a late commit or prewrite after a resolver rolled the transaction back fails', async (t) => {
  const fixture = await openFixture(t);
  const startTs = await crashedAfterPrewrite(fixture);
  fixture.wall.ms += TTL_MS;
  t.equal(await balance(fixture, 'x'), 100);
  const commitTs = await fixture.clock.now();
  await t.rejects(fixture.ranges.commit({ startTs, commitTs, itemKeys: [key('a')], primary: key('a') }), TransactionRolledBackError);
  const late = await fixture.ranges.prewrite({ startTs, primary: key('a'), expiresAtMs: fixture.wall.ms + TTL_MS, actions: [add('a', 1)] });
  t.same(late, { ok: false, reasons: [{ Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }] });
  t.same(allLocks(fixture), []);
  t.equal(await balance(fixture, 'a'), 100);
});

t.test('checkTxn on a primary that was never prewritten records the rollback, so its prewrite fails later', async (t) => {
  const fixture = await openFixture(t);
  const startTs = await fixture.clock.now();
  t.same(await fixture.ranges.checkTxn({ primary: key('b'), startTs, rollbackIfExpired: true }), { status: 'rolled-back' });
  const late = await fixture.ranges.prewrite({ startTs, primary: key('b'), expiresAtMs: fixture.wall.ms + TTL_MS, actions: [put('b', 1)] });
  t.equal(late.ok, false);
  t.same(allLocks(fixture), []);
});

t.test('commit and rollback are idempotent; a retried primary commit is a no-op success', async (t) => {
  const fixture = await openFixture(t);
  const startTs = await crashedAfterPrewrite(fixture);
  const commitTs = await fixture.clock.now();
  const primaryCommit = { startTs, commitTs, itemKeys: [key('a')], primary: key('a') };
  await fixture.ranges.commit(primaryCommit);
  await fixture.ranges.commit(primaryCommit);
  await fixture.ranges.commit({ startTs, commitTs, itemKeys: [key('x')] });
  await fixture.ranges.commit({ startTs, commitTs, itemKeys: [key('x')] });
  await fixture.ranges.rollback({ startTs, itemKeys: [key('x')] });
  t.same([await balance(fixture, 'a'), await balance(fixture, 'x')], [101, 101]);
  t.same(await fixture.ranges.checkTxn({ primary: key('a'), startTs, rollbackIfExpired: true }), { status: 'committed', commitTs });
});

t.test('the lock table is rebuilt from disk when the replicas are reopened', async (t) => {
  const fixture = await openFixture(t);
  const startTs = await crashedAfterPrewrite(fixture);
  await fixture.reopen();
  t.same(allLocks(fixture).sort(), ['a', 'x'], 'locks loaded from the store');
  const lock = fixture.ranges.rangeOf(key('x')).lockedKeys[0]!.lock;
  t.equal(lock.startTs, startTs);
  t.same(lock.primary, key('a'));
  t.same(lock.mutations, [{ itemKey: key('x'), item: { id: { S: 'x' }, bal: { N: '101' } } }]);
  await t.rejects(fixture.ranges.rangeOf(key('x')).write([key('x')], () => ({ mutations: [], result: 0 })), { code: 'TransactionConflictException' });
  const commitTs = await fixture.clock.now();
  await fixture.ranges.commit({ startTs, commitTs, itemKeys: [key('a')], primary: key('a') });
  await fixture.ranges.commit({ startTs, commitTs, itemKeys: [key('x')] });
  t.same([await balance(fixture, 'a'), await balance(fixture, 'x')], [101, 101]);
  await fixture.reopen();
  t.same(allLocks(fixture), [], 'no lock comes back after the commit');
});

t.test('a one-phase write resolves an expired lock and goes on', async (t) => {
  const fixture = await openFixture(t);
  await crashedAfterPrewrite(fixture);
  fixture.wall.ms += TTL_MS;
  await fixture.ranges.transactOnRange({ actions: [add('x', 5)] });
  t.equal(await balance(fixture, 'x'), 105);
  t.same(allLocks(fixture), []);
});

t.test('a prewrite resolves expired locks of another transaction first', async (t) => {
  const fixture = await openFixture(t);
  await crashedAfterPrewrite(fixture);
  fixture.wall.ms += TTL_MS;
  await fixture.coordinator().transactWrite([add('x', 7), add('a', 7)]);
  t.same([await balance(fixture, 'a'), await balance(fixture, 'x')], [107, 107]);
});

t.test('index entries in the range are locked too, and committed with their item', async (t) => {
  // The "index" of item k is the entry k + '#', in the same range.
  const withIndex: MutationsOf = (tableId, itemKey, outcome) => [
    ...itemOnly(tableId, itemKey, outcome),
    ...(outcome.writes ? [{ itemKey: Buffer.concat([itemKey, Buffer.from('#')]), item: outcome.new }] : []),
  ];
  const fixture = await openFixture(t, { mutationsOf: withIndex });
  const port = new HookedRanges(fixture.ranges);
  port.hooks.commit = async (request) => {
    if (request.primary === undefined) throw new Error('crash before the secondary commit');
  };
  const errors: unknown[] = [];
  const coordinator = new TxnCoordinator(port, fixture.clock, { lockTtlMs: TTL_MS, nowMs: () => fixture.wall.ms, onAsyncError: (e) => errors.push(e) });
  await coordinator.transactWrite([put('a', 1), put('x', 2)]);
  await coordinator.idle();
  t.equal(errors.length, 1);
  t.same(allLocks(fixture).sort(), ['x', 'x#'], 'the secondary item and its entry stay locked');
  fixture.wall.ms += TTL_MS;
  const replica = fixture.ranges.rangeOf(key('x'));
  const readTs = await fixture.clock.now();
  const seen = [];
  for await (const visible of replica.scan(key('x#'), key('x$'), readTs)) seen.push(visible.itemKey.toString());
  t.same(seen, ['x#'], 'the scan of the entry resolved it forward');
  t.same(allLocks(fixture), ['x'], 'the item lock is its own');
  t.equal(await balance(fixture, 'x'), 2);
  t.same(allLocks(fixture), []);
});
