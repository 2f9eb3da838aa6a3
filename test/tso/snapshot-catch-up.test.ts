/**
 * Log compaction of the TSO group across real processes (RocksDB, TCP): a
 * follower is SIGKILLed, the others keep renewing ceilings and compacting
 * their logs beyond its last entry, so on restart it can only catch up by
 * the leader's snapshot. (The leader is restarted meanwhile: its transport
 * holds the appends it sent to the dead follower, up to the in-flight
 * window, and would deliver them on reconnect; a new process has none.)
 * Then the leader is SIGKILLed and the caught-up follower leads (with the
 * third replica as its majority). Its clock runs
 * 5 s behind the others, so if its state (the highest committed ceiling)
 * had not come through the snapshot it would hand out timestamps below the
 * ones already handed out; every timestamp is checked.
 */
import t from 'tap';
import type { TsoNodeOptions, TsoNodeStatus } from './cluster/tso-node-process.js';
import { TsoTestCluster, sleep } from './cluster/tso-test-cluster.js';

/** Renew often (a ceiling entry every ~50 ms under load) and snapshot after every applied entry, keeping no tail. */
const OPTIONS: TsoNodeOptions = { windowMs: 100, renewAheadMs: 50, snapshotIntervalEntries: 1, keepEntries: 0 };
const FOLLOWER_CLOCK_OFFSET_MS = -5_000;
const CALLERS = 4;
const RUN_MS = 600;
const DOWN_MS = 1_000;

t.test('a follower behind the compacted log catches up by snapshot and then leads without going back', async (tt) => {
  const cluster = await TsoTestCluster.create();
  tt.teardown(() => cluster.destroy());
  await Promise.all(cluster.members.map((m) => m.start(OPTIONS)));
  const client = cluster.client();
  cluster.startCallers([client], CALLERS);

  const first = await cluster.findServingLeader();
  const follower = cluster.members.find((m) => m !== first)!;
  await sleep(RUN_MS);
  const before = (await follower.status())!;
  tt.ok(before !== undefined, 'the follower answers before it is killed');
  await follower.kill();
  await sleep(DOWN_MS);
  await cluster.stopCallers();
  await first.kill();
  await first.start(OPTIONS);
  const leader = await cluster.findServingLeader();
  cluster.startCallers([client], CALLERS);
  await sleep(RUN_MS);
  await cluster.stopCallers();

  const leaderStatus = (await leader.status())!;
  tt.ok(leaderStatus.snapshots > 0, `the leader took ${leaderStatus.snapshots} snapshots`);
  tt.ok(
    leaderStatus.firstIndex > before.lastIndex + 1,
    `the leader's log starts at ${leaderStatus.firstIndex}, beyond the follower's last entry ${before.lastIndex}`,
  );
  const inMemory = leaderStatus.lastIndex - leaderStatus.firstIndex + 1;
  tt.ok(inMemory <= 2, `the leader keeps ${inMemory} entries in memory`);

  await follower.start({ ...OPTIONS, clockOffsetMs: FOLLOWER_CLOCK_OFFSET_MS });
  const caughtUp = await cluster.waitFor('the restarted follower to catch up', async () => {
    const [f, l] = [await follower.status(), await leader.status()];
    if (f === undefined || l === undefined) return undefined;
    return f.applied >= l.applied && f.ceiling === l.ceiling ? f : undefined;
  });
  tt.ok(caughtUp.snapshotsRestored >= 2, `the follower restored its own snapshot at start, then the leader's (${caughtUp.snapshotsRestored} restores)`);
  tt.ok(caughtUp.snapshotIndex > before.lastIndex, `its snapshot (${caughtUp.snapshotIndex}) is beyond its old log (${before.lastIndex})`);
  tt.equal(caughtUp.ceiling, leaderStatus.ceiling, 'the snapshot carried the highest committed ceiling');

  const handedOut = cluster.history.calls.length;
  const highest = cluster.history.calls.reduce((m, c) => (c.ts > m ? c.ts : m), -1n);
  const third = cluster.members.find((m) => m !== leader && m !== follower)!;
  await leader.kill();
  // Whoever wins the election, leadership ends with the caught-up follower (the third replica hands it over).
  const serving = await cluster.waitFor<TsoNodeStatus>('the caught-up follower to lead', async () => {
    const f = await follower.status();
    if (f?.role === 'leader' && f.serving) return f;
    const other = await third.status();
    if (other?.role === 'leader') await third.status(follower.id);
    return undefined;
  });
  tt.ok(serving.term > leaderStatus.term, `the follower leads in term ${serving.term}`);

  cluster.startCallers([client], CALLERS);
  await sleep(RUN_MS);
  await cluster.stopCallers();
  const after = cluster.history.calls.slice(handedOut);
  const lowest = after.reduce((m, c) => (c.ts < m ? c.ts : m), after[0]?.ts ?? -1n);
  tt.ok(after.length > 0, `${after.length} timestamps after the leader change`);
  tt.ok((await follower.status())!.ranges > 0, 'the caught-up follower served them');
  tt.ok(lowest > highest, `the lowest after the change (${lowest}) is above the highest before it (${highest})`);
  tt.doesNotThrow(() => cluster.history.check(), 'unique, per-client increasing, real-time ordered');
});
