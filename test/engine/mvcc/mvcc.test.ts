import t from 'tap';
import fc from 'fast-check';
import { MemoryStore } from '../../../engine/storage/memory/memory-store.js';
import { readVersion, scanVisible } from '../../../engine/mvcc/mvcc.js';
import { historyKey, splitHistoryKey } from '../../../engine/mvcc/layout.js';
import { encodeItemKey } from '../../../engine/keys/item-key.js';
import type { Item } from '../../../engine/types.js';
import { writeVersion } from './mvcc-fixture.js';

const itemKey = (pk: string) => encodeItemKey(1, { S: pk });

t.test('history keys split back into item key and timestamp', async (t) => {
  const key = itemKey('a');
  for (const ts of [0n, 1n, 123456789n, (1n << 64n) - 1n]) {
    const split = splitHistoryKey(historyKey(key, ts));
    t.ok(split.itemKey.equals(key));
    t.equal(split.commitTs, ts);
  }
});

t.test('a read at T sees the newest version at or below T; tombstones read as absent', async (t) => {
  const store = new MemoryStore();
  const key = itemKey('k');
  await writeVersion(store, key, 10n, { v: { N: '1' } });
  await writeVersion(store, key, 20n, { v: { N: '2' } });
  await writeVersion(store, key, 30n, undefined);
  await writeVersion(store, key, 40n, { v: { N: '4' } });
  t.same(await readVersion(store, key, 5n), { item: undefined, commitTs: undefined });
  t.same(await readVersion(store, key, 10n), { item: { v: { N: '1' } }, commitTs: 10n });
  t.same(await readVersion(store, key, 29n), { item: { v: { N: '2' } }, commitTs: 20n });
  t.same(await readVersion(store, key, 30n), { item: undefined, commitTs: 30n });
  t.same(await readVersion(store, key, 1000n), { item: { v: { N: '4' } }, commitTs: 40n });
  t.same(await readVersion(store, itemKey('other'), 1000n), { item: undefined, commitTs: undefined }, 'no bleed from neighbours');
});

t.test('deleting an absent item writes nothing', async (t) => {
  const store = new MemoryStore();
  await writeVersion(store, itemKey('ghost'), 5n, undefined);
  t.equal(store.size, 0);
});

t.test('property: reads and scans agree with a model of versions', async (t) => {
  const names = ['a', 'b', 'ab', 'b\u0000', ''];
  const op = fc.record({
    key: fc.constantFrom(...names),
    gap: fc.integer({ min: 1, max: 3 }),
    value: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 40 }), fc.integer({ min: 0, max: 130 }), async (ops, readTs) => {
      const store = new MemoryStore();
      const model = new Map<string, Array<[number, Item | undefined]>>();
      let ts = 0;
      for (const o of ops) {
        ts += o.gap;
        const item = o.value === undefined ? undefined : { v: { N: String(o.value) } };
        await writeVersion(store, itemKey(o.key), BigInt(ts), item);
        if (!model.has(o.key)) model.set(o.key, []);
        model.get(o.key)!.push([ts, item]);
      }
      const expected = new Map<string, Item>();
      for (const name of names) {
        const visible = (model.get(name) ?? []).filter(([at]) => at <= readTs).pop();
        const read = await readVersion(store, itemKey(name), BigInt(readTs));
        const expectedItem = visible?.[1];
        if (JSON.stringify(read.item) !== JSON.stringify(expectedItem)) return false;
        if (expectedItem !== undefined) expected.set(itemKey(name).toString('hex'), expectedItem);
      }
      const scanned = new Map<string, Item>();
      const start = Buffer.from([0, 0, 0, 1]);
      const end = Buffer.from([0, 0, 0, 2]);
      for await (const visible of scanVisible(store, start, end, BigInt(readTs))) {
        scanned.set(visible.itemKey.toString('hex'), visible.item);
      }
      return JSON.stringify([...scanned].sort()) === JSON.stringify([...expected].sort());
    }),
    { numRuns: 200 },
  );
  t.pass('model agreed');
});
