import t from 'tap';
import { GroupCommitter, type GroupCommitLimits } from '../../../engine/storage/group-commit.js';
import type { KvRange, KvStore, KvWrite, KvWriteOptions } from '../../../engine/storage/kv-store.js';
import { MemoryStore } from '../../../engine/storage/memory/memory-store.js';
import { CommitOverloadError, CommitterClosedError, CommitterFailedError, InvalidKvKeyError } from '../../../engine/storage/storage-errors.js';

/** A store that records every write call, can hold writes until released, and can fail one. */
class RecordingStore implements KvStore {
  readonly inner = new MemoryStore();
  readonly batches: KvWrite[][] = [];
  readonly syncFlags: Array<boolean | undefined> = [];
  inFlight = 0;
  maxInFlight = 0;
  /** When set, writes wait for `release()`. */
  holding = false;
  /** The write call (0-based) that fails, if any. */
  failAt: number | undefined;
  readonly failure = new Error('disk on fire');
  private held: Array<() => void> = [];

  async get(key: Buffer): Promise<Buffer | undefined> {
    return this.inner.get(key);
  }

  async write(batch: readonly KvWrite[], options?: KvWriteOptions): Promise<void> {
    const index = this.batches.length;
    this.batches.push([...batch]);
    this.syncFlags.push(options?.sync);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.holding) await new Promise<void>((resolve) => this.held.push(resolve));
      else await new Promise((resolve) => setTimeout(resolve, 1)); // a synced write takes time
      if (index === this.failAt) throw this.failure;
      await this.inner.write(batch, options);
    } finally {
      this.inFlight--;
    }
  }

  iterate(range: KvRange): AsyncIterable<[Buffer, Buffer]> {
    return this.inner.iterate(range);
  }

  async close(): Promise<void> {
    await this.inner.close();
  }

  release(): void {
    for (const resolve of this.held.splice(0)) resolve();
  }
}

const key = (i: number): Buffer => Buffer.from(`k${String(i).padStart(5, '0')}`);
const put = (i: number, value = String(i)): KvWrite => ({ type: 'put', key: key(i), value: Buffer.from(value) });
const ticks = (n: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, n));

/** A committer whose first commit (key 0) is in flight and held, so later commits queue behind it. */
async function withHeldWrite(limits: Partial<GroupCommitLimits> = {}) {
  const store = new RecordingStore();
  store.holding = true;
  const committer = new GroupCommitter(store, limits);
  const inFlight = committer.commit([put(0)]);
  await ticks(2);
  return { store, committer, inFlight };
}

/** Releases held writes, one batch at a time, until every promise has settled. */
async function drain(store: RecordingStore, promises: Array<Promise<unknown>>): Promise<void> {
  let settled = false;
  const all = Promise.allSettled(promises).then(() => (settled = true));
  while (!settled) {
    store.release();
    await ticks(2);
  }
  await all;
}

t.test('1000 concurrent commits share far fewer synced writes, one in flight at a time', async (t) => {
  const store = new RecordingStore();
  const committer = new GroupCommitter(store);
  const commits: Array<Promise<void>> = [];
  // Writers arrive in waves across event-loop turns, as requests do.
  for (let wave = 0; wave < 20; wave++) {
    for (let i = 0; i < 50; i++) commits.push(committer.commit([put(wave * 50 + i)]));
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(commits);
  t.ok(store.batches.length <= 20, `${store.batches.length} underlying writes for 1000 commits`);
  t.equal(store.maxInFlight, 1, 'never more than one synced write in flight');
  t.ok(store.syncFlags.every((sync) => sync === true), 'every batch is written with sync: true');
  t.equal(store.batches.flat().length, 1000);
  t.equal(store.inner.size, 1000, 'every write is in the store');
  t.same(committer.stats, { batches: store.batches.length, commits: 1000 });
});

t.test('a commit resolves only once the batch holding it is written', async (t) => {
  const store = new RecordingStore();
  store.holding = true;
  const committer = new GroupCommitter(store);
  let first = false;
  let second = false;
  const a = committer.commit([put(1)]).then(() => (first = true));
  await ticks(2);
  const b = committer.commit([put(2)]).then(() => (second = true));
  await ticks(2);
  t.equal(store.batches.length, 1, 'the second commit waits behind the in-flight write');
  t.notOk(first || second, 'nothing acknowledged before the write returns');
  store.release();
  await a;
  t.notOk(second, 'the queued commit is not acknowledged with the earlier batch');
  await ticks(2);
  store.release();
  await b;
  t.same(store.batches.map((batch) => batch.length), [1, 1]);
});

t.test('one commit is never split across batches, whatever the limits', async (t) => {
  const { store, committer, inFlight } = await withHeldWrite({ maxBatchWrites: 4, maxBatchBytes: 1_000_000 });
  const sizes = [3, 10, 2, 2, 1, 4];
  let next = 1;
  const commits = sizes.map((size) => committer.commit(Array.from({ length: size }, () => put(next++))));
  await drain(store, [inFlight, ...commits]);
  // Each commit's keys appear in exactly one underlying batch, contiguously.
  let first = 1;
  for (const size of sizes) {
    const keys = Array.from({ length: size }, (_, i) => key(first + i).toString());
    const holders = store.batches.filter((batch) => batch.some((w) => keys.includes(w.key.toString())));
    t.equal(holders.length, 1, `commit of ${size} writes is in one batch`);
    const inBatch = (holders[0] ?? []).map((w) => w.key.toString());
    const at = inBatch.indexOf(keys[0] ?? '');
    t.same(inBatch.slice(at, at + size), keys, 'contiguous and in order');
    first += size;
  }
  t.same(store.batches.slice(1).map((b) => b.length), [3, 10, 4, 1, 4], 'greedy grouping within maxBatchWrites');
});

t.test('maxBatchBytes bounds a batch', async (t) => {
  const { store, committer, inFlight } = await withHeldWrite({ maxBatchBytes: 100 });
  // Each write is 6 key bytes + 40 value bytes = 46 bytes: two fit in 100, three do not.
  const commits = [1, 2, 3, 4, 5].map((i) => committer.commit([put(i, 'v'.repeat(40))]));
  await drain(store, [inFlight, ...commits]);
  t.same(store.batches.map((b) => b.length), [1, 2, 2, 1]);
});

t.test('later commits never become visible before earlier ones', async (t) => {
  const store = new RecordingStore();
  const committer = new GroupCommitter(store, { maxBatchWrites: 7 });
  const order: number[] = [];
  const commits = Array.from({ length: 200 }, (_, i) =>
    committer.commit([{ type: 'put', key: Buffer.from('same'), value: Buffer.from(String(i)) }]).then(() => order.push(i)),
  );
  await Promise.all(commits);
  t.same((await store.get(Buffer.from('same')))?.toString(), '199', 'the last commit wins');
  const written = store.batches.flat().map((w) => Number((w as { value: Buffer }).value.toString()));
  t.same(written, Array.from({ length: 200 }, (_, i) => i), 'batches carry commits in arrival order');
  t.same(order, Array.from({ length: 200 }, (_, i) => i), 'acknowledgements come in commit order');
  t.ok(store.batches.length > 1, 'several batches were involved');
});

t.test('a failed batch rejects all its callers and every later commit', async (t) => {
  const { store, committer, inFlight } = await withHeldWrite();
  store.failAt = 1;
  const failing = [committer.commit([put(2)]), committer.commit([put(3)])];
  store.release();
  await inFlight;
  await ticks(2);
  const queued = committer.commit([put(4)]);
  await drain(store, [...failing, queued]);
  for (const commit of failing) await t.rejects(commit, store.failure, 'callers of the failed batch get its error');
  await t.rejects(queued, CommitterFailedError, 'a commit queued behind the failure is refused');
  await t.rejects(committer.commit([put(5)]), CommitterFailedError, 'later commits are refused');
  t.equal(store.batches.length, 2, 'nothing is written after the failure');
  t.same((await store.get(key(0)))?.toString(), '0');
  t.equal(await store.get(key(2)), undefined);
});

t.test('a commit with an invalid key is refused alone and does not poison the committer', async (t) => {
  const store = new RecordingStore();
  const committer = new GroupCommitter(store);
  const good = committer.commit([put(1)]);
  await t.rejects(committer.commit([put(2), { type: 'del', key: Buffer.alloc(0) }]), InvalidKvKeyError);
  await good;
  await committer.commit([put(3)]);
  t.same(store.batches.flat().map((w) => w.key.toString()), [key(1).toString(), key(3).toString()]);
});

t.test('beyond maxQueuedWriters a commit is refused with a throttling error', async (t) => {
  const { store, committer, inFlight } = await withHeldWrite({ maxQueuedWriters: 3 });
  const queued = [1, 2, 3].map((i) => committer.commit([put(i)]));
  t.equal(committer.queuedWriters, 3);
  const refused = committer.commit([put(4)]);
  await t.rejects(refused, CommitOverloadError);
  await t.rejects(refused, { code: 'RequestLimitExceeded' });
  await drain(store, [inFlight, ...queued]);
  t.equal(await store.get(key(4)), undefined, 'the refused commit wrote nothing');
  const after = committer.commit([put(5)]);
  await drain(store, [after]);
  t.same((await store.get(key(5)))?.toString(), '5', 'commits are accepted again once the queue drains');
});

t.test('close waits for accepted commits, then refuses new ones', async (t) => {
  const store = new RecordingStore();
  const committer = new GroupCommitter(store);
  const accepted = [1, 2, 3].map((i) => committer.commit([put(i)]));
  await committer.close();
  t.equal(store.inner.size, 3, 'accepted commits were written before close returned');
  await Promise.all(accepted);
  await t.rejects(committer.commit([put(4)]), CommitterClosedError);
});

t.test('limits must be positive integers', async (t) => {
  t.throws(() => new GroupCommitter(new MemoryStore(), { maxBatchWrites: 0 }), RangeError);
  t.throws(() => new GroupCommitter(new MemoryStore(), { maxQueuedWriters: 1.5 }), RangeError);
});
