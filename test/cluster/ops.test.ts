/**
 * Operating a three-process cluster: /admin/ranges shows range leaders on
 * all three nodes once a table exists, /metrics carries every Raft group,
 * and /ready turns false when a node loses its quorum and true again once
 * the quorum is back.
 */
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCluster } from '../helpers/cluster.js';
import { createTable } from '../helpers/server.js';
import { waitFor } from '../helpers/wait-for.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

interface RangesBody {
  ranges: Array<{ rangeId: number; leader: number; replicas: number[] }>;
}

t.test('ranges, Raft metrics and readiness across a quorum loss', async (t) => {
  const cluster = await startCluster(t, { nodes: 3, rangesPerNode: 2 });
  const [first] = cluster.nodes;
  await createTable(cluster.client(0), 'ops', ['id', 'S']);

  const leaders = await waitFor(
    'range leaders on all three nodes',
    async () => {
      const body = (await (await fetch(`${first!.endpoint}/admin/ranges`)).json()) as RangesBody;
      const found = new Set(body.ranges.map((r) => r.leader).filter((leader) => leader !== 0));
      return body.ranges.length === 6 && found.size === 3 ? found : undefined;
    },
    30_000,
    100,
  );
  t.same([...leaders].sort(), [1, 2, 3], 'the six ranges are led by all three nodes');

  const metrics = await (await fetch(`${first!.endpoint}/metrics`)).text();
  t.match(metrics, /rangedb_raft_term\{group="meta"\} [1-9]/, 'the meta group has a term');
  t.match(metrics, /rangedb_raft_leader\{group="tso"\} [1-3]/, 'the TSO group has a leader');
  t.match(metrics, /rangedb_raft_groups 8/, 'tso, meta and six ranges run on the node');
  t.match(metrics, /rangedb_raft_fsyncs_total [1-9]/, 'the Raft host synced its writes');
  const guide = await readFile(join(ROOT, 'docs', 'OPERATIONS.md'), 'utf8');
  // The embedded node exports every documented metric (test/server/metrics/dashboard.test.ts); a cluster node the Raft ones too.
  const raftMetrics = guide
    .split('\n')
    .filter((line) => line.startsWith('| `rangedb_raft_'))
    .flatMap((line) => line.match(/rangedb_raft_[a-z0-9_]+/g) ?? []);
  t.ok(raftMetrics.length >= 12, 'the guide lists the Raft metrics');
  for (const name of raftMetrics) t.match(metrics, new RegExp(`^${name}[{ ]`, 'm'), `OPERATIONS.md: ${name} is exported by a cluster node`);

  await cluster.waitReady(0);
  t.pass('ready with all three nodes');
  await cluster.kill(1);
  await cluster.kill(2);
  const reason = await waitFor(
    'node 1 to report not ready',
    async () => {
      const res = await fetch(`${first!.endpoint}/ready`);
      return res.status === 503 ? ((await res.json()) as { reason?: string }).reason : undefined;
    },
    30_000,
    100,
  );
  t.ok(reason, `alone, node 1 is not ready: ${reason}`);
  t.equal((await fetch(`${first!.endpoint}/health`)).status, 200, 'but it is healthy (the process is up)');

  await cluster.restart(1);
  await cluster.restart(2);
  await cluster.waitReady(0);
  t.pass('ready again once the quorum is back');
});
