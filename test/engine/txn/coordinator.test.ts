import t, { type Test } from 'tap';
import { TxnCoordinator } from '../../../engine/txn/coordinator.js';
import { TransactionCanceledError } from '../../../engine/errors.js';
import { HookedRanges, gate } from './hooked-ranges.js';
import { add, allLocks, balance, exists, key, openFixture, put, type TxnFixture } from './txn-fixture.js';

/** Accounts a, m, x: one in each of the three ranges. */
async function seed(fixture: TxnFixture, balances: Record<string, number> = { a: 100, m: 100, x: 100 }): Promise<void> {
  for (const [id, value] of Object.entries(balances)) {
    await fixture.ranges.transactOnRange({ actions: [put(id, value)] });
  }
}

async function canceled(t: Test, run: Promise<unknown>): Promise<TransactionCanceledError> {
  try {
    await run;
  } catch (error) {
    t.ok(error instanceof TransactionCanceledError, 'TransactionCanceledError');
    return error as TransactionCanceledError;
  }
  t.fail('the transaction was not canceled');
  throw new Error('not canceled');
}

t.test('a transaction within one range commits in one phase: no prewrite, no lock', async (t) => {
  const fixture = await openFixture(t);
  await seed(fixture);
  const port = new HookedRanges(fixture.ranges);
  const coordinator = new TxnCoordinator(port, fixture.clock);
  const { outcomes } = await coordinator.transactWrite([add('a', -10), put('b', 5)]);
  t.same(port.calls, ['transactOnRange']);
  t.equal(outcomes.length, 2);
  t.equal(await balance(fixture, 'a'), 90);
  t.equal(await balance(fixture, 'b'), 5);
});

t.test('a transaction across ranges is all-or-nothing at every read timestamp', async (t) => {
  const fixture = await openFixture(t);
  await seed(fixture);
  const port = new HookedRanges(fixture.ranges);
  const coordinator = new TxnCoordinator(port, fixture.clock);
  const before = fixture.clock.last;
  const { outcomes } = await coordinator.transactWrite([add('a', -30), add('m', 10), add('x', 20)]);
  await coordinator.idle();
  t.same(port.calls.slice(0, 3), ['prewrite', 'prewrite', 'prewrite']);
  t.same(port.calls.slice(3).sort(), ['commit', 'commit', 'commit-primary']);
  t.same(outcomes.map((o) => o.new?.bal), [{ N: '70' }, { N: '110' }, { N: '120' }], 'outcomes in request order');
  const after = fixture.clock.last;
  let sawOld = false;
  let sawNew = false;
  for (let ts = before; ts <= after + 1n; ts++) {
    const seen = [await balance(fixture, 'a', ts), await balance(fixture, 'm', ts), await balance(fixture, 'x', ts)];
    const old = seen.every((b) => b === 100);
    const committed = seen[0] === 70 && seen[1] === 110 && seen[2] === 120;
    t.ok(old || committed, `all or nothing at ${ts}: ${seen.join(',')}`);
    sawOld ||= old;
    sawNew ||= committed;
  }
  t.ok(sawOld && sawNew, 'both states were read');
  t.same(allLocks(fixture), []);
});

t.test('a failed condition cancels with one reason per action in request order, writing nothing', async (t) => {
  const fixture = await openFixture(t);
  await seed(fixture);
  const coordinator = fixture.coordinator();
  const error = await canceled(t, coordinator.transactWrite([add('a', 10), add('m', -500, true), add('x', 1), exists('b')]));
  t.same(
    error.reasons.map((r) => r.Code),
    ['None', 'ConditionalCheckFailed', 'None', 'ConditionalCheckFailed'],
  );
  t.same(error.reasons[1]?.Item, { id: { S: 'm' }, bal: { N: '100' } }, 'ALL_OLD item in the reason');
  t.same([await balance(fixture, 'a'), await balance(fixture, 'm'), await balance(fixture, 'x')], [100, 100, 100]);
  t.same(allLocks(fixture), [], 'every prewritten range was rolled back');
});

t.test('two concurrent transactions on one key: one wins, the other gets TransactionConflict', async (t) => {
  const fixture = await openFixture(t);
  await seed(fixture);
  const port = new HookedRanges(fixture.ranges);
  const held = gate();
  const prewritten = gate();
  port.hooks.commit = async (request) => {
    if (request.primary !== undefined && request.primary.equals(key('a'))) {
      prewritten.open();
      await held.opened;
    }
  };
  const first = new TxnCoordinator(port, fixture.clock).transactWrite([add('a', -10), add('m', 10)]);
  await prewritten.opened; // the first holds its locks
  const error = await canceled(t, fixture.coordinator().transactWrite([add('x', -5), add('m', 5)]));
  t.same(error.reasons, [{ Code: 'None' }, { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }]);
  held.open();
  await first;
  t.same([await balance(fixture, 'a'), await balance(fixture, 'm'), await balance(fixture, 'x')], [90, 110, 100]);
});

t.test('a single-item write on a key locked by a live transaction fails with TransactionConflict', async (t) => {
  const fixture = await openFixture(t);
  await seed(fixture);
  const startTs = await fixture.clock.now();
  const prewrite = await fixture.ranges.prewrite({ startTs, primary: key('a'), expiresAtMs: fixture.wall.ms + 3000, actions: [add('m', 1)] });
  t.ok(prewrite.ok);
  await t.rejects(
    fixture.ranges.rangeOf(key('m')).write([key('m')], () => ({ mutations: [], result: undefined })),
    { name: 'LockConflictError', code: 'TransactionConflictException', message: 'Transaction is ongoing for the item' },
  );
  const error = await canceled(t, fixture.ranges.transactOnRange({ actions: [add('n', 1), add('m', 1)] }));
  t.same(error.reasons.map((r) => r.Code), ['None', 'TransactionConflict'], 'a one-range transaction reports the locked action');
});

t.test('when the primary commit finds the transaction rolled back, the client gets TransactionCanceled', async (t) => {
  const fixture = await openFixture(t);
  await seed(fixture);
  const port = new HookedRanges(fixture.ranges);
  port.hooks.commit = async (request) => {
    if (request.primary === undefined) return;
    // Before the decision lands, the locks expire and a reader resolves them.
    fixture.wall.ms += 10_000;
    t.equal(await balance(fixture, 'a'), 100);
  };
  const error = await canceled(t, new TxnCoordinator(port, fixture.clock, { nowMs: () => fixture.wall.ms }).transactWrite([add('a', 1), add('x', 1)]));
  t.same(error.reasons.map((r) => r.Code), ['TransactionConflict', 'TransactionConflict']);
  t.same([await balance(fixture, 'a'), await balance(fixture, 'x')], [100, 100]);
  t.same(allLocks(fixture), []);
});
