/**
 * A real three-process TSO group on 127.0.0.1 (RocksDB, TCP), three TsoClients
 * with concurrent callers in this process, and the TSO leader killed with
 * SIGKILL and restarted a few times while they run. Every timestamp handed
 * out is checked: unique, increasing per client in response order, and
 * larger than every timestamp received before its call began.
 */
import t from 'tap';
import { TsoTestCluster, sleep } from './cluster/tso-test-cluster.js';

const CLIENTS = 3;
const CALLERS_PER_CLIENT = 8;
const KILLS = 3;
/** How long the clients run between a restart and the next kill. */
const RUN_BETWEEN_KILLS_MS = 1_200;
const DOWN_MS = 300;

t.test('TSO group of three processes: SIGKILL of the leader, repeatedly', async (tt) => {
  const cluster = await TsoTestCluster.create();
  tt.teardown(() => cluster.destroy());
  await Promise.all(cluster.members.map((m) => m.start()));
  const history = cluster.history;
  cluster.startCallers(Array.from({ length: CLIENTS }, () => cluster.client()), CALLERS_PER_CLIENT);

  const killed: number[] = [];
  const countsAfterRestart: number[] = [];
  for (let i = 0; i < KILLS; i++) {
    await sleep(RUN_BETWEEN_KILLS_MS);
    const t0 = Date.now();
    const leader = await cluster.findServingLeader();
    const t1 = Date.now();
    await leader.kill();
    killed.push(leader.id);
    await sleep(DOWN_MS);
    await leader.start();
    tt.comment(`round ${i}: leader ${leader.id} found in ${t1 - t0} ms, killed, back after ${Date.now() - t1} ms`);
    countsAfterRestart.push(history.calls.length);
  }
  await cluster.findServingLeader();
  await sleep(RUN_BETWEEN_KILLS_MS);
  await cluster.stopCallers();

  tt.comment(`killed leaders ${killed.join(', ')}; ${history.calls.length} timestamps, ${cluster.failures} failed calls`);
  tt.equal(killed.length, KILLS, 'the leader was killed each round');
  tt.ok(history.calls.length - countsAfterRestart[KILLS - 1]! > 0, 'timestamps were served after the last restart');
  tt.ok(history.calls.length > 1000, 'a substantial history was checked');
  tt.doesNotThrow(() => history.check(), 'unique, per-client increasing, real-time ordered');
});
