import t from 'tap';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { startTestServer } from '../../helpers/server.js';
import type { NodeInfo, RangeStatus } from '../../../server/admin/node-status.js';
import { EMBEDDED_NODE_ID } from '../../../server/embedded-node.js';

const STATUS_MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'server', 'status.js');

function runStatus(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [STATUS_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

t.test('an embedded node reports itself, its range, and readiness', async (t) => {
  const server = await startTestServer();
  t.teardown(() => server.close());

  t.strictSame(await getJson(`${server.endpoint}/health`), { status: 200, body: { status: 'ok' } });
  t.strictSame(await getJson(`${server.endpoint}/ready`), { status: 200, body: { status: 'ready' } });

  const { body: nodesBody } = await getJson(`${server.endpoint}/admin/nodes`);
  const nodes = (nodesBody as { nodes: NodeInfo[] }).nodes;
  t.equal(nodes.length, 1);
  t.equal(nodes[0]!.nodeId, EMBEDDED_NODE_ID);
  t.equal(nodes[0]!.httpAddress, server.endpoint);
  t.ok(nodes[0]!.tsoLeader && nodes[0]!.metaLeader, 'one node leads the TSO and meta');
  t.match(nodes[0]!.version, /^\d+\.\d+\.\d+/);

  const ranges = async () => ((await getJson(`${server.endpoint}/admin/ranges`)).body as { ranges: RangeStatus[] }).ranges;
  const before = await ranges();
  t.equal(before.length, 1);
  t.equal(before[0]!.start, '', 'the range starts at the beginning of the keyspace');
  t.match(before[0]!.end, /^(ff)+$/);
  t.strictSame(before[0]!.replicas, [EMBEDDED_NODE_ID]);
  t.equal(before[0]!.leader, EMBEDDED_NODE_ID);
  t.ok(before[0]!.approximateBytes > 0);
  t.equal(before[0]!.table, null, 'the one range holds every table, so it names none');

  await server.client.send(
    new CreateTableCommand({
      TableName: 'status',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await server.doc.send(new PutCommand({ TableName: 'status', Item: { pk: 'a' } }));
  await server.doc.send(new PutCommand({ TableName: 'status', Item: { pk: 'b' } }));
  const after = await ranges();
  t.equal(after[0]!.applied, before[0]!.applied + 2, 'each put is one applied command');

  const status = await runStatus(['--url', server.endpoint]);
  t.equal(status.code, 0, status.stderr);
  t.match(status.stdout, /NODE\s+ADDRESS\s+VERSION\s+UPTIME\s+ROLE\s+LEADS/);
  t.match(status.stdout, new RegExp(`${EMBEDDED_NODE_ID}\\s+${server.endpoint.replace(/[.]/g, '\\.')}.*embedded\\s+TSO leader, meta leader`));
  t.match(status.stdout, new RegExp(`RANGE\\s+TABLE.*\\n.*\\n1\\s+-\\s+\\(start\\)\\s+f+…\\s+1\\s+1\\s+${after[0]!.applied}\\s`));
});

t.test('status exits 1 with a message when the node cannot be reached', async (t) => {
  const status = await runStatus(['--url', 'http://127.0.0.1:1']);
  t.equal(status.code, 1);
  t.match(status.stderr, /Cannot reach http:\/\/127\.0\.0\.1:1\/admin\//);
  t.equal((await runStatus(['--bogus'])).code, 2, 'bad arguments');
});

t.test('/ready turns 503 once the node starts shutting down', async (t) => {
  const server = await startTestServer();
  t.teardown(() => server.close());
  const closing = server.node.close();
  const response = await server.node.app.inject({ method: 'GET', url: '/ready' });
  await closing;
  t.equal(response.statusCode, 503);
  t.strictSame(response.json(), { status: 'not ready', reason: 'shutting down' }, 'our readiness check answered, not a generic 503');
});
