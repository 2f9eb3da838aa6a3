/**
 * The one test suite every KvStore adapter passes (as abstract-level's suite
 * does for level stores). Each adapter's test file calls `kvStoreSuite` with a
 * factory; persistence is tested only when the factory can reopen.
 */
import fc from 'fast-check';
import type { Test } from 'tap';
import type { KvRange, KvStore, KvWrite } from '../../../engine/storage/kv-store.js';
import { InvalidKvKeyError, StoreClosedError } from '../../../engine/storage/storage-errors.js';

export type SuiteStore = KvStore & { readonly openIterators: number };

export interface StoreHandle {
  store: SuiteStore;
  /** Closes the store and opens it again on the same data (durable adapters only). */
  reopen?: () => Promise<SuiteStore>;
  /** Closes whatever is open and removes what the store left behind. */
  dispose: () => Promise<void>;
}

export type StoreFactory = () => Promise<StoreHandle>;

/** How many random op sequences the model test runs (each starts on an empty store). */
export const MODEL_RUNS = 60;
const MODEL_MAX_OPS = 25;

const b = (...bytes: number[]): Buffer => Buffer.from(bytes);
const put = (key: Buffer, value: string): KvWrite => ({ type: 'put', key, value: Buffer.from(value) });
const del = (key: Buffer): KvWrite => ({ type: 'del', key });

export async function collect(iterable: AsyncIterable<[Buffer, Buffer]>): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for await (const [key, value] of iterable) out.push([key.toString('hex'), value.toString()]);
  return out;
}

export function kvStoreSuite(t: Test, factory: StoreFactory): void {
  const withStore = (name: string, body: (t: Test, handle: StoreHandle) => Promise<void>): void => {
    t.test(name, async (t) => {
      const handle = await factory();
      t.teardown(() => handle.dispose());
      await body(t, handle);
    });
  };

  withStore('get, put, delete and overwrite', async (t, { store }) => {
    t.equal(await store.get(b(1)), undefined, 'a missing key reads as undefined');
    await store.write([put(b(1), 'one')]);
    t.same((await store.get(b(1)))?.toString(), 'one');
    await store.write([put(b(1), 'uno')]);
    t.same((await store.get(b(1)))?.toString(), 'uno', 'a put overwrites');
    await store.write([del(b(1))]);
    t.equal(await store.get(b(1)), undefined, 'a delete removes');
    await store.write([del(b(9))]);
    t.equal(await store.get(b(9)), undefined, 'deleting a missing key is a no-op');
    await store.write([put(b(2), '')]);
    t.same(await store.get(b(2)), Buffer.alloc(0), 'an empty value is a value, not a missing key');
    await store.write([]);
    t.same(await collect(store.iterate({})), [['02', '']], 'an empty batch changes nothing');
  });

  withStore('values are copied: mutating a buffer after the call changes nothing', async (t, { store }) => {
    const key = b(5);
    const value = Buffer.from('abc');
    await store.write([{ type: 'put', key, value }], { sync: false });
    value[0] = 0x7a;
    key[0] = 6;
    const read = await store.get(b(5));
    t.same(read?.toString(), 'abc');
    if (read) read[0] = 0x7a;
    t.same((await store.get(b(5)))?.toString(), 'abc');
  });

  withStore('a batch applies every write, in order, together', async (t, { store }) => {
    await store.write([put(b(1), 'a'), put(b(2), 'b')]);
    await store.write([del(b(1)), put(b(3), 'c'), put(b(2), 'first'), put(b(2), 'last'), put(b(4), 'gone'), del(b(4))]);
    t.same(await collect(store.iterate({})), [
      ['02', 'last'],
      ['03', 'c'],
    ]);
  });

  withStore('a batch with an invalid key applies nothing', async (t, { store }) => {
    await store.write([put(b(1), 'kept')]);
    await t.rejects(store.write([del(b(1)), put(b(2), 'x'), put(Buffer.alloc(0), 'bad')]), InvalidKvKeyError);
    t.same(await collect(store.iterate({})), [['01', 'kept']]);
    await t.rejects(store.get(Buffer.alloc(0)), InvalidKvKeyError);
  });

  withStore('binary keys iterate in unsigned byte order, 0x00 and 0xff included', async (t, { store }) => {
    const keys = [b(0xff, 0xff), b(0), b(0x7f, 0x80), b(0, 0), b(0xff), b(1), b(0, 0xff), b(0x80), b(0xfe, 0xff, 0)];
    await store.write(keys.map((k, i) => put(k, String(i))));
    const expected = [...keys].sort(Buffer.compare).map((k) => k.toString('hex'));
    t.same((await collect(store.iterate({}))).map(([k]) => k), expected);
    t.same((await collect(store.iterate({ reverse: true }))).map(([k]) => k), [...expected].reverse());
  });

  withStore('range bounds, reverse and limit', async (t, { store }) => {
    await store.write([1, 2, 3, 4, 5].map((i) => put(b(i), String(i))));
    const keys = async (range: KvRange): Promise<number[]> =>
      (await collect(store.iterate(range))).map(([k]) => parseInt(k, 16));
    t.same(await keys({ gte: b(2), lt: b(4) }), [2, 3]);
    t.same(await keys({ gt: b(2), lte: b(4) }), [3, 4]);
    t.same(await keys({ gt: b(2), lte: b(4), reverse: true }), [4, 3]);
    t.same(await keys({ gte: b(2), reverse: true, limit: 2 }), [5, 4]);
    t.same(await keys({ limit: 3 }), [1, 2, 3]);
    t.same(await keys({ limit: 0 }), [], 'limit 0 yields nothing');
    t.same(await keys({ gte: b(2, 0) }), [3, 4, 5], 'a bound between keys');
    t.same(await keys({ gte: b(3), gt: b(3) }), [4, 5], 'the tighter lower bound wins');
    t.same(await keys({ lte: b(3), lt: b(3) }), [1, 2], 'the tighter upper bound wins');
    t.same(await keys({ gte: b(4), lt: b(2) }), [], 'an inverted range is empty');
    t.same(await keys({ gte: b(3), lt: b(3) }), [], 'gte x and lt x is empty');
    t.same(await keys({ gte: b(3), lte: b(3) }), [3], 'gte x and lte x is x');
    t.same(await keys({ lt: Buffer.alloc(0) }), [], 'nothing is below the empty key');
    t.same(await keys({ gt: Buffer.alloc(0) }), [1, 2, 3, 4, 5], 'everything is above the empty key');
  });

  withStore('breaking out of for-await ends the iterator', async (t, { store }) => {
    await store.write([1, 2, 3, 4, 5].map((i) => put(b(i), String(i))));
    for (let round = 0; round < 50; round++) {
      for await (const [key] of store.iterate({ reverse: round % 2 === 1 })) {
        if (key[0] === 3) break;
      }
    }
    t.equal(store.openIterators, 0, 'no iterator left open after early breaks');
    const thrown = new Error('consumer failed');
    await t.rejects(async () => {
      for await (const _entry of store.iterate({})) throw thrown;
    }, thrown);
    t.equal(store.openIterators, 0, 'no iterator left open after the consumer throws');
    t.same((await store.get(b(5)))?.toString(), '5', 'the store still works');
  });

  withStore('writes during a scan do not break it', async (t, { store }) => {
    await store.write([1, 3, 5, 7].map((i) => put(b(i), String(i))));
    const seen: number[] = [];
    for await (const [key] of store.iterate({})) {
      seen.push(key[0] as number);
      if (key[0] === 3) await store.write([del(b(3)), del(b(5)), put(b(2), 'late'), put(b(9), 'late')], { sync: false });
    }
    // A snapshot (RocksDB) sees 1 3 5 7; a live scan (memory) sees 1 3 7 9. Both are ordered, without repeats.
    t.ok(seen.length >= 3, `scan continued past the write: ${seen.join(' ')}`);
    t.same(seen, [...new Set(seen)].sort((x, y) => x - y), 'ascending, without repeats');
    t.same(seen.slice(0, 2), [1, 3]);
    t.same(await collect(store.iterate({})), [
      ['01', '1'],
      ['02', 'late'],
      ['07', '7'],
      ['09', 'late'],
    ]);
  });

  withStore('a closed store refuses work with StoreClosedError', async (t, { store }) => {
    await store.write([put(b(1), 'x')]);
    await store.close();
    await t.rejects(store.get(b(1)), StoreClosedError);
    await t.rejects(store.write([put(b(2), 'y')]), StoreClosedError);
    await t.rejects(collect(store.iterate({})), StoreClosedError);
  });

  withStore('data survives close and reopen', async (t, handle) => {
    if (handle.reopen === undefined) {
      t.pass('this adapter is not durable; nothing to reopen');
      return;
    }
    await handle.store.write([put(b(1), 'one'), put(b(0xff, 0), 'two')]);
    await handle.store.write([del(b(1)), put(b(2), 'three')]);
    const reopened = await handle.reopen();
    t.same(await collect(reopened.iterate({})), [
      ['02', 'three'],
      ['ff00', 'two'],
    ]);
  });

  withStore('random operations match a Map model (fast-check)', async (t, { store }) => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: MODEL_MAX_OPS }), async (ops) => {
        await clear(store);
        const model = new Map<string, string>();
        for (const op of ops) {
          if (op.kind === 'write') {
            await store.write(op.batch, { sync: false });
            for (const w of op.batch) {
              if (w.type === 'put') model.set(w.key.toString('hex'), w.value.toString('hex'));
              else model.delete(w.key.toString('hex'));
            }
          } else if (op.kind === 'get') {
            const got = await store.get(op.key);
            const want = model.get(op.key.toString('hex'));
            if (got?.toString('hex') !== want) throw new Error(`get ${op.key.toString('hex')}: ${got?.toString('hex')} != ${want}`);
          } else {
            const got = (await collectHex(store.iterate(op.range))).join(' ');
            const want = modelScan(model, op.range).join(' ');
            if (got !== want) throw new Error(`iterate ${JSON.stringify(op.range)}: [${got}] != [${want}]`);
          }
        }
      }),
      { numRuns: MODEL_RUNS },
    );
    t.equal(store.openIterators, 0);
  });
}

// ---- the model test's generators and reference implementation ----

/** Few distinct bytes, so random keys collide and bounds land on and between keys. */
const keyByte = fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff);
const keyArb = fc.array(keyByte, { minLength: 1, maxLength: 3 }).map((bytes) => Buffer.from(bytes));
const boundArb = fc.array(keyByte, { minLength: 0, maxLength: 3 }).map((bytes) => Buffer.from(bytes));
const writeArb: fc.Arbitrary<KvWrite> = fc.oneof(
  fc.record({ key: keyArb, value: fc.uint8Array({ maxLength: 4 }) }).map(({ key, value }): KvWrite => ({ type: 'put', key, value: Buffer.from(value) })),
  keyArb.map((key): KvWrite => ({ type: 'del', key })),
);
const rangeArb: fc.Arbitrary<KvRange> = fc.record(
  { gt: boundArb, gte: boundArb, lt: boundArb, lte: boundArb, reverse: fc.boolean(), limit: fc.integer({ min: 0, max: 6 }) },
  { requiredKeys: [] },
);

type Operation = { kind: 'write'; batch: KvWrite[] } | { kind: 'get'; key: Buffer } | { kind: 'iterate'; range: KvRange };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 3, arbitrary: fc.array(writeArb, { minLength: 1, maxLength: 5 }).map((batch): Operation => ({ kind: 'write', batch })) },
  { weight: 1, arbitrary: keyArb.map((key): Operation => ({ kind: 'get', key })) },
  { weight: 2, arbitrary: rangeArb.map((range): Operation => ({ kind: 'iterate', range })) },
);

/** Every bound applies at once, checked key by key: an implementation independent of the adapters'. */
function modelScan(model: Map<string, string>, range: KvRange): string[] {
  const inside = (key: Buffer): boolean =>
    (range.gt === undefined || Buffer.compare(key, range.gt) > 0) &&
    (range.gte === undefined || Buffer.compare(key, range.gte) >= 0) &&
    (range.lt === undefined || Buffer.compare(key, range.lt) < 0) &&
    (range.lte === undefined || Buffer.compare(key, range.lte) <= 0);
  const keys = [...model.keys()].map((hex) => Buffer.from(hex, 'hex')).filter(inside).sort(Buffer.compare);
  if (range.reverse) keys.reverse();
  const limited = range.limit === undefined ? keys : keys.slice(0, range.limit);
  return limited.map((key) => `${key.toString('hex')}=${model.get(key.toString('hex'))}`);
}

async function collectHex(iterable: AsyncIterable<[Buffer, Buffer]>): Promise<string[]> {
  const out: string[] = [];
  for await (const [key, value] of iterable) out.push(`${key.toString('hex')}=${value.toString('hex')}`);
  return out;
}

async function clear(store: KvStore): Promise<void> {
  const writes: KvWrite[] = [];
  for await (const [key] of store.iterate({})) writes.push({ type: 'del', key });
  await store.write(writes, { sync: false });
}
