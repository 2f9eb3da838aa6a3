import t from 'tap';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { presignCount } from '../../load/comparison.js';
import { connectionsPerEndpoint } from '../../load/measure/load-run.js';
import { readTotalRssBytes } from '../../load/measure/rss-sampler.js';
import { distinctFreePorts } from '../../load/peers/child-group.js';
import { EtcdMissingError, etcdMemberArgs, ETCD_INSTALL_HINT, findExecutable, requireEtcd } from '../../load/peers/etcd-cluster.js';
import { CLUSTER_NODES, clusterNodeArgs } from '../../load/peers/local-cluster.js';
import { presignShare } from '../../load/protocols/dynamodb.js';
import { hostOf } from '../../load/protocols/protocol.js';
import { SIGNED_POOL_MAX } from '../../load/signing/signed-pool.js';

const flag = (args: string[], name: string) => args[args.indexOf(name) + 1];

t.test('cluster nodes: ids from 1, every peer in --initial-cluster, a data dir each under the root', async (t) => {
  const ports = { http: [8001, 8002, 8003], peer: [7001, 7002, 7003] };
  const args = [0, 1, 2].map((i) => clusterNodeArgs(i, ports, '/tmp/root'));
  t.same(args.map((a) => flag(a, '--node-id')), ['1', '2', '3']);
  t.ok(args.every((a) => flag(a, '--initial-cluster') === '1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003'));
  t.same(args.map((a) => flag(a, '--http')), ['127.0.0.1:8001', '127.0.0.1:8002', '127.0.0.1:8003']);
  t.same(args.map((a) => flag(a, '--peer')), ['127.0.0.1:7001', '127.0.0.1:7002', '127.0.0.1:7003']);
  t.same(args.map((a) => flag(a, '--data-dir')), ['/tmp/root/node-1', '/tmp/root/node-2', '/tmp/root/node-3']);
  t.notOk(args.some((a) => a.some((arg) => /sync/i.test(arg))), 'fsync stays on: nothing turns it off');
});

t.test('etcd members: one cluster of three on 127.0.0.1, a data dir each', async (t) => {
  const ports = { client: [2379, 2381, 2383], peer: [2380, 2382, 2384] };
  const args = [0, 1, 2].map((i) => etcdMemberArgs(i, ports, '/tmp/etcd', 'tok'));
  t.same(args.map((a) => flag(a, '--name')), ['m1', 'm2', 'm3']);
  t.ok(args.every((a) => flag(a, '--initial-cluster') === 'm1=http://127.0.0.1:2380,m2=http://127.0.0.1:2382,m3=http://127.0.0.1:2384'));
  t.same(args.map((a) => flag(a, '--listen-client-urls')), ['http://127.0.0.1:2379', 'http://127.0.0.1:2381', 'http://127.0.0.1:2383']);
  t.same(args.map((a) => flag(a, '--advertise-client-urls')), args.map((a) => flag(a, '--listen-client-urls')));
  t.same(args.map((a) => flag(a, '--data-dir')), ['/tmp/etcd/m1', '/tmp/etcd/m2', '/tmp/etcd/m3']);
  t.ok(args.every((a) => flag(a, '--initial-cluster-state') === 'new' && flag(a, '--initial-cluster-token') === 'tok'));
  t.notOk(args.some((a) => a.includes('--unsafe-no-fsync')), 'etcd fsyncs, like ours');
});

t.test('etcd is looked up on PATH; without it the error says how to install it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'load-path-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  t.equal(await findExecutable('etcd', dir), undefined);
  await t.rejects(requireEtcd(`${dir}${delimiter}/nonexistent`), EtcdMissingError);
  await t.rejects(requireEtcd(''), { message: new RegExp(ETCD_INSTALL_HINT) });
  await writeFile(join(dir, 'etcd'), '#!/bin/sh\n');
  t.equal(await findExecutable('etcd', dir), undefined, 'not executable: not found');
  await chmod(join(dir, 'etcd'), 0o755);
  t.equal(await requireEtcd(`/nonexistent${delimiter}${dir}`), join(dir, 'etcd'));
});

t.test('connections are dealt over the endpoints in turn, as autocannon does', async (t) => {
  t.same(connectionsPerEndpoint(64, 3), [22, 21, 21]);
  t.same(connectionsPerEndpoint(3, 3), [1, 1, 1]);
  t.same(connectionsPerEndpoint(32, 1), [32]);
  t.equal(connectionsPerEndpoint(1000, CLUSTER_NODES).reduce((a, b) => a + b, 0), 1000);
  t.throws(() => connectionsPerEndpoint(8, 0), RangeError);
});

t.test('presigning: an equal share per endpoint, each within one pool', async (t) => {
  t.equal(presignShare(4000, 3), 1334);
  t.equal(presignShare(4000, 1), 4000);
  t.equal(presignShare(10 * SIGNED_POOL_MAX, 3), SIGNED_POOL_MAX);
  t.equal(presignCount(4000, undefined, 3), 12_000, '--presign is per endpoint');
  t.equal(presignCount(4000, 5_000, 3), 12_000);
  t.equal(presignCount(4000, 30_000, 3), 36_000, 'three pools hold more than one');
  t.equal(presignCount(4000, 1_000_000, 3), 3 * SIGNED_POOL_MAX);
});

t.test('hosts as autocannon names them; ports distinct; RSS summed over a target\'s processes', async (t) => {
  t.equal(hostOf('http://127.0.0.1:8001'), '127.0.0.1:8001');
  t.equal(hostOf('http://127.0.0.1:8001/'), '127.0.0.1:8001');
  const ports = await distinctFreePorts(6);
  t.equal(new Set(ports).size, 6);
  const own = readTotalRssBytes([process.pid]);
  t.ok(own !== undefined && own > 0);
  t.ok((readTotalRssBytes([process.pid, process.pid]) ?? 0) > 1.5 * own!, 'summed (RSS moves a little between reads)');
  t.equal(readTotalRssBytes([]), undefined);
  t.equal(readTotalRssBytes([2 ** 30]), undefined, 'a process that is gone counts nothing');
});
