import t from 'tap';
import { TimestampAllocator, type CeilingStore, type Clock } from '../../tso/allocator.js';
import { composeTimestamp, LOGICAL_MAX, physicalMs } from '../../tso/timestamp.js';

class MemoryCeiling implements CeilingStore {
  value: bigint | undefined;
  persists = 0;
  async load() {
    return this.value;
  }
  async persist(ceiling: bigint) {
    this.persists++;
    this.value = ceiling;
  }
}

class ManualClock implements Clock {
  constructor(public ms: number) {}
  nowMs() {
    return this.ms;
  }
}

t.test('timestamps are strictly increasing and follow the clock', async (t) => {
  const clock = new ManualClock(1_000_000);
  const allocator = new TimestampAllocator(new MemoryCeiling(), clock);
  await allocator.start();
  const a = await allocator.next();
  const b = await allocator.next();
  t.ok(b > a);
  t.equal(physicalMs(a), 1_000_000n);
  clock.ms += 5;
  const c = await allocator.next();
  t.equal(c, composeTimestamp(1_000_005, 0));
});

t.test('a clock that jumps backwards never yields a smaller timestamp', async (t) => {
  const clock = new ManualClock(5_000_000);
  const allocator = new TimestampAllocator(new MemoryCeiling(), clock);
  await allocator.start();
  let last = await allocator.next();
  for (const ms of [4_000_000, 5_000_000, 1, 5_000_001, 4_999_999]) {
    clock.ms = ms;
    const next = await allocator.next();
    t.ok(next > last, `after clock moved to ${ms}`);
    last = next;
  }
});

t.test('a restart resumes strictly above every timestamp handed out', async (t) => {
  const ceiling = new MemoryCeiling();
  const clock = new ManualClock(2_000_000);
  const first = new TimestampAllocator(ceiling, clock);
  await first.start();
  let issued = 0n;
  for (let i = 0; i < 100; i++) issued = await first.next();
  clock.ms = 1_000_000; // the restarted process has a clock far behind
  const second = new TimestampAllocator(ceiling, clock);
  await second.start();
  t.ok((await second.next()) > issued);
});

t.test('ranges carry from the logical counter into the physical part', async (t) => {
  const clock = new ManualClock(3_000_000);
  const allocator = new TimestampAllocator(new MemoryCeiling(), clock, { maxBatch: Number(LOGICAL_MAX) + 10 });
  await allocator.start();
  const range = await allocator.allocate(Number(LOGICAL_MAX) + 5);
  const last = range.first + BigInt(range.count) - 1n;
  t.equal(physicalMs(last), 3_000_001n);
  t.ok((await allocator.next()) > last);
});

t.test('the ceiling is persisted before timestamps under it are handed out', async (t) => {
  const ceiling = new MemoryCeiling();
  const clock = new ManualClock(10_000_000);
  const allocator = new TimestampAllocator(ceiling, clock, { windowMs: 100, renewAheadMs: 10 });
  await allocator.start();
  for (let i = 0; i < 50; i++) {
    clock.ms += 7;
    const ts = await allocator.next();
    t.ok(ceiling.value !== undefined && ts <= ceiling.value, 'issued below the persisted ceiling');
  }
  t.ok(ceiling.persists > 1, 'the ceiling was renewed');
  t.ok(ceiling.persists < 50, 'not once per timestamp');
});

t.test('rejects bad counts and use before start', async (t) => {
  const allocator = new TimestampAllocator(new MemoryCeiling(), new ManualClock(1));
  await t.rejects(allocator.next(), { name: 'AllocatorNotStartedError' });
  await allocator.start();
  await t.rejects(allocator.allocate(0), { name: 'AllocatorRangeError' });
  await t.rejects(allocator.allocate(1.5), { name: 'AllocatorRangeError' });
});
