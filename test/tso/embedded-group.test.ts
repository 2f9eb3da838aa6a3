/**
 * The TSO group with one replica (embedded mode) in process, over the
 * in-memory store: timestamps are unique and strictly increasing through a
 * clock that jumps backwards and through a restart over the same store, and
 * the client batches concurrent callers into one request in flight.
 */
import t from 'tap';
import { MemoryStore } from '../../engine/storage/memory/memory-store.js';
import type { Clock } from '../../tso/allocator.js';
import { TsoDeadlineError, TsoOverloadedError } from '../../tso/errors.js';
import { startTsoGroup } from '../../tso/tso-group.js';
import { physicalMs } from '../../tso/timestamp.js';

const TICK_MS = 5;

class ManualClock implements Clock {
  constructor(public ms: number) {}
  nowMs(): number {
    return this.ms;
  }
}

t.test('embedded: monotonic through a clock jumping backwards and a restart', async (t) => {
  const kv = new MemoryStore();
  const clock = new ManualClock(10_000_000);
  let group = await startTsoGroup({ nodeId: 1, kv, clock, tickMs: TICK_MS, sync: false });
  let client = group.localClient();
  const seen: bigint[] = [];
  const take = async (n: number) => {
    for (let i = 0; i < n; i++) seen.push(await client.now());
  };
  await take(50);
  t.equal(physicalMs(seen[0]!), 10_000_000n, 'follows the clock');
  clock.ms = 9_000_000; // a second backwards
  await take(50);
  clock.ms = 1; // to the epoch
  await take(50);
  const beforeRestart = seen[seen.length - 1]!;
  client.close();
  await group.close();
  group = await startTsoGroup({ nodeId: 1, kv, clock, tickMs: TICK_MS, sync: false });
  client = group.localClient();
  await take(50);
  t.ok(seen[150]! > beforeRestart, 'after restart, above everything handed out before');
  for (let i = 1; i < seen.length; i++) {
    if (!(seen[i]! > seen[i - 1]!)) {
      t.fail(`timestamp ${i} (${seen[i]}) not above ${seen[i - 1]}`);
      break;
    }
  }
  t.equal(new Set(seen).size, seen.length, 'all unique');
  client.close();
  await group.close();
});

t.test('client: one request in flight serves every queued caller; bounded queue; deadline', async (t) => {
  const group = await startTsoGroup({ nodeId: 1, kv: new MemoryStore(), tickMs: TICK_MS, sync: false });
  const client = group.localClient({ maxQueuedCallers: 300 });
  await client.now(); // warm up: leader elected, ceiling persisted
  const before = client.stats.requests;
  const results = await Promise.all(Array.from({ length: 300 }, () => client.now()));
  t.equal(new Set(results).size, 300, 'unique');
  for (let i = 1; i < results.length; i++) t.ok(results[i]! > results[i - 1]!, `caller ${i} after caller ${i - 1}`);
  t.ok(client.stats.requests - before <= 3, `300 callers took ${client.stats.requests - before} requests`);

  const over = Array.from({ length: 350 }, () => client.now().catch((e: unknown) => e));
  const outcomes = await Promise.all(over);
  t.ok(outcomes.some((o) => o instanceof TsoOverloadedError), 'callers beyond the queue bound are refused');
  client.close();

  const unbatched = group.localClient({ batching: false });
  const b0 = unbatched.stats.requests;
  await Promise.all(Array.from({ length: 20 }, () => unbatched.now()));
  t.equal(unbatched.stats.requests - b0, 20, 'without batching: one request per caller');
  unbatched.close();
  await group.close();

  // A group that never becomes leader: the caller's deadline fires.
  const lonely = await startTsoGroup({
    nodeId: 1,
    peers: new Map([[1, { host: '127.0.0.1', port: 0 }], [2, { host: '127.0.0.1', port: 1 }], [3, { host: '127.0.0.1', port: 1 }]]),
    kv: new MemoryStore(),
    tickMs: TICK_MS,
    sync: false,
  });
  const stuck = lonely.localClient({ callDeadlineMs: 100 });
  t.ok((await stuck.now().catch((e: unknown) => e)) instanceof TsoDeadlineError, 'deadline error');
  // One timer serves every caller's deadline: those in the request in flight and those queued behind it, staggered.
  const t0 = Date.now();
  const staggered = await Promise.all(
    Array.from({ length: 20 }, (_, i) => new Promise((r) => setTimeout(r, i * 10)).then(() => stuck.now().then(() => undefined, (e: unknown) => [e, Date.now() - t0 - i * 10] as const))),
  );
  t.ok(staggered.every((o) => o !== undefined && o[0] instanceof TsoDeadlineError), 'every waiting caller gets its deadline error');
  const waited = staggered.map((o) => o![1]);
  t.ok(Math.min(...waited) >= 95 && Math.max(...waited) < 1_000, `each after its own deadline (${Math.min(...waited)}-${Math.max(...waited)} ms)`);
  t.equal(stuck.stats.expired, 21, 'counted');
  stuck.close();
  await lonely.close();
});
