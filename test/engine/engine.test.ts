import t from 'tap';
import { Engine } from '../../engine/engine.js';
import { MemoryStore } from '../../engine/storage/memory/memory-store.js';
import type { KvWrite } from '../../engine/storage/kv-store.js';
import { encodeItemKey } from '../../engine/keys/item-key.js';
import type { TableDefinition } from '../../engine/catalog/table.js';

class CountingStore extends MemoryStore {
  gets = 0;
  override async get(key: Buffer) {
    this.gets++;
    return super.get(key);
  }
}

async function openEngine() {
  const store = new CountingStore();
  let ts = 0n;
  const engine = await Engine.open({
    store,
    log: { commit: (batch: readonly KvWrite[]) => store.write(batch) },
    clock: { now: async () => ++ts },
    gcIntervalMs: 0,
    ttlIntervalMs: 0,
  });
  return { store, engine };
}

const base: Omit<TableDefinition, 'tableId'> = {
  tableUuid: 'u',
  name: 't',
  keySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
  attributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
  billingMode: 'PAY_PER_REQUEST',
  readCapacityUnits: 0,
  writeCapacityUnits: 0,
  createdAtSec: 0,
  deletionProtection: false,
};

t.test('a write that needs nothing of the current item reads nothing', async (t) => {
  const { store, engine } = await openEngine();
  const table = await engine.catalog.create(base);
  const key = encodeItemKey(table.tableId, { S: 'a' });
  store.gets = 0;
  await engine.writeItem(table.tableId, key, { kind: 'put', item: { id: { S: 'a' }, v: { N: '1' } } }, false);
  t.equal(store.gets, 0, 'blind put');
  await engine.writeItem(table.tableId, key, { kind: 'put', item: { id: { S: 'a' }, v: { N: '2' } } }, true);
  t.equal(store.gets, 1, 'a put that returns the old item reads it');
  const outcome = await engine.writeItem(table.tableId, key, { kind: 'delete' }, true);
  t.same(outcome.old, { id: { S: 'a' }, v: { N: '2' } });
  t.equal(await engine.getItem(key), undefined);
  await engine.quiesce();
});

t.test('a table with an index never writes blind', async (t) => {
  const { store, engine } = await openEngine();
  const table = await engine.catalog.create({
    ...base,
    attributeDefinitions: [...base.attributeDefinitions, { AttributeName: 'g', AttributeType: 'S' }],
    indexes: [
      {
        indexId: 0,
        name: 'by-g',
        kind: 'global',
        keySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
        projection: { ProjectionType: 'KEYS_ONLY' },
        status: 'ACTIVE',
        readCapacityUnits: 0,
        writeCapacityUnits: 0,
      },
    ],
  });
  const key = encodeItemKey(table.tableId, { S: 'a' });
  await engine.writeItem(table.tableId, key, { kind: 'put', item: { id: { S: 'a' }, g: { S: 'x' } } }, false);
  store.gets = 0;
  await engine.writeItem(table.tableId, key, { kind: 'put', item: { id: { S: 'a' }, g: { S: 'y' } } }, false);
  t.ok(store.gets >= 1, 'the old item was read to move its index entry');
  const indexId = table.indexes![0]!.indexId;
  const readTs = await engine.snapshotTimestamp();
  const entries = [];
  for await (const entry of engine.scan({ start: Buffer.from([0, 0, 0, indexId]), end: Buffer.from([0, 0, 0, indexId + 1]) }, readTs)) entries.push(entry.item);
  t.same(entries, [{ id: { S: 'a' }, g: { S: 'y' } }], 'exactly one, current, index entry');
  await engine.quiesce();
});
