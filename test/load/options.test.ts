import t from 'tap';
import { DEFAULT_DURATION_S, MAX_CONNECTIONS, parseOptions, UsageError } from '../../load/options.js';

t.test('defaults and the issue example', async (t) => {
  const options = parseOptions(['put', '--compare', 'dynalite,fastify']);
  t.same(options.scenarios, ['put']);
  t.same(options.target, { kind: 'embedded' });
  t.same(options.compare, ['dynalite-disk', 'dynalite-memory', 'fastify']);
  t.equal(options.durationS, DEFAULT_DURATION_S);
  t.equal(options.check, false);
});

t.test('several scenarios, a URL target and every option', async (t) => {
  const options = parseOptions(['get,put,get', '--target', 'http://127.0.0.1:8000', '--duration', '3', '--connections', '8', '--rounds', '1', '--keys', '50', '--presign', '100', '--check', '--cpu-prof', '/tmp/p']);
  t.same(options.scenarios, ['get', 'put']);
  t.same(options.target, { kind: 'url', url: 'http://127.0.0.1:8000' });
  t.same([options.durationS, options.connections, options.rounds, options.preloadKeys, options.presign, options.check, options.cpuProfileDir], [3, 8, 1, 50, 100, true, '/tmp/p']);
});

t.test('the cluster issue example: our cluster against etcd, our embedded node beside it', async (t) => {
  const options = parseOptions(['put,get,txn', '--target', 'cluster', '--compare', 'etcd,embedded', '--connections', '64', '--duration', '8', '--results-dir', '/tmp/r']);
  t.same(options.scenarios, ['put', 'get', 'txn']);
  t.same(options.target, { kind: 'cluster' });
  t.same(options.compare, ['etcd', 'embedded']);
  t.equal(options.connections, 64);
  t.equal(options.resultsDir, '/tmp/r');
  t.same(parseOptions(['get', '--target', 'http://127.0.0.1:8000', '--compare', 'embedded']).compare, ['embedded'], 'embedded beside a URL target too');
  t.same(parseOptions(['get', '--compare', 'embedded,etcd']).compare, ['etcd'], 'embedded is not its own peer');
});

t.test('a cluster or etcd needs a connection per member', async (t) => {
  t.throws(() => parseOptions(['put', '--target', 'cluster', '--connections', '2']), UsageError);
  t.throws(() => parseOptions(['put', '--compare', 'etcd', '--connections', '2']), UsageError);
  t.equal(parseOptions(['put', '--target', 'cluster', '--connections', '3']).connections, 3);
  t.equal(parseOptions(['put', '--connections', '1']).connections, 1, 'a single embedded node needs only one');
});

t.test('mistakes are usage errors, and every number is bounded', async (t) => {
  t.throws(() => parseOptions([]), UsageError);
  t.throws(() => parseOptions(['scan']), UsageError);
  t.throws(() => parseOptions(['put', '--compare', 'mongo']), UsageError);
  t.throws(() => parseOptions(['put', '--target', 'https://x']), UsageError);
  t.throws(() => parseOptions(['put', '--connections', String(MAX_CONNECTIONS + 1)]), UsageError);
  t.throws(() => parseOptions(['put', '--duration', '0']), UsageError);
  t.throws(() => parseOptions(['put', '--duration', '1.5']), UsageError);
  t.throws(() => parseOptions(['put', '--bogus']), UsageError);
  t.throws(() => parseOptions(['put', '--target', 'clusters']), UsageError);
  t.throws(() => parseOptions(['put', '--results-dir']), UsageError);
  t.throws(() => parseOptions(['put', '--results-dir', '--check']), UsageError);
  t.throws(() => parseOptions(['put', '--presign', '20001']), UsageError);
  t.equal(parseOptions(['--help']).help, true);
});
