import t from 'tap';
import fc from 'fast-check';
import { MemoryStore } from '../../../engine/storage/memory/memory-store.js';
import { readVersion } from '../../../engine/mvcc/mvcc.js';
import { encodeItemKey } from '../../../engine/keys/item-key.js';
import { sweep, writeVersion } from './mvcc-fixture.js';

const itemKey = (pk: string) => encodeItemKey(3, { S: pk });
const NAMES = ['a', 'b', 'c'];

t.test('keeps the version visible at the safe point and everything newer', async (t) => {
  const store = new MemoryStore();
  const key = itemKey('a');
  for (const ts of [10n, 20n, 30n, 40n]) await writeVersion(store, key, ts, { v: { N: String(ts) } });
  t.equal((await sweep(store, 25n, 100)).deleted.length, 1, 'only the version at 10 is garbage');
  t.same((await readVersion(store, key, 25n)).item, { v: { N: '20' } });
  t.same((await readVersion(store, key, 15n)).commitTs, undefined, 'history below the safe point is gone');
  t.equal(store.size, 4, 'the head and the versions at 20, 30 and 40 remain');
});

t.test('a tombstone at the safe point goes with everything older', async (t) => {
  const store = new MemoryStore();
  const key = itemKey('b');
  await writeVersion(store, key, 10n, { v: { N: '1' } });
  await writeVersion(store, key, 20n, undefined);
  t.equal((await sweep(store, 25n, 100)).deleted.length, 3, 'both versions and the head');
  t.equal(store.size, 0);
});

t.test('property: reads at or above the safe point are unchanged by collection', async (t) => {
  const op = fc.record({ key: fc.constantFrom(...NAMES), gap: fc.integer({ min: 1, max: 3 }), tombstone: fc.boolean() });
  await fc.assert(
    fc.asyncProperty(
      fc.array(op, { maxLength: 40 }),
      fc.integer({ min: 0, max: 125 }),
      fc.integer({ min: 1, max: 7 }),
      async (ops, safe, perPass) => {
        const store = new MemoryStore();
        let ts = 0;
        for (const o of ops) {
          ts += o.gap;
          await writeVersion(store, itemKey(o.key), BigInt(ts), o.tombstone ? undefined : { ts: { N: String(ts) } });
        }
        const reads = async () => {
          const out: string[] = [];
          for (let at = safe; at <= 125; at++) {
            for (const name of NAMES) out.push(JSON.stringify((await readVersion(store, itemKey(name), BigInt(at))).item));
          }
          return JSON.stringify(out);
        };
        const before = await reads();
        await sweep(store, BigInt(safe), perPass);
        return before === (await reads());
      },
    ),
    { numRuns: 150 },
  );
  t.pass('collection preserved every read at or above the safe point');
});
