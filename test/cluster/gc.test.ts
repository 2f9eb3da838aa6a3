/**
 * Garbage collection on a three-process cluster: each range's leader
 * collects what its range owns, in its range's log, so every replica drops
 * the same old versions. Items are overwritten many times, their GSI entries
 * moving each time (a new entry and a tombstone on the old one); once the
 * retention (shortened through RANGEDB_VERSION_RETENTION_MS) has passed,
 * every old version, tombstone and dead index head is gone from every node's
 * store, and every item still reads its latest value, by key with
 * ConsistentRead and through a GSI Query, on every node.
 */
import t from 'tap';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { startCluster, type ClusterNodeInfo } from '../helpers/cluster.js';
import { createGroupedTable, queryGroup } from '../helpers/grouped-table.js';
import { sampleValue } from '../server/metrics/scrape.js';
import { RocksDbStore } from '../../engine/storage/rocksdb/rocksdb-store.js';
import { HEAD_PREFIX, HISTORY_PREFIX, prefixSpace, splitHistoryKey } from '../../engine/mvcc/layout.js';
import { GC_INTERVAL_ENV, GcSettingsError, MIN_VERSION_RETENTION_MS, VERSION_RETENTION_ENV, gcSettingsFromEnv } from '../../server/gc-settings.js';

const TABLE = 'gc-cluster';
const ITEMS = 24;
const ROUNDS = 8;
const GROUPS = ['red', 'green', 'blue'];
const RETENTION_MS = 1_000;
const GC_INTERVAL_MS = 200;
/** Per item: its ROUNDS - 1 old versions, and per old GSI entry its put, its tombstone and its head. */
const GARBAGE = ITEMS * (ROUNDS - 1) * 4;
const WAIT_MS = 30_000;

const item = (i: number, round: number) => ({
  id: { S: `item-${i}` },
  grp: { S: GROUPS[(i + round) % GROUPS.length]! },
  n: { N: String(round) },
  v: { S: `value-${i}-${round}` },
});

async function metrics(node: ClusterNodeInfo): Promise<string> {
  return (await fetch(`${node.endpoint}/metrics`)).text();
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Versions per item key under the history prefix, and the number of heads, in a stopped node's store. */
async function storeVersions(dataDir: string): Promise<{ versions: Map<string, number>; heads: number }> {
  const store = await RocksDbStore.open(dataDir);
  try {
    const versions = new Map<string, number>();
    for await (const [key] of store.iterate(prefixSpace(HISTORY_PREFIX))) {
      const itemKey = splitHistoryKey(key).itemKey.toString('hex');
      versions.set(itemKey, (versions.get(itemKey) ?? 0) + 1);
    }
    let heads = 0;
    for await (const _ of store.iterate(prefixSpace(HEAD_PREFIX))) heads++;
    return { versions, heads };
  } finally {
    await store.close();
  }
}

t.test('range leaders collect garbage on a cluster: old versions go from every node, latest values stay', async (t) => {
  const cluster = await startCluster(t, {
    nodes: 3,
    rangesPerNode: 2,
    env: { [GC_INTERVAL_ENV]: String(GC_INTERVAL_MS), [VERSION_RETENTION_ENV]: String(RETENTION_MS) },
  });
  await createGroupedTable(cluster.client(0), TABLE);
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < ITEMS; i++) await cluster.client((i + round) % 3).send(new PutItemCommand({ TableName: TABLE, Item: item(i, round) }));
  }

  // ---- the leaders delete the garbage once the last round is older than the retention ----
  const deleted = async () => {
    let sum = 0;
    for (const node of cluster.nodes) sum += sampleValue(await metrics(node), 'rangedb_mvcc_gc_versions_deleted_total') ?? 0;
    return sum;
  };
  const started = Date.now();
  await until(`${GARBAGE} keys deleted by GC`, async () => (await deleted()) >= GARBAGE);
  t.equal(await deleted(), GARBAGE, `the leaders deleted every old version and dead index entry (${Date.now() - started} ms after the last write)`);
  const passes = await Promise.all(cluster.nodes.map(async (node) => sampleValue(await metrics(node), 'rangedb_mvcc_gc_passes_total') ?? 0));
  t.ok(passes.every((n) => n > 0), `every node runs passes (${passes.join(', ')})`);

  // ---- every item reads its latest value, by key and through the GSI, on every node ----
  const latest = Array.from({ length: ITEMS }, (_, i) => item(i, ROUNDS - 1));
  for (const via of [0, 1, 2]) {
    const client = cluster.client(via);
    const wrong: string[] = [];
    for (const expected of latest) {
      const got = await client.send(new GetItemCommand({ TableName: TABLE, Key: { id: expected.id }, ConsistentRead: true }));
      if (got.Item?.['v']?.S !== expected.v.S) wrong.push(`${expected.id.S}: ${JSON.stringify(got.Item?.['v'])}`);
    }
    t.same(wrong, [], `every item reads its latest value through node ${via + 1}`);
    for (const grp of GROUPS) {
      const expected = latest.filter((entry) => entry.grp.S === grp).map((entry) => `${entry.id.S}=${entry.v.S}`).sort();
      t.same(await queryGroup(client, TABLE, grp, (entry) => `${entry['id']!.S}=${entry['v']!.S}`), expected, `the GSI holds the latest ${grp} items once, through node ${via + 1}`);
    }
  }

  // ---- every replica applied the collection: one version per item and per live index entry ----
  const applied = async (node: ClusterNodeInfo) => {
    const text = await metrics(node);
    const out = new Map<string, number>();
    for (const match of text.matchAll(/^rangedb_raft_applied_index\{group="(range-\d+)"\} (\d+)$/gm)) out.set(match[1]!, Number(match[2]));
    return out;
  };
  await until('every replica to apply every range entry', async () => {
    const all = await Promise.all(cluster.nodes.map(applied));
    return [...all[0]!].every(([group, index]) => all.every((m) => m.get(group) === index)) && all.every((m) => m.size === all[0]!.size);
  });
  for (const i of [0, 1, 2]) await cluster.stop(i);
  for (const node of cluster.nodes) {
    const { versions, heads } = await storeVersions(node.dataDir);
    t.equal(versions.size, 2 * ITEMS, `node ${node.nodeId}: the items and their live GSI entries, nothing else`);
    t.same([...versions.values()].filter((n) => n !== 1), [], `node ${node.nodeId}: one version of each`);
    t.equal(heads, 2 * ITEMS, `node ${node.nodeId}: no head of a dead index entry`);
  }
});

t.test('the GC settings from the environment: defaults when unset, bad values refused', async (t) => {
  t.same(gcSettingsFromEnv({}), {}, "unset: the engine's defaults");
  t.same(gcSettingsFromEnv({ [GC_INTERVAL_ENV]: '0', [VERSION_RETENTION_ENV]: '' }), { gcIntervalMs: 0 }, '0 turns the collector off');
  t.same(gcSettingsFromEnv({ [GC_INTERVAL_ENV]: '250', [VERSION_RETENTION_ENV]: '5000' }), { gcIntervalMs: 250, versionRetentionMs: 5000 });
  for (const [name, raw] of [
    [GC_INTERVAL_ENV, '-1'],
    [GC_INTERVAL_ENV, '1.5'],
    [GC_INTERVAL_ENV, 'soon'],
    [VERSION_RETENTION_ENV, String(MIN_VERSION_RETENTION_MS - 1)],
    [VERSION_RETENTION_ENV, '1e12'],
  ] as const) {
    t.throws(() => gcSettingsFromEnv({ [name]: raw }), GcSettingsError, `${name}=${raw} is refused`);
  }
});
