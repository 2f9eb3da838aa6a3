/**
 * The operating surface of an in-process three-node cluster: /metrics counts
 * elections, transactions (commits, aborts by reason) and lock resolutions,
 * and /admin/ranges names each range's table and reports a real size once
 * items were written into it. Each check scrapes, acts, and scrapes again.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { GetItemCommand, PutItemCommand, TransactWriteItemsCommand, TransactionCanceledException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTable, sdkClient, startInProcessCluster, type InProcessCluster } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait-for.js';
import { sampleValue } from '../metrics/scrape.js';
import type { RangeStatus } from '../../../server/admin/node-status.js';
import { encodeItemKey } from '../../../engine/keys/item-key.js';
import { spanContains } from '../../../engine/keys/key-span.js';
import { mutationsOf } from '../../../engine/items/range-writes.js';
import { prewriteOnRange, type TransactAction } from '../../../engine/txn/transact-write.js';
import type { RangeReplica } from '../../../engine/range/replica.js';
import type { Item } from '../../../engine/types.js';
import { NotLeaderError } from '../../../engine/routing/errors.js';

const SETTLE_MS = 30_000;
const POLL_MS = 50;
/** Tries of a direct replica call whose range's leadership moves meanwhile (an election on a loaded machine). */
const LEADER_ATTEMPTS_MAX = 20;
/** Keys tried to find one on another range than a given one (six ranges: the first few do). */
const CANDIDATE_KEYS = 50;

async function scrape(endpoint: string): Promise<string> {
  const response = await fetch(`${endpoint}/metrics`);
  if (response.status !== 200) throw new Error(`scrape of ${endpoint} answered ${response.status}`);
  return response.text();
}

/** One sample summed over every node of the cluster. */
async function clusterTotal(cluster: InProcessCluster, name: string, labels: Record<string, string> = {}): Promise<number> {
  const values = await Promise.all(cluster.endpoints.map(async (endpoint) => sampleValue(await scrape(endpoint), name, labels) ?? 0));
  return values.reduce((sum, value) => sum + value, 0);
}

async function rangesOf(endpoint: string): Promise<RangeStatus[]> {
  return ((await (await fetch(`${endpoint}/admin/ranges`)).json()) as { ranges: RangeStatus[] }).ranges;
}

/** Waits until every range of `table` has a leader, as node 1 sees it; answers them. */
async function ledRanges(cluster: InProcessCluster, table: string, count: number): Promise<RangeStatus[]> {
  return waitFor(
    `the ${count} ranges of ${table} to have leaders`,
    async () => {
      const ranges = (await rangesOf(cluster.endpoints[0]!)).filter((range) => range.table === table);
      return ranges.length === count && ranges.every((range) => range.leader !== 0) ? ranges : undefined;
    },
    SETTLE_MS,
    POLL_MS,
  );
}

t.test('metrics and range status of a cluster', async (t) => {
  const cluster = await startInProcessCluster(); // 2 ranges per node: 6 per table
  t.teardown(() => cluster.close());
  const clients: DynamoDBClient[] = cluster.endpoints.map((endpoint) => sdkClient(endpoint));
  t.teardown(() => clients.forEach((client) => client.destroy()));
  const client = clients[0]!;

  t.test('elections: every new range group campaigns', async (t) => {
    const before = await clusterTotal(cluster, 'rangedb_raft_elections_total');
    t.ok(before >= 2, `the TSO and meta groups were elected at start (${before} campaigns)`);
    await createTable(client, 'orders', ['id', 'S']);
    await ledRanges(cluster, 'orders', 6);
    const after = await clusterTotal(cluster, 'rangedb_raft_elections_total');
    t.ok(after - before >= 6, `the six ranges of the new table took ${after - before} campaigns`);
    t.ok(after <= before + 6 * 10, 'and not an election storm');
  });

  t.test('transactions: a commit, and an abort counted under ConditionalCheckFailed', async (t) => {
    const node = cluster.endpoints[1]!;
    const commits = sampleValue(await scrape(node), 'rangedb_txn_commits_total')!;
    const conditionFailures = sampleValue(await scrape(node), 'rangedb_txn_aborts_total', { reason: 'ConditionalCheckFailed' })!;
    // Ten partitions: the transaction spans several ranges (two-phase commit).
    const puts = Array.from({ length: 10 }, (_, i) => ({ Put: { TableName: 'orders', Item: { id: { S: `txn-${i}` } } } }));
    await clients[1]!.send(new TransactWriteItemsCommand({ TransactItems: puts }));
    t.equal(sampleValue(await scrape(node), 'rangedb_txn_commits_total'), commits + 1, 'the node that answered counted the commit');

    const failing = [
      { Put: { TableName: 'orders', Item: { id: { S: 'txn-new' } } } },
      { ConditionCheck: { TableName: 'orders', Key: { id: { S: 'txn-missing' } }, ConditionExpression: 'attribute_exists(id)' } },
    ];
    await t.rejects(clients[1]!.send(new TransactWriteItemsCommand({ TransactItems: failing })), TransactionCanceledException);
    const after = await scrape(node);
    t.equal(sampleValue(after, 'rangedb_txn_aborts_total', { reason: 'ConditionalCheckFailed' }), conditionFailures + 1, 'the abort is counted under its reason');
    t.equal(sampleValue(after, 'rangedb_txn_commits_total'), commits + 1, 'and is not a commit');
  });

  t.test('lock resolutions: a reader rolls a committed transaction forward and an abandoned one back', async (t) => {
    const engine = cluster.nodes[0]!.engine;
    const table = engine.catalog.require('orders');
    const keyOf = (id: string) => encodeItemKey(table.tableId, { S: id });
    const rangeOf = async (id: string): Promise<RangeStatus> =>
      (await ledRanges(cluster, 'orders', 6)).find((range) => spanContains({ start: Buffer.from(range.start, 'hex'), end: Buffer.from(range.end, 'hex') }, keyOf(id)))!;
    /** Runs `op` on the leader's replica of the range holding `id`, again on the new leader if leadership moved meanwhile. */
    const onLeader = async <T>(id: string, op: (replica: RangeReplica) => Promise<T>): Promise<T> => {
      for (let attempt = 1; ; attempt++) {
        const status = await rangeOf(id);
        const replica = cluster.nodes[status.leader - 1]!.engine.ranges.find((r) => r.descriptor.rangeId === status.rangeId)!;
        try {
          return await op(replica);
        } catch (error) {
          if (!(error instanceof NotLeaderError) || attempt >= LEADER_ATTEMPTS_MAX) throw error;
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        }
      }
    };
    const put = (id: string): TransactAction => {
      const item: Item = { id: { S: id }, v: { S: 'locked' } };
      return { tableId: table.tableId, itemKey: keyOf(id), write: { kind: 'put', item }, returnOldOnFailure: false };
    };
    // Locks that are expired from the start: a reader resolves them at once instead of waiting out a TTL.
    const abandoned = async (primary: string, ids: string[]): Promise<bigint> => {
      const startTs = await engine.snapshotTimestamp();
      for (const id of ids) {
        const request = { startTs, primary: keyOf(primary), expiresAtMs: Date.now() - 1, actions: [put(id)] };
        // A prewrite retried with the same startTs rewrites its own lock.
        const result = await onLeader(id, (replica) => prewriteOnRange(replica, request, mutationsOf(engine.catalog)));
        if (!result.ok) throw new Error(`prewrite of ${id} failed: ${JSON.stringify(result)}`);
      }
      return startTs;
    };
    const read = async (id: string) => (await client.send(new GetItemCommand({ TableName: 'orders', Key: { id: { S: id } }, ConsistentRead: true }))).Item;
    const resolutions = async () => ({
      forward: await clusterTotal(cluster, 'rangedb_txn_lock_resolutions_total', { outcome: 'rolled-forward' }),
      back: await clusterTotal(cluster, 'rangedb_txn_lock_resolutions_total', { outcome: 'rolled-back' }),
    });

    // A primary and a secondary on different ranges; the primary commits, the secondary's lock is left behind.
    const primaryRange = (await rangeOf('pri')).rangeId;
    let secondary: string | undefined;
    for (let i = 0; i < CANDIDATE_KEYS && secondary === undefined; i++) if ((await rangeOf(`sec-${i}`)).rangeId !== primaryRange) secondary = `sec-${i}`;
    if (secondary === undefined) throw new Error(`none of ${CANDIDATE_KEYS} keys is on another range than the primary`);
    const before = await resolutions();
    const startTs = await abandoned('pri', ['pri', secondary]);
    const commitTs = await engine.snapshotTimestamp();
    await onLeader('pri', (replica) => replica.commitTxn({ startTs, commitTs, itemKeys: [keyOf('pri')], primary: keyOf('pri') }));
    t.same((await read(secondary))?.v, { S: 'locked' }, 'the reader rolled the secondary forward');
    const forward = await resolutions();
    t.equal(forward.forward, before.forward + 1, 'one lock rolled forward');
    t.equal(forward.back, before.back, 'none rolled back');

    await abandoned('gone', ['gone']);
    t.equal(await read('gone'), undefined, 'the reader rolled the abandoned transaction back');
    const back = await resolutions();
    t.equal(back.back, forward.back + 1, 'one lock rolled back');
    t.equal(back.forward, forward.forward, 'none rolled forward');
  });

  t.test('/admin/ranges names each range\'s table and sizes it from RocksDB', async (t) => {
    await createTable(client, 'sized', ['pk', 'S'], ['sk', 'N']);
    const ranges = await ledRanges(cluster, 'sized', 6);
    const before = await rangesOf(cluster.endpoints[0]!);
    t.ok(before.some((range) => range.table === 'orders'), 'the other table\'s ranges are named too');
    t.ok(before.every((range) => range.table === 'orders' || range.table === 'sized'), 'every range belongs to a table here');

    // One partition, so one range; random bytes, as RocksDB compresses. Enough to overflow a node's
    // 16 MiB memtable once (each item is written three times: Raft log, head, version), as the
    // estimate counts files only.
    const ITEMS = 24;
    const ITEM_BYTES = 300 * 1024;
    for (let i = 0; i < ITEMS; i++) {
      await client.send(new PutItemCommand({ TableName: 'sized', Item: { pk: { S: 'big' }, sk: { N: String(i) }, blob: { B: randomBytes(ITEM_BYTES) } } }));
    }
    const engine = cluster.nodes[0]!.engine;
    const key = encodeItemKey(engine.catalog.require('sized').tableId, { S: 'big' });
    const holder = ranges.find((range) => spanContains({ start: Buffer.from(range.start, 'hex'), end: Buffer.from(range.end, 'hex') }, key))!;
    const sized = await waitFor(
      `range ${holder.rangeId} to report its size`,
      async () => {
        const range = (await rangesOf(cluster.endpoints[0]!)).find((r) => r.rangeId === holder.rangeId)!;
        return range.approximateBytes >= 1024 * 1024 ? range : undefined;
      },
      SETTLE_MS,
      100,
    );
    t.equal(sized.table, 'sized');
    // Each item is stored twice (head and history version), its binary base64 in the item encoding.
    t.ok(sized.approximateBytes <= 4 * ITEMS * ITEM_BYTES, `${sized.approximateBytes} bytes: about what was written, not the whole store`);
    const others = (await rangesOf(cluster.endpoints[0]!)).filter((r) => r.table === 'sized' && r.rangeId !== holder.rangeId);
    t.ok(others.every((r) => r.approximateBytes < sized.approximateBytes / 10), 'the table\'s empty ranges are far smaller');
  });
});
