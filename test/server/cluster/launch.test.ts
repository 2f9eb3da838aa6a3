/**
 * `npm run cluster` end to end: the launcher starts three nodes on free
 * ports with a temp data root, reports each one ready and a summary whose
 * endpoints serve the API; SIGINT stops them all, the launcher exits 0 and
 * no node process is left.
 */
import t from 'tap';
import { createServer } from 'node:net';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { freePort, listen } from '../../../consensus/adapters/listen.js';
import { NodeChild } from '../../helpers/child-process.js';
import { CLUSTER_READY_TIMEOUT_MS } from '../../helpers/cluster.js';
import { sdkClient, tempDir } from '../../helpers/server.js';

const LAUNCH = fileURLToPath(new URL('../../../server/cluster/launch.js', import.meta.url));
const NODES = 3;
const POLL_MS = 100;
const PORT_SEARCH_ATTEMPTS = 50;

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  try {
    await listen(server, port, '127.0.0.1');
    return true;
  } catch {
    return false;
  } finally {
    server.close();
  }
}

/** A base port p with p+1 .. p+count free (the launcher gives node i port base + i). */
async function freeBasePort(count: number): Promise<number> {
  for (let attempt = 0; attempt < PORT_SEARCH_ATTEMPTS; attempt += 1) {
    const base = (await freePort()) - 1;
    const ports = Array.from({ length: count }, (_, i) => base + 1 + i);
    if (ports.every((port) => port <= 65535) && (await Promise.all(ports.map(isFree))).every(Boolean)) return base;
  }
  throw new Error(`no run of ${count} free ports found`);
}

const pidsIn = (output: string) => [...output.matchAll(/\[launch\] n\d+ started: pid (\d+)/g)].map((match) => Number(match[1]));
const readyIn = (output: string) => [...output.matchAll(/\[launch\] n(\d+) ready: (\S+)/g)].map((match) => ({ nodeId: Number(match[1]), endpoint: match[2]! }));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

t.test('three nodes start, report ready, and stop on SIGINT', async (t) => {
  const dataRoot = await tempDir('launch');
  // One run of 2 * NODES free ports: HTTP ports first, then peer ports.
  const base = await freeBasePort(2 * NODES);
  const launcher = new NodeChild(LAUNCH, ['--data-root', dataRoot, '--http-base-port', String(base), '--peer-base-port', String(base + NODES)], {
    env: { RANGEDB_LOG_LEVEL: 'warn' },
  });
  t.teardown(async () => {
    await launcher.stop();
    for (const pid of pidsIn(launcher.output())) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await rm(dataRoot, { recursive: true, force: true });
  });

  await launcher.waitUntil(
    'the summary',
    async () => (/cluster of 3 nodes ready/.test(launcher.output()) ? true : undefined),
    CLUSTER_READY_TIMEOUT_MS,
    POLL_MS,
  );
  const ready = readyIn(launcher.output());
  t.strictSame(ready.map((r) => r.nodeId).sort(), [1, 2, 3], 'a ready line per node');
  t.strictSame(
    ready.sort((a, b) => a.nodeId - b.nodeId).map((r) => r.endpoint),
    [1, 2, 3].map((i) => `http://127.0.0.1:${base + i}`),
    'node i serves HTTP on base + i',
  );
  t.match(launcher.output(), new RegExp(`aws dynamodb list-tables --endpoint-url http://127\\.0\\.0\\.1:${base + 1}`), 'an example command');
  for (const { endpoint } of ready) {
    const client = sdkClient(endpoint);
    t.ok(Array.isArray((await client.send(new ListTablesCommand({}))).TableNames), `${endpoint} serves ListTables`);
    client.destroy();
  }
  const pids = pidsIn(launcher.output());
  t.equal(pids.length, NODES, 'a pid per node');

  const exit = await launcher.kill('SIGINT');
  if (!t.strictSame(exit, { code: 0, signal: null }, 'the launcher exits 0')) t.comment(launcher.output());
  t.strictSame(pids.filter(isAlive), [], 'no node process is left');
  t.match(launcher.output(), /all nodes stopped/);
  t.notMatch(launcher.output(), /exited unexpectedly/, 'no node died on its own');
});
