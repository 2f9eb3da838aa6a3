/**
 * The Grafana dashboard and the operations guide must name metrics the node
 * actually exports: a renamed metric would otherwise leave a silently empty panel.
 */
import t from 'tap';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedNode } from '../../../server/embedded-node.js';
import { dynamoRequest } from '../protocol/helpers.js';
import { tempDir } from '../../helpers/server.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const METRIC_NAME = /rangedb_[a-z0-9_]+/g;
/** Rows of the guide's metric table that only cluster nodes export (test/cluster/ops.test.ts checks those). */
export const CLUSTER_ONLY_ROW = 'cluster nodes:';

t.test('every rangedb_ metric in the dashboard and the guide is exported', async (t) => {
  const dataDir = await tempDir('dashboard');
  const node = await startEmbeddedNode({ dataDir, logger: false, gcIntervalMs: 0, ttlIntervalMs: 0 });
  t.teardown(async () => {
    await node.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  // Labelled series appear once something was counted: one success, one error.
  await dynamoRequest(node.app, 'ListTables', {});
  await dynamoRequest(node.app, 'DescribeTable', { TableName: 'missing' });
  const exported = new Set((await node.app.inject({ method: 'GET', url: '/metrics' })).body.match(METRIC_NAME));

  const dashboard = await readFile(join(ROOT, 'docs', 'grafana', 'rangedb.json'), 'utf8');
  JSON.parse(dashboard);
  const guide = (await readFile(join(ROOT, 'docs', 'OPERATIONS.md'), 'utf8'))
    .split('\n')
    .filter((line) => !line.includes(CLUSTER_ONLY_ROW))
    .join('\n');
  for (const [source, text] of [['dashboard', dashboard], ['OPERATIONS.md', guide]] as const) {
    // The guide's `rangedb_process_*` wildcards stop at the underscore: skip those prefixes.
    const named = new Set([...text.matchAll(METRIC_NAME)].map((match) => match[0]).filter((name) => !name.endsWith('_')));
    t.ok(named.size > 5, `${source} names metrics`);
    for (const name of named) t.ok(exported.has(name), `${source}: ${name} is exported`);
  }
});
