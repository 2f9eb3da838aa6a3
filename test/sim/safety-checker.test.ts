/**
 * The oracle must be able to fail: each check is fed a violating history,
 * and the simulator itself is run with a fault Raft does not survive (a crash
 * that wipes the disk) to show that real violations are caught.
 */
import t from 'tap';
import { RaftInvariantError } from '../../consensus/errors.js';
import type { Entry } from '../../consensus/messages.js';
import { optionsForSeed } from './sim-options.js';
import { SafetyChecker, SafetyViolation } from './safety-checker.js';
import { SimCluster } from './sim-cluster.js';

const entry = (term: number, index: number, data: string): Entry => ({
  term,
  index,
  type: 'normal',
  data: new TextEncoder().encode(data),
});

t.test('two leaders in one term', async (tt) => {
  const c = new SafetyChecker();
  c.observeLeader(1, 3);
  c.observeLeader(1, 3);
  c.observeLeader(2, 4);
  tt.throws(() => c.observeLeader(2, 3), { code: 'SafetyViolation' });
});

t.test('a committed index applied with different contents', async (tt) => {
  const c = new SafetyChecker();
  c.observeApply(1, 2, 0, entry(2, 1, 'x'));
  c.observeApply(2, 2, 0, entry(2, 1, 'x'));
  tt.throws(() => c.observeApply(3, 3, 0, entry(3, 1, 'x')), { code: 'SafetyViolation' });
  tt.throws(() => c.observeApply(3, 2, 0, entry(2, 1, 'y')), { code: 'SafetyViolation' });
});

t.test('applying out of order', async (tt) => {
  const c = new SafetyChecker();
  tt.throws(() => c.observeApply(1, 1, 0, entry(1, 2, 'x')), { code: 'SafetyViolation' });
});

t.test('a stale read', async (tt) => {
  const c = new SafetyChecker();
  c.observeWriteAck('k', 7);
  const floor = c.readFloor('k');
  tt.equal(floor, 7);
  c.checkRead(1, 'k', floor, 7, 'safe');
  tt.throws(() => c.checkRead(1, 'k', floor, 5, 'safe'), { code: 'SafetyViolation' });
});

t.test('the simulator catches the violations a disk-wiping crash causes', async (tt) => {
  // The core's own invariant checks often notice first; the oracle must catch some on its own too.
  let caught: SafetyViolation | undefined;
  let invariantFailures = 0;
  for (let seed = 1; seed <= 200 && caught === undefined; seed++) {
    try {
      new SimCluster({ ...optionsForSeed(seed), amnesiaOnCrash: true, crashRate: 0.02 }).run();
    } catch (err) {
      if (err instanceof RaftInvariantError) invariantFailures++;
      else if (err instanceof SafetyViolation) caught = err;
      else throw err;
    }
  }
  tt.ok(caught, `the oracle detected: ${caught?.message} (after ${invariantFailures} seeds stopped by core invariants)`);
});
