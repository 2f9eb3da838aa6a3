import t, { type Test } from 'tap';
import { rm } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { startEmbeddedNode, type EmbeddedNode } from '../../../server/embedded-node.js';
import { dynamoRequest } from '../protocol/helpers.js';
import { tempDir } from '../../helpers/server.js';
import { sampleValue } from './scrape.js';

async function startNode(t: Test): Promise<EmbeddedNode> {
  const dataDir = await tempDir('metrics');
  // Background timers off: the test drives GC and TTL passes itself.
  const node = await startEmbeddedNode({ dataDir, logger: false, gcIntervalMs: 0, ttlIntervalMs: 0 });
  t.teardown(async () => {
    await node.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  return node;
}

async function scrape(app: FastifyInstance): Promise<string> {
  const response = await app.inject({ method: 'GET', url: '/metrics' });
  if (response.statusCode !== 200) throw new Error(`scrape answered ${response.statusCode}`);
  return response.body;
}

const TABLE = {
  TableName: 'metrics',
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
  BillingMode: 'PAY_PER_REQUEST',
};

t.test('request counts, errors and latency move as requests are served', async (t) => {
  const node = await startNode(t);
  const before = await scrape(node.app);
  t.equal(sampleValue(before, 'rangedb_requests_total', { operation: 'PutItem' }), undefined, 'no PutItem served yet');

  t.equal((await dynamoRequest(node.app, 'CreateTable', TABLE)).statusCode, 200);
  for (let i = 0; i < 3; i++) {
    t.equal((await dynamoRequest(node.app, 'PutItem', { TableName: 'metrics', Item: { pk: { S: `k${i}` } } })).statusCode, 200);
  }
  t.equal((await dynamoRequest(node.app, 'GetItem', { TableName: 'missing', Key: { pk: { S: 'k' } } })).statusCode, 400);

  const after = await scrape(node.app);
  t.equal(sampleValue(after, 'rangedb_requests_total', { operation: 'PutItem' }), 3);
  t.equal(sampleValue(after, 'rangedb_requests_total', { operation: 'CreateTable' }), 1);
  t.equal(sampleValue(after, 'rangedb_request_errors_total', { operation: 'GetItem', error: 'ResourceNotFoundException' }), 1);
  t.equal(sampleValue(after, 'rangedb_request_errors_total', { operation: 'PutItem' }), undefined, 'successes are not errors');
  t.equal(sampleValue(after, 'rangedb_request_duration_seconds_count', { operation: 'PutItem' }), 3);
  t.ok(sampleValue(after, 'rangedb_request_duration_seconds_sum', { operation: 'PutItem' })! > 0);

  // The embedded node writes through its one-replica Raft groups: each put is a proposal of the range's group.
  const fsyncsBefore = sampleValue(before, 'rangedb_raft_fsyncs_total')!;
  const proposalsBefore = sampleValue(before, 'rangedb_raft_proposals_total')!;
  t.ok(sampleValue(after, 'rangedb_raft_fsyncs_total')! > fsyncsBefore, 'synced Raft batches grew');
  t.ok(sampleValue(after, 'rangedb_raft_proposals_total')! >= proposalsBefore + 3, 'each put is a proposal');
  for (const group of ['tso', 'meta', 'range-1']) {
    t.equal(sampleValue(after, 'rangedb_raft_leader', { group }), 1, `the ${group} group is led by the node`);
  }
  t.ok(sampleValue(after, 'rangedb_raft_applied_index', { group: 'range-1' })! >= 3, 'the range applied the puts');
  t.equal(sampleValue(after, 'rangedb_latches_pending'), 0, 'no latches held when idle');

  // Scrapes themselves and the health line are not DynamoDB operations.
  t.equal(sampleValue(after, 'rangedb_requests_total', { operation: 'unknown' }), undefined);
  const third = await scrape(node.app);
  t.equal(sampleValue(third, 'rangedb_requests_total', { operation: 'PutItem' }), 3, 'scraping does not count as a request');
});

t.test('a request with an unknown target is counted under operation "unknown"', async (t) => {
  const node = await startNode(t);
  t.equal((await dynamoRequest(node.app, 'NoSuchOperation', {})).statusCode, 400);
  const metrics = await scrape(node.app);
  t.equal(sampleValue(metrics, 'rangedb_request_errors_total', { operation: 'unknown', error: 'UnknownOperationException' }), 1);
});

t.test('timestamp, GC, TTL, disk and process metrics', async (t) => {
  const node = await startNode(t);
  const before = await scrape(node.app);
  t.ok(sampleValue(before, 'rangedb_tso_ceiling_renewals_total')! >= 1, 'the ceiling was persisted at start');
  const lastMs = sampleValue(before, 'rangedb_tso_last_issued_physical_ms')!;
  t.type(lastMs, 'number');
  t.ok(sampleValue(before, 'rangedb_rocksdb_disk_bytes')! > 0, 'the data dir has a size');
  t.ok(sampleValue(before, 'rangedb_process_resident_memory_bytes')! > 0, 'process RSS');
  t.not(sampleValue(before, 'rangedb_nodejs_eventloop_lag_seconds'), undefined, 'event-loop lag');
  t.equal(sampleValue(before, 'rangedb_mvcc_gc_passes_total'), 0);
  t.equal(sampleValue(before, 'rangedb_ttl_passes_total'), 0);

  await dynamoRequest(node.app, 'CreateTable', TABLE);
  await dynamoRequest(node.app, 'UpdateTimeToLive', { TableName: 'metrics', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' } });
  const expired = String(Math.floor(Date.now() / 1000) - 60);
  await dynamoRequest(node.app, 'PutItem', { TableName: 'metrics', Item: { pk: { S: 'old' }, expires: { N: expired } } });
  await dynamoRequest(node.app, 'PutItem', { TableName: 'metrics', Item: { pk: { S: 'new' } } });
  t.equal(await node.engine.expireItems(), 1, 'one item expired');
  await node.engine.collectGarbage();

  const after = await scrape(node.app);
  t.equal(sampleValue(after, 'rangedb_ttl_passes_total'), 1);
  t.equal(sampleValue(after, 'rangedb_ttl_deletions_total'), 1);
  t.equal(sampleValue(after, 'rangedb_mvcc_gc_passes_total'), 1);
  t.not(sampleValue(after, 'rangedb_mvcc_gc_versions_deleted_total'), undefined);
  const lastAfterMs = sampleValue(after, 'rangedb_tso_last_issued_physical_ms')!;
  t.ok(lastAfterMs >= lastMs, 'timestamps only move forward');
  t.ok(Math.abs(lastAfterMs - Date.now()) < 60_000, 'the last issued timestamp follows the wall clock');
});

t.test('every node has its own registry', async (t) => {
  const first = await startNode(t);
  const second = await startNode(t);
  await dynamoRequest(first.app, 'ListTables', {});
  t.equal(sampleValue(await scrape(first.app), 'rangedb_requests_total', { operation: 'ListTables' }), 1);
  t.equal(sampleValue(await scrape(second.app), 'rangedb_requests_total', { operation: 'ListTables' }), undefined);
});

t.test("RocksDB's own figures: memtable bytes grow as items are written", async (t) => {
  const node = await startNode(t);
  t.equal((await dynamoRequest(node.app, 'CreateTable', TABLE)).statusCode, 200);
  const before = await scrape(node.app);
  const memtableBefore = sampleValue(before, 'rangedb_rocksdb_memtable_bytes');
  t.ok(memtableBefore !== undefined && memtableBefore > 0, 'the memtable holds the catalog and the TSO log already');
  t.equal(sampleValue(before, 'rangedb_rocksdb_running_compactions'), 0, 'nothing is compacting on a fresh node');
  for (let i = 0; i < 50; i++) {
    const item = { pk: { S: `k${i}` }, body: { S: 'x'.repeat(500) } };
    t.equal((await dynamoRequest(node.app, 'PutItem', { TableName: 'metrics', Item: item })).statusCode, 200);
  }
  const after = await scrape(node.app);
  t.ok(sampleValue(after, 'rangedb_rocksdb_memtable_bytes')! >= memtableBefore! + 50 * 500, 'the writes are in the memtable');
  t.ok(sampleValue(after, 'rangedb_rocksdb_estimated_keys') !== undefined, 'key estimate reported');
});

/** The buckets of one histogram, in order, with +Inf last. */
function buckets(metrics: string, name: string): Array<[string, number]> {
  return [...metrics.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`, 'gm'))].map((m) => [m[1]!, Number(m[2])]);
}

t.test('TSO batch sizes and waits move as timestamps are drawn', async (t) => {
  const node = await startNode(t);
  const before = await scrape(node.app);
  const requestsBefore = sampleValue(before, 'rangedb_tso_batch_size_count')!;
  const timestampsBefore = sampleValue(before, 'rangedb_tso_batch_size_sum')!;
  const waitsBefore = sampleValue(before, 'rangedb_tso_wait_seconds_count')!;
  t.ok(requestsBefore >= 1, 'the node drew a timestamp at start');

  const CALLERS = 100;
  await Promise.all(Array.from({ length: CALLERS }, () => node.engine.snapshotTimestamp()));

  const after = await scrape(node.app);
  const requests = sampleValue(after, 'rangedb_tso_batch_size_count')! - requestsBefore;
  const timestamps = sampleValue(after, 'rangedb_tso_batch_size_sum')! - timestampsBefore;
  t.ok(requests >= 1 && requests < CALLERS, `${CALLERS} concurrent callers were served by ${requests} requests (batched)`);
  t.ok(timestamps >= CALLERS, `the requests carried ${timestamps} timestamps`);
  t.ok(sampleValue(after, 'rangedb_tso_wait_seconds_count')! - waitsBefore >= CALLERS, 'every caller\'s wait was observed');
  t.ok(sampleValue(after, 'rangedb_tso_wait_seconds_sum')! > 0, 'waits take time');

  for (const name of ['rangedb_tso_batch_size', 'rangedb_tso_wait_seconds']) {
    const series = buckets(after, name);
    t.ok(series.length > 5, `${name} has buckets`);
    t.equal(series.at(-1)![0], '+Inf');
    t.equal(series.at(-1)![1], sampleValue(after, `${name}_count`), `${name}: +Inf holds every observation`);
    t.ok(series.every(([, value], i) => i === 0 || value >= series[i - 1]![1]), `${name}: buckets are cumulative`);
    t.ok(series.slice(0, -1).every(([le], i) => i === 0 || Number(le) > Number(series[i - 1]![0])), `${name}: bounds ascend`);
  }
  t.match(after, /^# TYPE rangedb_tso_wait_seconds histogram$/m, 'exported as a histogram');
});

t.test('transaction commits and aborts by reason', async (t) => {
  const node = await startNode(t);
  t.equal((await dynamoRequest(node.app, 'CreateTable', TABLE)).statusCode, 200);
  const before = await scrape(node.app);
  t.equal(sampleValue(before, 'rangedb_txn_commits_total'), 0);
  t.equal(sampleValue(before, 'rangedb_txn_aborts_total', { reason: 'ConditionalCheckFailed' }), 0, 'every reason is exported before it happens');
  t.equal(sampleValue(before, 'rangedb_txn_lock_resolutions_total', { outcome: 'rolled-forward' }), 0);

  const put = (pk: string) => ({ Put: { TableName: 'metrics', Item: { pk: { S: pk } } } });
  t.equal((await dynamoRequest(node.app, 'TransactWriteItems', { TransactItems: [put('a'), put('b')] })).statusCode, 200);
  const afterCommit = await scrape(node.app);
  t.equal(sampleValue(afterCommit, 'rangedb_txn_commits_total'), 1, 'one TransactWriteItems committed');

  const failing = {
    TransactItems: [
      put('c'),
      { ConditionCheck: { TableName: 'metrics', Key: { pk: { S: 'missing' } }, ConditionExpression: 'attribute_exists(pk)' } },
    ],
  };
  const refused = await dynamoRequest(node.app, 'TransactWriteItems', failing);
  t.equal(refused.statusCode, 400);
  t.match(refused.body, /ConditionalCheckFailed/);
  const afterAbort = await scrape(node.app);
  t.equal(sampleValue(afterAbort, 'rangedb_txn_commits_total'), 1, 'the cancelled one did not commit');
  t.equal(sampleValue(afterAbort, 'rangedb_txn_aborts_total', { reason: 'ConditionalCheckFailed' }), 1, 'counted under its reason');
  t.equal(sampleValue(afterAbort, 'rangedb_txn_aborts_total', { reason: 'TransactionConflict' }), 0, 'and only there');
});
