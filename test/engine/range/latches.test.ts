import t from 'tap';
import { LatchManager, LatchOverloadError } from '../../../engine/range/latches.js';

const key = (s: string) => Buffer.from(s);
const tick = () => new Promise((resolve) => setImmediate(resolve));

t.test('writers on one key run one at a time, in arrival order', async (t) => {
  const latches = new LatchManager();
  const order: string[] = [];
  let inside = 0;
  const run = async (name: string) => {
    const release = await latches.acquire([key('k')]);
    inside++;
    t.equal(inside, 1, `${name} alone inside`);
    order.push(name);
    await tick();
    inside--;
    release();
  };
  await Promise.all(['a', 'b', 'c', 'd'].map(run));
  t.same(order, ['a', 'b', 'c', 'd']);
  t.equal(latches.pending, 0);
});

t.test('writers on different keys do not wait for each other', async (t) => {
  const latches = new LatchManager();
  const releaseA = await latches.acquire([key('a')]);
  const releaseB = await latches.acquire([key('b')]);
  t.equal(latches.pending, 2);
  releaseA();
  releaseB();
  t.equal(latches.pending, 0);
});

t.test('multi-key requests in opposite orders cannot deadlock', async (t) => {
  const latches = new LatchManager();
  let done = 0;
  const work = async (keys: string[]) => {
    const release = await latches.acquire(keys.map(key));
    await tick();
    release();
    done++;
  };
  await Promise.all(Array.from({ length: 50 }, (_, i) => work(i % 2 === 0 ? ['x', 'y', 'z'] : ['z', 'y', 'x'])));
  t.equal(done, 50);
});

t.test('a reader waits for writers registered before it, not after', async (t) => {
  const latches = new LatchManager();
  const release = await latches.acquire([key('k')]);
  let readerDone = false;
  const reader = latches.waitForWriters(key('k')).then(() => (readerDone = true));
  await tick();
  t.notOk(readerDone, 'reader blocked by the writer');
  release();
  await reader;
  t.ok(readerDone);
  const unblocked = await Promise.race([latches.waitForWriters(key('k')).then(() => true), tick().then(() => false)]);
  t.ok(unblocked, 'no writer, no wait');
});

t.test('release is idempotent and the request limit is enforced', async (t) => {
  const latches = new LatchManager(2);
  const r1 = await latches.acquire([key('a')]);
  const r2 = await latches.acquire([key('b')]);
  await t.rejects(latches.acquire([key('c')]), { name: LatchOverloadError.name, code: 'RequestLimitExceeded' });
  r1();
  r1();
  t.equal(latches.pending, 1);
  r2();
  const r3 = await latches.acquire([key('c')]);
  r3();
  t.equal(latches.pending, 0);
});
