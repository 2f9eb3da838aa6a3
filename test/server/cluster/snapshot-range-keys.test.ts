/**
 * The keys a range owns (engine/range/range-keys.ts) and range snapshots
 * (engine/range/range-snapshot.ts), over real RocksDB: a store holding two
 * ranges' items (every MVCC version), locks, transaction records and
 * heartbeats, and the entries of a global and a local secondary index, plus
 * records no range owns. Each range enumerates exactly its own keys; a
 * snapshot of one range installed into another store replaces that range's
 * keys and leaves the rest alone.
 */
import t from 'tap';
import type { KvWrite } from '../../../engine/storage/kv-store.js';
import { RocksDbStore } from '../../../engine/storage/rocksdb/rocksdb-store.js';
import { encodeItemKey, tableSegmentSpan } from '../../../engine/keys/item-key.js';
import { spanContains } from '../../../engine/keys/key-span.js';
import { tokenRecordWrite } from '../../../engine/txn/request-tokens.js';
import { headKey, historyKey, lockKey, systemKey, txnRecordKey } from '../../../engine/mvcc/layout.js';
import { indexEntryKey } from '../../../engine/items/secondary-index.js';
import { heartbeatWrite, txnRecordWrite } from '../../../engine/range/txn-record.js';
import { indexEntryOwner, rangeOwnedKeys, type OwnedSpan } from '../../../engine/range/range-keys.js';
import { buildRangeSnapshot, rangeInstallWrites, SnapshotTooLargeError } from '../../../engine/range/range-snapshot.js';
import type { Item } from '../../../engine/types.js';
import { tempStore } from '../../helpers/temp-store.js';
import { ORDERS_TABLE_ID as TABLE_ID, ordersTable as table } from '../../helpers/orders-table.js';

const OTHER_TABLE_ID = 12;

/** The table's two halves: two ranges. */
const spans = [0, 1].map((i): OwnedSpan => ({ ...tableSegmentSpan(TABLE_ID, i, 2), table }));
const value = (text: string) => Buffer.from(text);

/** The writes of one item with three versions, a lock, a decided and a pending transaction, and its index entries. */
function itemWrites(item: Item): KvWrite[] {
  const itemKey = encodeItemKey(TABLE_ID, item['pk']!, item['n']);
  const writes: KvWrite[] = [
    { type: 'put', key: headKey(itemKey), value: value('head') },
    { type: 'put', key: lockKey(itemKey), value: value('lock') },
    txnRecordWrite(itemKey, 100n, { status: 'committed', commitTs: 101n }),
    txnRecordWrite(itemKey, 200n, { status: 'rolled-back' }),
    heartbeatWrite(itemKey, 300n, 1_000),
    tokenRecordWrite(itemKey, { value: `token-${JSON.stringify(item['n'])}`, fingerprint: 'f', atMs: 1 }),
  ];
  for (const ts of [10n, 20n, 30n]) writes.push({ type: 'put', key: historyKey(itemKey, ts), value: value(`v${ts}`) });
  for (const index of table.indexes!) {
    const entryKey = indexEntryKey(table, index, item)!;
    writes.push({ type: 'put', key: headKey(entryKey), value: value('index head') }, { type: 'put', key: lockKey(entryKey), value: value('index lock') });
    for (const ts of [10n, 30n]) writes.push({ type: 'put', key: historyKey(entryKey, ts), value: value('index version') });
  }
  return writes;
}

const items: Item[] = Array.from({ length: 40 }, (_, i) => ({
  pk: { S: `customer-${i % 13}` },
  n: { N: String(i * 7 - 20) },
  status: { S: i % 3 === 0 ? 'open' : 'closed' },
  at: { N: String(1000 + i) },
}));

/** Records no range owns: another table's item (with the same keys), system records, the Raft log of a group. */
const foreign: KvWrite[] = [
  { type: 'put', key: headKey(encodeItemKey(OTHER_TABLE_ID, { S: 'customer-1' }, { N: '1' })), value: value('other table') },
  { type: 'put', key: systemKey('applied/3'), value: value('applied') },
  { type: 'put', key: systemKey('txn-token/abc'), value: value('token') },
  { type: 'put', key: systemKey('table/orders'), value: value('catalog') },
  { type: 'put', key: Buffer.from('r\x00\x00\x00\x03e'), value: value('raft entry') },
];

const hex = (keys: Buffer[]) => keys.map((k) => k.toString('hex')).sort();

t.test('each range enumerates exactly the keys of its items, locks, txn records and index entries', async (t) => {
  const store = await tempStore(t, 'range-keys');
  const perRange: KvWrite[][] = [[], []];
  for (const item of items) {
    const itemKey = encodeItemKey(TABLE_ID, item['pk']!, item['n']);
    perRange[spanContains(spans[0]!, itemKey) ? 0 : 1]!.push(...itemWrites(item));
  }
  t.ok(perRange[0]!.length > 0 && perRange[1]!.length > 0, 'both ranges hold items');
  await store.write([...perRange[0]!, ...perRange[1]!, ...foreign]);

  for (const i of [0, 1]) {
    const owned = await rangeOwnedKeys(store, spans[i]!);
    t.same(hex(owned), hex(perRange[i]!.map((w) => w.key)), `range ${i}: exactly its keys`);
  }
  const withoutTable = await rangeOwnedKeys(store, { ...spans[0]!, table: undefined });
  const isIndexEntry = (key: Buffer) => key[0] !== 0 && [8, 9].includes(key.readUInt32BE(1));
  t.same(hex(withoutTable), hex(perRange[0]!.map((w) => w.key).filter((key) => !isIndexEntry(key))), 'a range whose table is unknown claims no index entry');
});

t.test('an index entry names the item it mirrors', async (t) => {
  const item = items[5]!;
  for (const index of table.indexes!) {
    const owner = indexEntryOwner(table, index)(indexEntryKey(table, index, item)!);
    t.same(owner, encodeItemKey(TABLE_ID, item['pk']!, item['n']), `${index.name}: the owner is the item`);
  }
  t.equal(indexEntryOwner(table, table.indexes![0]!)(Buffer.from('not an entry key')), undefined, 'a key that does not parse has no owner');
});

t.test('a snapshot installed elsewhere replaces only that range', async (t) => {
  const source = await tempStore(t, 'range-keys');
  const target = await tempStore(t, 'range-keys');
  const [a, b] = [0, 1].map((i) => items.filter((item) => spanContains(spans[i]!, encodeItemKey(TABLE_ID, item['pk']!, item['n']))));
  await source.write(a!.flatMap(itemWrites));
  // The target holds stale state of range 0 (one item the source deleted since, another with an old value) and range 1's items.
  const stale = itemWrites(a![0]!).map((w) => (w.type === 'put' ? { ...w, value: value('stale') } : w));
  const goneItem = Array.from({ length: 20 }, (_, i): Item => ({ ...a![1]!, pk: { S: `gone-${i}` } })).find((item) =>
    spanContains(spans[0]!, encodeItemKey(TABLE_ID, item['pk']!, item['n'])),
  )!;
  const gone = itemWrites(goneItem);
  await target.write([...stale, ...gone, ...b!.flatMap(itemWrites), ...foreign]);
  const rangeBBefore = hex(await rangeOwnedKeys(target, spans[1]!));

  const data = await buildRangeSnapshot(source, 41, spans[0]!);
  await target.write(await rangeInstallWrites(target, 41, spans[0]!, data));

  const read = async (store: RocksDbStore, span: OwnedSpan) => {
    const pairs: string[] = [];
    for (const key of await rangeOwnedKeys(store, span)) pairs.push(`${key.toString('hex')}=${(await store.get(key))!.toString('hex')}`);
    return pairs.sort();
  };
  t.same(await read(target, spans[0]!), await read(source, spans[0]!), 'range 0 now equals the source');
  t.same(hex(await rangeOwnedKeys(target, spans[1]!)), rangeBBefore, 'range 1 is untouched');
  for (const w of foreign) t.ok(await target.get(w.key), `foreign record ${w.key.toString('latin1')} is untouched`);
  t.same(await target.get(txnRecordKey(encodeItemKey(TABLE_ID, a![0]!['pk']!, a![0]!['n']), 100n)), await source.get(txnRecordKey(encodeItemKey(TABLE_ID, a![0]!['pk']!, a![0]!['n']), 100n)), 'txn records came along');

  await t.rejects(buildRangeSnapshot(source, 41, spans[0]!, 1_000), SnapshotTooLargeError, 'a snapshot over the size limit is refused');
  await t.rejects(rangeInstallWrites(target, 42, spans[0]!, data), /not a snapshot of group 42/, 'a snapshot of another range is refused');
});
