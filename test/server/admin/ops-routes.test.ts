import t from 'tap';
import { registerOpsRoutes } from '../../../server/admin/ops-routes.js';
import type { NodeInfo, NodeStatusSource, RangeStatus, Readiness } from '../../../server/admin/node-status.js';
import { NodeMetrics, type NodeStatsSource } from '../../../server/metrics/node-metrics.js';
import { UNKNOWN_OPERATION_XML } from '../../../server/app.js';
import { BucketCounts } from '../../../tso/bucket-counts.js';
import { TxnStats } from '../../../engine/txn/txn-stats.js';
import { dynamoHeaders, dynamoRequest, testApp } from '../protocol/helpers.js';

const idleStats: NodeStatsSource = {
  raft: () => ({
    groups: [],
    flushes: 0,
    fsyncs: 0,
    messages: 0,
    proposals: 0,
    proposalsPending: 0,
    leaderChanges: 0,
    elections: 0,
    logCompactions: 0,
    snapshotsBuilt: 0,
    snapshotsInstalled: 0,
  }),
  latchesPending: () => 0,
  background: () => ({ gcPasses: 0, gcVersionsDeleted: 0, ttlPasses: 0, ttlItemsDeleted: 0 }),
  timestamps: () => ({ ceilingRenewals: 0, lastIssuedPhysicalMs: 0, batchSizes: new BucketCounts([1]), waitsMs: new BucketCounts([1]) }),
  dataDirBytes: async () => 0,
  transactions: () => new TxnStats(),
};

const RANGE: RangeStatus = { rangeId: 7, table: 'orders', start: '', end: 'ff', leader: 1, replicas: [1], applied: 3, approximateBytes: 10, locks: 0 };
const NODE: NodeInfo = { nodeId: 1, httpAddress: null, version: '0.0.0', uptimeSeconds: 1, role: 'embedded', tsoLeader: true, metaLeader: true };

/** An app with the ops routes over a status source whose readiness the test sets. */
async function opsApp(readiness: { current: Readiness }) {
  const metrics = new NodeMetrics(idleStats);
  const { app } = await testApp({}, { onRequestDone: metrics.observeRequest });
  const status: NodeStatusSource = {
    readiness: async () => readiness.current,
    ranges: async () => [RANGE],
    nodes: async () => [NODE],
  };
  registerOpsRoutes(app, status, metrics);
  return app;
}

t.test('/health and /ready answer unsigned GETs; /ready follows the node', async (t) => {
  const readiness = { current: { ready: true } as Readiness };
  const app = await opsApp(readiness);
  const health = await app.inject({ method: 'GET', url: '/health' });
  t.equal(health.statusCode, 200);
  t.strictSame(health.json(), { status: 'ok' });

  t.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200);
  readiness.current = { ready: false, reason: 'shutting down' };
  const notReady = await app.inject({ method: 'GET', url: '/ready' });
  t.equal(notReady.statusCode, 503);
  t.strictSame(notReady.json(), { status: 'not ready', reason: 'shutting down' });
  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200, 'health does not depend on readiness');
  readiness.current = { ready: true };
  t.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200, 'ready again');
});

t.test('DynamoDB behaviour elsewhere is unchanged', async (t) => {
  const app = await opsApp({ current: { ready: true } });
  const root = await app.inject({ method: 'GET', url: '/' });
  t.equal(root.statusCode, 200);
  t.match(root.body, /^healthy: dynamodb\./, 'GET / is still the DynamoDB health line');
  const other = await app.inject({ method: 'GET', url: '/anything/else' });
  t.match(other.body, /^healthy: dynamodb\./);
  const putMetrics = await app.inject({ method: 'PUT', url: '/metrics' });
  t.equal(putMetrics.statusCode, 404);
  t.equal(putMetrics.body, UNKNOWN_OPERATION_XML, 'only GET reaches the ops routes: PUT gets DynamoDB\'s answer');
  const postMetrics = await app.inject({ method: 'POST', url: '/metrics', headers: dynamoHeaders('ListTables'), payload: '{}' });
  t.equal(postMetrics.statusCode, 200);
  t.strictSame(postMetrics.json(), { TableNames: [] }, 'a DynamoDB POST is served whatever the path');
});

t.test('/metrics, /admin/ranges and /admin/nodes', async (t) => {
  const app = await opsApp({ current: { ready: true } });
  await dynamoRequest(app, 'ListTables', {});
  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  t.equal(metrics.statusCode, 200);
  t.match(metrics.headers['content-type'], /text\/plain/);
  t.match(metrics.body, /rangedb_requests_total\{operation="ListTables"\} 1/);
  t.strictSame((await app.inject({ method: 'GET', url: '/admin/ranges' })).json(), { ranges: [RANGE] });
  t.strictSame((await app.inject({ method: 'GET', url: '/admin/nodes' })).json(), { nodes: [NODE] });
});
