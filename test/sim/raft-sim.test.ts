/**
 * Deterministic simulation of Raft clusters under faults: thousands of seeds,
 * each a full cluster history with message loss, delay, reordering,
 * duplication, partitions, crashes that lose unsynced state, restarts,
 * compaction and snapshots, client writes and linearizable reads. The oracle
 * (SafetyChecker) stops a seed at its first violation.
 *
 *   SIM_SEEDS=n   how many seeds (CI default below: about 30-60 s on 2 shared cores)
 *   SIM_SEED=s    run only seed s (replay a failure)
 *   SIM_START=s   first seed (default 1)
 * Longer soak, e.g. overnight:
 *   SIM_SEEDS=200000 SIM_START=1000000 npx tap --timeout=0 dist/test/sim/raft-sim.test.js
 */
import t from 'tap';
import { SimCluster } from './sim-cluster.js';
import { optionsForSeed } from './sim-options.js';

const CI_DEFAULT_SEEDS = 3000;

function envInt(name: string): number | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : Number(v);
}

const only = envInt('SIM_SEED');
const start = only ?? envInt('SIM_START') ?? 1;
const count = only !== undefined ? 1 : envInt('SIM_SEEDS') ?? CI_DEFAULT_SEEDS;

t.test(`raft simulation, seeds ${start}..${start + count - 1}`, async (tt) => {
  const totals = { committed: 0, reads: 0, crashes: 0, partitions: 0, confChanges: 0 };
  for (let seed = start; seed < start + count; seed++) {
    try {
      const stats = new SimCluster(optionsForSeed(seed)).run();
      totals.committed += stats.committed;
      totals.reads += stats.readsChecked;
      totals.crashes += stats.crashes;
      totals.partitions += stats.partitions;
      totals.confChanges += stats.confChangesApplied;
    } catch (err) {
      tt.fail(`seed ${seed} failed: ${(err as Error).message}\n  replay: SIM_SEED=${seed} npx tap dist/test/sim/raft-sim.test.js`, {
        stack: (err as Error).stack,
      });
      return;
    }
  }
  tt.pass(`${count} seeds: ${totals.committed} committed entries, ${totals.reads} reads checked, ${totals.crashes} crashes, ${totals.partitions} partitions, ${totals.confChanges} membership changes (seen at node 1)`);
  // The checks must have had something to check.
  tt.ok(totals.committed > count * 10, 'entries were committed');
  tt.ok(totals.reads > count, 'reads were checked');
});
