/**
 * The bank property: concurrent transfers between accounts spread over three
 * ranges (two-phase across ranges, one-phase within one), some of whose
 * coordinators "crash" before a commit, and concurrent snapshot readers that
 * sum every balance at one timestamp. Every sum equals the total, and once the
 * crashed transactions' locks expire and readers resolve them, no lock is left
 * and the final sum still holds.
 */
import t from 'tap';
import { TransactionCanceledError } from '../../../engine/errors.js';
import { TxnCoordinator } from '../../../engine/txn/coordinator.js';
import { HookedRanges } from './hooked-ranges.js';
import { add, allLocks, balance, openFixture, put, type TxnFixture } from './txn-fixture.js';

const ACCOUNTS = ['a0', 'a1', 'a2', 'm0', 'm1', 'm2', 'x0', 'x1', 'x2'];
const INITIAL = 100;
const TOTAL = ACCOUNTS.length * INITIAL;
const WORKERS = 6;
const TRANSFERS_PER_WORKER = 25;
const READERS = 3;
const LOCK_TTL_MS = 60;
/** Every so many commit calls, one "crashes" (throws before reaching the range). */
const CRASH_EVERY = 7;

/** mulberry32: a small seeded generator, so a failing seed can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

async function sumAt(fixture: TxnFixture, readTs: bigint): Promise<number> {
  const balances = await Promise.all(ACCOUNTS.map((id) => balance(fixture, id, readTs)));
  return balances.reduce<number>((sum, b) => sum + (b ?? 0), 0);
}

for (const seed of [1, 2, 3]) {
  t.test(`bank transfers across ranges keep the total at every snapshot (seed ${seed})`, async (t) => {
    const fixture = await openFixture(t, { realWallClock: true });
    for (const id of ACCOUNTS) await fixture.ranges.transactOnRange({ actions: [put(id, INITIAL)] });
    const next = random(seed);
    const port = new HookedRanges(fixture.ranges);
    let commitCalls = 0;
    let crashes = 0;
    port.hooks.commit = async () => {
      if (++commitCalls % CRASH_EVERY !== 0) return;
      crashes++;
      throw new Error('coordinator crashed');
    };
    const coordinator = new TxnCoordinator(port, fixture.clock, { lockTtlMs: LOCK_TTL_MS, onAsyncError: () => {} });
    const stats = { committed: 0, canceled: 0, crashed: 0, sums: 0 };
    let done = false;

    const worker = async () => {
      for (let i = 0; i < TRANSFERS_PER_WORKER; i++) {
        const from = ACCOUNTS[Math.floor(next() * ACCOUNTS.length)]!;
        const to = ACCOUNTS.filter((id) => id !== from)[Math.floor(next() * (ACCOUNTS.length - 1))]!;
        const amount = 1 + Math.floor(next() * 60);
        try {
          await coordinator.transactWrite([add(from, -amount, true), add(to, amount)]);
          stats.committed++;
        } catch (error) {
          if (error instanceof TransactionCanceledError) stats.canceled++;
          else if (error instanceof Error && error.message === 'coordinator crashed') stats.crashed++;
          else throw error;
        }
      }
    };
    const reader = async () => {
      while (!done) {
        const readTs = await fixture.clock.now();
        const sum = await sumAt(fixture, readTs);
        if (sum !== TOTAL) t.fail(`sum ${sum} at ${readTs}`);
        stats.sums++;
      }
    };
    const readers = Array.from({ length: READERS }, reader);
    await Promise.all(Array.from({ length: WORKERS }, worker));
    done = true;
    await Promise.all(readers);
    await coordinator.idle();

    t.ok(stats.committed > 0, `committed ${stats.committed}`);
    t.ok(stats.canceled > 0, `canceled ${stats.canceled}`);
    t.ok(stats.sums > 0, `snapshot sums ${stats.sums}`);
    t.ok(crashes > 0, `commits crashed ${crashes} (${stats.crashed} of them a primary's)`);
    // Crashed transactions leave locks until they expire; a read of every account resolves them.
    await new Promise((resolve) => setTimeout(resolve, LOCK_TTL_MS + 10));
    t.equal(await sumAt(fixture, await fixture.clock.now()), TOTAL, 'the final sum');
    t.same(allLocks(fixture), [], 'no lock left');
    for (const id of ACCOUNTS) t.ok((await balance(fixture, id))! >= 0, `${id} never overdrawn`);
  });
}
