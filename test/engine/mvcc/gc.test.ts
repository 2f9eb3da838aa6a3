import t from 'tap';
import fc from 'fast-check';
import { MemoryStore } from '../../../engine/storage/memory/memory-store.js';
import { readVersion, versionWrite } from '../../../engine/mvcc/mvcc.js';
import { findGarbage, type GcCursor } from '../../../engine/mvcc/gc.js';
import { encodeItemKey } from '../../../engine/keys/item-key.js';

const itemKey = (pk: string) => encodeItemKey(3, { S: pk });
const NAMES = ['a', 'b', 'c'];

async function sweep(store: MemoryStore, safeTs: bigint, perPass: number): Promise<number> {
  let cursor: GcCursor | undefined;
  let deleted = 0;
  do {
    const pass = await findGarbage(store, safeTs, cursor, perPass);
    if (pass.garbage.length > 0) await store.write(pass.garbage.map((key) => ({ type: 'del' as const, key })));
    deleted += pass.garbage.length;
    cursor = pass.next;
  } while (cursor !== undefined);
  return deleted;
}

t.test('keeps the version visible at the safe point and everything newer', async (t) => {
  const store = new MemoryStore();
  const key = itemKey('a');
  await store.write([10n, 20n, 30n, 40n].map((ts) => versionWrite(key, ts, { v: { N: String(ts) } })));
  t.equal(await sweep(store, 25n, 100), 1, 'only the version at 10 is garbage');
  t.same((await readVersion(store, key, 25n)).item, { v: { N: '20' } });
  t.same((await readVersion(store, key, 15n)).commitTs, undefined, 'history below the safe point is gone');
  t.equal(store.size, 3);
});

t.test('a tombstone at the safe point goes with everything older', async (t) => {
  const store = new MemoryStore();
  const key = itemKey('b');
  await store.write([versionWrite(key, 10n, { v: { N: '1' } }), versionWrite(key, 20n, undefined)]);
  t.equal(await sweep(store, 25n, 100), 2);
  t.equal(store.size, 0);
});

t.test('property: reads at or above the safe point are unchanged by collection', async (t) => {
  const op = fc.record({
    key: fc.constantFrom(...NAMES),
    ts: fc.integer({ min: 1, max: 40 }),
    tombstone: fc.boolean(),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(op, { maxLength: 40 }),
      fc.integer({ min: 0, max: 45 }),
      fc.integer({ min: 1, max: 7 }),
      async (ops, safe, perPass) => {
        const store = new MemoryStore();
        for (const o of ops) {
          await store.write([versionWrite(itemKey(o.key), BigInt(o.ts), o.tombstone ? undefined : { ts: { N: String(o.ts) } })]);
        }
        const before: string[] = [];
        for (let ts = safe; ts <= 45; ts++) {
          for (const name of NAMES) before.push(JSON.stringify((await readVersion(store, itemKey(name), BigInt(ts))).item));
        }
        await sweep(store, BigInt(safe), perPass);
        const after: string[] = [];
        for (let ts = safe; ts <= 45; ts++) {
          for (const name of NAMES) after.push(JSON.stringify((await readVersion(store, itemKey(name), BigInt(ts))).item));
        }
        return JSON.stringify(before) === JSON.stringify(after);
      },
    ),
    { numRuns: 150 },
  );
  t.pass('collection preserved every read at or above the safe point');
});
