/**
 * Test fixtures: a real embedded node listening on a random 127.0.0.1 port
 * with a fresh RocksDB data dir, and AWS SDK v3 clients pointed at it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, type ScalarAttributeType } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startEmbeddedNode, type EmbeddedNode } from '../../server/embedded-node.js';
import { startClusterNode, type ClusterNode } from '../../server/cluster/cluster-node.js';
import { isReady } from '../../server/cluster/launch.js';
import { freePort } from '../../consensus/adapters/listen.js';
import { waitFor } from './wait-for.js';

export const TEST_CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' };

export interface TestServer {
  node: Pick<EmbeddedNode, 'app' | 'engine' | 'close'>;
  endpoint: string;
  dataDir: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  close(): Promise<void>;
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `rangedb-${prefix}-`));
}

export function sdkClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
  });
}

/** An on-demand table with a partition key and, optionally, a sort key. */
export async function createTable(
  client: DynamoDBClient,
  name: string,
  partitionKey: [string, ScalarAttributeType],
  sortKey?: [string, ScalarAttributeType],
): Promise<void> {
  const keys = sortKey === undefined ? [partitionKey] : [partitionKey, sortKey];
  await client.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: keys.map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
      KeySchema: keys.map(([AttributeName], i) => ({ AttributeName, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

export interface InProcessCluster {
  nodes: ClusterNode[];
  /** Each node's HTTP endpoint, in node order. */
  endpoints: string[];
  dataDir: string;
  /** Closes every node and removes the data. */
  close(): Promise<void>;
}

/**
 * Three cluster nodes in this process (each with its own RocksDB and peer
 * port, talking over TCP), listening on 127.0.0.1, every one of them ready.
 */
export async function startInProcessCluster(rangesPerNode = 2): Promise<InProcessCluster> {
  const dataDir = await tempDir('cluster');
  const ids = [1, 2, 3];
  const ports = await Promise.all(ids.map(() => freePort()));
  const members = new Map(ids.map((id, i) => [id, { host: '127.0.0.1', port: ports[i]! }]));
  const nodes = await Promise.all(
    ids.map((nodeId) => startClusterNode({ nodeId, dataDir: join(dataDir, `n${nodeId}`), members, logger: false, rangesPerNode })),
  );
  const endpoints = await Promise.all(nodes.map((node) => node.app.listen({ port: 0, host: '127.0.0.1' })));
  for (const endpoint of endpoints) {
    await waitFor(`cluster node at ${endpoint} ready`, async () => ((await isReady(endpoint)) ? true : undefined), 30_000, 25);
  }
  return {
    nodes,
    endpoints,
    dataDir,
    async close() {
      await Promise.all(nodes.map((node) => node.close()));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A TestServer over a node already listening at `endpoint`; `closeNode` stops it (and removes its data). */
function testServer(node: TestServer['node'], endpoint: string, dataDir: string, closeNode: () => Promise<void>): TestServer {
  const client = sdkClient(endpoint);
  return {
    node,
    endpoint,
    dataDir,
    client,
    doc: DynamoDBDocumentClient.from(client),
    async close() {
      client.destroy();
      await closeNode();
    },
  };
}

/**
 * With RANGEDB_TEST_TARGET=cluster the same suites run against node 2 of an
 * in-process three-node cluster.
 */
async function startClusterTestServer(): Promise<TestServer> {
  const cluster = await startInProcessCluster();
  return testServer(cluster.nodes[1]!, cluster.endpoints[1]!, cluster.dataDir, () => cluster.close());
}

export async function startTestServer(): Promise<TestServer> {
  if (process.env.RANGEDB_TEST_TARGET === 'cluster') return startClusterTestServer();
  const dataDir = await tempDir('data');
  const node = await startEmbeddedNode({ dataDir, logger: false });
  const address = await node.app.listen({ port: 0, host: '127.0.0.1' });
  return testServer(node, address.replace('[::1]', '127.0.0.1'), dataDir, async () => {
    await node.close();
    await rm(dataDir, { recursive: true, force: true });
  });
}
