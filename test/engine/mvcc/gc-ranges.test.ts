/**
 * Garbage collection confined to one range (engine/mvcc/gc.ts over the
 * segments of engine/range/range-keys.ts), over real RocksDB: a store holding
 * two ranges' items and the entries of a global and a local index, each with
 * old versions and tombstones, plus another table's garbage. A pass of range
 * A deletes exactly what a whole-store pass deletes in a store holding only
 * A's keys, and nothing of B's or the other table's; small passes resumed by
 * cursor across the segments delete the same.
 */
import t, { type Test } from 'tap';
import fc from 'fast-check';
import type { KvStore, KvWrite } from '../../../engine/storage/kv-store.js';
import { RocksDbStore } from '../../../engine/storage/rocksdb/rocksdb-store.js';
import { MemoryStore } from '../../../engine/storage/memory/memory-store.js';
import { GroupCommitter } from '../../../engine/storage/group-commit.js';
import { encodeItemKey, tableSegmentSpan } from '../../../engine/keys/item-key.js';
import { spanContains } from '../../../engine/keys/key-span.js';
import { HISTORY_PREFIX } from '../../../engine/mvcc/layout.js';
import { indexEntryKey } from '../../../engine/items/secondary-index.js';
import { ownedSegmentsUnder, rangeOwnedEntries, type OwnedSpan } from '../../../engine/range/range-keys.js';
import { LocalCommandLog, RangeReplica } from '../../../engine/range/replica.js';
import { TIMESTAMP_LOGICAL_BITS, timestampBeforeMs } from '../../../engine/timestamp-source.js';
import type { Item } from '../../../engine/types.js';
import { tempStore } from '../../helpers/temp-store.js';
import { ORDERS_TABLE_ID as TABLE_ID, ordersTable as table } from '../../helpers/orders-table.js';
import { sweep, writeVersion } from './mvcc-fixture.js';

const OTHER_TABLE_ID = 12;

/** The table's two halves: ranges A and B. */
const [spanA, spanB] = [0, 1].map((i): OwnedSpan => ({ ...tableSegmentSpan(TABLE_ID, i, 2), table })) as [OwnedSpan, OwnedSpan];
const NOW_MS = 10_000;
const RETENTION_MS = 1_000;
const NOW = BigInt(NOW_MS) << TIMESTAMP_LOGICAL_BITS;
const SAFE_TS = timestampBeforeMs(NOW, RETENTION_MS);
const clock = { now: async () => NOW };

const itemKeyOf = (item: Item) => encodeItemKey(TABLE_ID, item['pk']!, item['n']);

/** An item and its index entries as the replica writes them: the new entries, a tombstone on each entry that moved. */
async function writeItem(store: KvStore, previous: Item | undefined, item: Item | undefined, key: Buffer, ts: bigint): Promise<void> {
  await writeVersion(store, key, ts, item);
  for (const definition of table.indexes!) {
    const before = previous === undefined ? undefined : indexEntryKey(table, definition, previous);
    const after = item === undefined ? undefined : indexEntryKey(table, definition, item);
    if (before !== undefined && (after === undefined || !before.equals(after))) await writeVersion(store, before, ts, undefined);
    if (after !== undefined) await writeVersion(store, after, ts, item);
  }
}

/**
 * Item i: three versions below the safe point, its global-index entry moving
 * from 'open' to 'closed' (a tombstone on the old one); every fourth item is
 * written again above the safe point, every fifth is deleted below it.
 */
async function writeHistory(store: KvStore, i: number): Promise<void> {
  const version = (status: string, v: number): Item => ({ pk: { S: `c-${i % 7}` }, n: { N: String(i) }, status: { S: status }, at: { N: String(i) }, v: { N: String(v) } });
  const key = itemKeyOf(version('', 0));
  const history: Array<[bigint, Item | undefined]> = [
    [10n, version('open', 1)],
    [20n, version('closed', 2)],
    [30n, version('closed', 3)],
  ];
  if (i % 5 === 0) history.push([40n, undefined]);
  if (i % 4 === 0) history.push([NOW - 1n, version('recent', 4)]);
  let previous: Item | undefined;
  for (const [ts, item] of history) {
    await writeItem(store, previous, item, key, ts);
    previous = item;
  }
}

const ITEMS = 40;
const inA = (i: number) => spanContains(spanA, itemKeyOf({ pk: { S: `c-${i % 7}` }, n: { N: String(i) } }));

/** Another table's item with garbage of its own (no range of `table` may touch it). */
async function writeForeign(store: KvStore): Promise<void> {
  const key = encodeItemKey(OTHER_TABLE_ID, { S: 'c-1' }, { N: '1' });
  for (const ts of [10n, 20n, 30n]) await writeVersion(store, key, ts, { pk: { S: 'c-1' }, n: { N: String(ts) } });
}

/** A store with both ranges' items and the other table's garbage; `only` keeps just the items of range A. */
async function filledStore(t: Test, only?: 'A'): Promise<RocksDbStore> {
  // Built in memory (each version needs the head before it), then written to RocksDB in one batch.
  const built = new MemoryStore();
  for (let i = 0; i < ITEMS; i++) if (only === undefined || inA(i)) await writeHistory(built, i);
  if (only === undefined) await writeForeign(built);
  const store = await tempStore(t, 'gc-ranges');
  const writes: KvWrite[] = [];
  for await (const [key, value] of built.iterate({})) writes.push({ type: 'put', key, value });
  await store.write(writes);
  return store;
}

async function allEntries(store: KvStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const [key, value] of store.iterate({})) out.set(key.toString('hex'), value.toString('hex'));
  return out;
}

async function ownedEntries(store: KvStore, span: OwnedSpan): Promise<string[]> {
  const out: string[] = [];
  for await (const [key, value] of rangeOwnedEntries(store, span)) out.push(`${key.toString('hex')}=${value.toString('hex')}`);
  return out.sort();
}

const hex = (keys: Buffer[]) => keys.map((key) => key.toString('hex')).sort();
const isIndexKey = (hexKey: string) => [8, 9].includes(Buffer.from(hexKey, 'hex').readUInt32BE(1));

/** What range A's garbage is: a whole-store sweep of a store holding only A's items. */
async function garbageOfA(t: Test): Promise<string[]> {
  return hex((await sweep(await filledStore(t, 'A'), SAFE_TS, 1_000)).deleted);
}

t.test('both ranges hold items, and the sweep of A alone finds item and index garbage', async (t) => {
  t.ok([...Array(ITEMS).keys()].some(inA) && [...Array(ITEMS).keys()].some((i) => !inA(i)), 'items on both sides');
  const garbage = await garbageOfA(t);
  t.ok(garbage.some((key) => !isIndexKey(key)), 'item versions');
  t.ok(garbage.some((key) => isIndexKey(key) && Buffer.from(key, 'hex').readUInt32BE(1) === 8), 'global-index entries');
  t.ok(garbage.some((key) => isIndexKey(key) && Buffer.from(key, 'hex').readUInt32BE(1) === 9), 'local-index entries');
});

t.test("a replica's pass deletes exactly its range's garbage, items and index entries, never B's keys", async (t) => {
  const store = await filledStore(t);
  const before = await allEntries(store);
  const ownedByB = await ownedEntries(store, spanB);
  const committer = new GroupCommitter(store);
  const log = new LocalCommandLog(committer);
  const replica = new RangeReplica({ rangeId: 1, start: spanA.start, end: spanA.end, generation: 1 }, store, log, clock, undefined, () => NOW_MS);
  log.bind(replica);

  const pass = await replica.collectGarbage(RETENTION_MS, undefined, table);
  await committer.close();
  const after = await allEntries(store);
  const gone = [...before.keys()].filter((key) => !after.has(key)).sort();
  const expected = await garbageOfA(t);
  t.same(gone, expected, "exactly A's garbage is gone");
  t.equal(pass.deleted, expected.length, 'and counted');
  t.equal(pass.next, undefined, 'in one pass');
  t.same(await ownedEntries(store, spanB), ownedByB, "B's keys are all there, unchanged");
  t.ok(after.size > 0 && [...after.keys()].every((key) => before.get(key) === after.get(key)), 'nothing was rewritten');
});

t.test('a pass that does not know the table sweeps only the item span', async (t) => {
  const store = await filledStore(t);
  const before = await allEntries(store);
  const committer = new GroupCommitter(store);
  const log = new LocalCommandLog(committer);
  const replica = new RangeReplica({ rangeId: 1, start: spanA.start, end: spanA.end, generation: 1 }, store, log, clock);
  log.bind(replica);
  await replica.collectGarbage(RETENTION_MS, undefined);
  await committer.close();
  const after = await allEntries(store);
  const gone = [...before.keys()].filter((key) => !after.has(key)).sort();
  t.same(gone, (await garbageOfA(t)).filter((key) => !isIndexKey(key)), "A's item garbage, no index entry");
});

t.test('small passes resumed by cursor across the segments delete all of its garbage', async (t) => {
  const segments = ownedSegmentsUnder(HISTORY_PREFIX, spanA);
  t.equal(segments.length, 3, 'the item span and two index keyspaces');
  const expected = await garbageOfA(t);
  for (const perPass of [6, 9, 25]) {
    const store = await filledStore(t);
    const { deleted, passes } = await sweep(store, SAFE_TS, perPass, segments);
    t.same(hex(deleted), expected, `${perPass} entries a pass: all of A's garbage, nothing else`);
    t.ok(passes > 3, `in ${passes} passes`);
  }
});

t.test("the embedded node's range, spanning the keyspace, sweeps it whole: index keyspaces once", async (t) => {
  const whole: OwnedSpan = { start: Buffer.alloc(0), end: Buffer.alloc(64, 0xff), table };
  t.equal(ownedSegmentsUnder(HISTORY_PREFIX, whole).length, 1, 'one segment');
  const store = await filledStore(t);
  const oracle = await filledStore(t);
  const expected = hex((await sweep(oracle, SAFE_TS, 1_000)).deleted);
  t.same(hex((await sweep(store, SAFE_TS, 7, ownedSegmentsUnder(HISTORY_PREFIX, whole))).deleted), expected, 'the same as the whole history');
});

t.test('property: a sweep in passes longer than any item history deletes what one pass does', async (t) => {
  const op = fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd'), gap: fc.integer({ min: 1, max: 3 }), tombstone: fc.boolean() });
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 30 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 5 }), async (ops, safe, extra) => {
      const stores = [new MemoryStore(), new MemoryStore()];
      const counts = new Map<string, number>();
      let ts = 0;
      for (const o of ops) {
        ts += o.gap;
        counts.set(o.key, (counts.get(o.key) ?? 0) + 1);
        for (const store of stores) await writeVersion(store, encodeItemKey(3, { S: o.key }), BigInt(ts), o.tombstone ? undefined : { v: { N: String(ts) } });
      }
      const perPass = Math.max(1, ...counts.values()) + 1 + extra;
      const whole = await sweep(stores[0]!, BigInt(safe), 1_000);
      const small = await sweep(stores[1]!, BigInt(safe), perPass);
      return JSON.stringify(hex(whole.deleted)) === JSON.stringify(hex(small.deleted));
    }),
    { numRuns: 150 },
  );
  t.pass('small passes collected everything one pass does');
});
