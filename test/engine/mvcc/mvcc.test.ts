import t from 'tap';
import fc from 'fast-check';
import { MemoryStore } from '../../../engine/storage/memory/memory-store.js';
import { readVersion, scanVisible, versionWrite } from '../../../engine/mvcc/mvcc.js';
import { splitVersionKey, versionKey } from '../../../engine/mvcc/layout.js';
import { encodeItemKey } from '../../../engine/keys/item-key.js';
import type { Item } from '../../../engine/types.js';

const itemKey = (pk: string) => encodeItemKey(1, { S: pk });

t.test('version keys split back into item key and timestamp', async (t) => {
  const key = itemKey('a');
  for (const ts of [0n, 1n, 123456789n, (1n << 64n) - 1n]) {
    const split = splitVersionKey(versionKey(key, ts));
    t.ok(split.itemKey.equals(key));
    t.equal(split.commitTs, ts);
  }
});

t.test('a read at T sees the newest version at or below T; tombstones read as absent', async (t) => {
  const store = new MemoryStore();
  const key = itemKey('k');
  await store.write([
    versionWrite(key, 10n, { v: { N: '1' } }),
    versionWrite(key, 20n, { v: { N: '2' } }),
    versionWrite(key, 30n, undefined),
    versionWrite(key, 40n, { v: { N: '4' } }),
  ]);
  t.same(await readVersion(store, key, 5n), { item: undefined, commitTs: undefined });
  t.same(await readVersion(store, key, 10n), { item: { v: { N: '1' } }, commitTs: 10n });
  t.same(await readVersion(store, key, 29n), { item: { v: { N: '2' } }, commitTs: 20n });
  t.same(await readVersion(store, key, 30n), { item: undefined, commitTs: 30n });
  t.same(await readVersion(store, key, 1000n), { item: { v: { N: '4' } }, commitTs: 40n });
  t.same(await readVersion(store, itemKey('other'), 1000n), { item: undefined, commitTs: undefined }, 'no bleed from neighbours');
});

t.test('property: reads and scans agree with a model of versions', async (t) => {
  const names = ['a', 'b', 'ab', 'b\u0000', ''];
  const op = fc.record({
    key: fc.constantFrom(...names),
    ts: fc.integer({ min: 1, max: 50 }),
    value: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 40 }), fc.integer({ min: 0, max: 60 }), async (ops, readTs) => {
      const store = new MemoryStore();
      const model = new Map<string, Map<number, Item | undefined>>();
      for (const o of ops) {
        const item = o.value === undefined ? undefined : { v: { N: String(o.value) } };
        await store.write([versionWrite(itemKey(o.key), BigInt(o.ts), item)]);
        if (!model.has(o.key)) model.set(o.key, new Map());
        model.get(o.key)!.set(o.ts, item);
      }
      const expected = new Map<string, Item>();
      for (const name of names) {
        const versions = [...(model.get(name) ?? new Map<number, Item | undefined>())].filter(([ts]) => ts <= readTs);
        versions.sort((a, b) => b[0] - a[0]);
        const newest = versions[0];
        const read = await readVersion(store, itemKey(name), BigInt(readTs));
        if (newest === undefined) {
          if (read.commitTs !== undefined) return false;
        } else {
          if (read.commitTs !== BigInt(newest[0])) return false;
          if (JSON.stringify(read.item) !== JSON.stringify(newest[1])) return false;
          if (newest[1] !== undefined) expected.set(itemKey(name).toString('hex'), newest[1]);
        }
      }
      const scanned = new Map<string, Item>();
      const start = encodeItemKey(1, { S: '' }).subarray(0, 4);
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
