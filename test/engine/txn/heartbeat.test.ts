/**
 * Transaction heartbeats: a coordinator renews its primary lock while the
 * transaction is undecided, so a slow coordinator keeps its transaction for
 * as long as it lives, and one that goes quiet is resolved one TTL later.
 * The first two tests run on the real wall clock with a short TTL.
 */
import t from 'tap';
import { TransactionCanceledError } from '../../../engine/errors.js';
import { TxnCoordinator, type TxnPhase } from '../../../engine/txn/coordinator.js';
import { txnHeartbeatKey } from '../../../engine/range/txn-record.js';
import { HookedRanges, gate } from './hooked-ranges.js';
import { add, allLocks, balance, key, openFixture, put, type TxnFixture } from './txn-fixture.js';

const TTL_MS = 300;
const HEARTBEAT_MS = 60;
/** How long the slow coordinator holds its transaction between prewrite and commit: several TTLs. */
const HOLD_MS = 4 * TTL_MS;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function seed(fixture: TxnFixture): Promise<void> {
  for (const id of ['a', 'x']) await fixture.ranges.transactOnRange({ actions: [put(id, 100)] });
}

/** A reader of `id` started now: its answer and when it came, in ms after the start. */
function timedRead(fixture: TxnFixture, id: string): Promise<{ value: number | undefined; afterMs: number }> {
  const started = Date.now();
  return balance(fixture, id).then((value) => ({ value, afterMs: Date.now() - started }));
}

t.test('a slow coordinator that keeps heartbeating is not rolled back by a reader of its secondary', async (t) => {
  const fixture = await openFixture(t, { realWallClock: true });
  await seed(fixture);
  const port = new HookedRanges(fixture.ranges);
  let read: ReturnType<typeof timedRead> | undefined;
  const coordinator = new TxnCoordinator(port, fixture.clock, {
    lockTtlMs: TTL_MS,
    heartbeatIntervalMs: HEARTBEAT_MS,
    onPhase: async (phase: TxnPhase) => {
      if (phase !== 'prewritten') return;
      read = timedRead(fixture, 'x'); // meets the lock on x, whose own expiry is never renewed
      await sleep(HOLD_MS);
    },
  });
  await coordinator.transactWrite([add('a', 1), add('x', 1)]);
  await coordinator.idle();
  const answer = await read!;
  t.equal(answer.value, 100, 'the reader drew its timestamp before the commit: the old balance');
  t.ok(answer.afterMs >= HOLD_MS - 50, `the reader waited for the live transaction (${answer.afterMs} ms)`);
  t.same([await balance(fixture, 'a'), await balance(fixture, 'x')], [101, 101], 'committed, not rolled back');
  const heartbeats = port.calls.filter((call) => call === 'heartbeat').length;
  t.ok(heartbeats >= HOLD_MS / HEARTBEAT_MS / 2, `the primary was renewed while held (${heartbeats} heartbeats)`);
  t.same(allLocks(fixture), []);
});

t.test('a coordinator whose heartbeats stop is resolved one TTL later', async (t) => {
  const fixture = await openFixture(t, { realWallClock: true });
  await seed(fixture);
  const port = new HookedRanges(fixture.ranges);
  port.hooks.heartbeat = async () => {
    throw new Error('the coordinator lost its way to the primary');
  };
  const held = gate();
  const prewritten = gate();
  const heartbeatErrors: unknown[] = [];
  const coordinator = new TxnCoordinator(port, fixture.clock, {
    lockTtlMs: TTL_MS,
    heartbeatIntervalMs: HEARTBEAT_MS,
    onAsyncError: (error) => heartbeatErrors.push(error),
    onPhase: async (phase) => {
      if (phase !== 'prewritten') return;
      prewritten.open();
      await held.opened;
    },
  });
  const txn = coordinator.transactWrite([add('a', 1), add('x', 1)]);
  await prewritten.opened;
  const answer = await timedRead(fixture, 'x');
  t.equal(answer.value, 100, 'rolled back: the old balance');
  t.ok(answer.afterMs >= TTL_MS - 50 && answer.afterMs < TTL_MS + 1_000, `resolved about one TTL after the prewrite (${answer.afterMs} ms)`);
  t.ok(heartbeatErrors.length > 0, 'the heartbeats were tried and failed');
  held.open();
  await t.rejects(txn, TransactionCanceledError, 'the late commit finds the transaction rolled back');
  t.same([await balance(fixture, 'a'), await balance(fixture, 'x')], [100, 100]);
  t.same(allLocks(fixture), []);
});

t.test('a heartbeat extends only a held primary lock, survives a restart, and goes with the decision', async (t) => {
  const fixture = await openFixture(t);
  await seed(fixture);
  const startTs = await fixture.clock.now();
  const txn = { startTs, primary: key('a'), expiresAtMs: fixture.wall.ms + TTL_MS };
  for (const id of ['a', 'x']) t.ok((await fixture.ranges.prewrite({ ...txn, actions: [add(id, 1)] })).ok);
  const renewedMs = fixture.wall.ms + 10 * TTL_MS;
  t.equal(await fixture.ranges.heartbeat({ primary: key('a'), startTs, expiresAtMs: renewedMs }), true, 'the lock is held');
  t.equal(await fixture.ranges.heartbeat({ primary: key('a'), startTs, expiresAtMs: fixture.wall.ms }), true, 'an earlier expiry changes nothing');
  t.equal(await fixture.ranges.heartbeat({ primary: key('a'), startTs: startTs + 1n, expiresAtMs: renewedMs }), false, 'another transaction holds no lock there');

  await fixture.reopen();
  const expiries = (id: string) => fixture.ranges.rangeOf(key(id)).lockedKeys.map((entry) => entry.lock.expiresAtMs);
  t.same(expiries('a'), [renewedMs], 'the renewed expiry is loaded with the lock');
  t.same(expiries('x'), [txn.expiresAtMs], 'a secondary keeps the expiry of its prewrite');

  // Past the secondary's expiry but not the primary's: the reader asks the primary, then waits.
  fixture.wall.ms += 2 * TTL_MS;
  let answered = false;
  const read = balance(fixture, 'x').then((value) => ((answered = true), value));
  await sleep(100);
  t.notOk(answered, 'the transaction is pending at its primary: the reader waits');
  t.same(expiries('x'), [txn.expiresAtMs]);

  const commitTs = await fixture.clock.now();
  await fixture.ranges.commit({ startTs, commitTs, itemKeys: [key('a')], primary: key('a') });
  await fixture.ranges.commit({ startTs, commitTs, itemKeys: [key('x')] });
  t.equal(await read, 100, 'the reader drew its timestamp before the commit');
  t.equal(await balance(fixture, 'x'), 101);
  t.equal(await fixture.ranges.heartbeat({ primary: key('a'), startTs, expiresAtMs: renewedMs + 1 }), false, 'decided: the lock is gone');
  t.equal(await fixture.store.get(txnHeartbeatKey(key('a'), startTs)), undefined, 'the heartbeat record went with the decision');
  t.same(allLocks(fixture), []);
});
