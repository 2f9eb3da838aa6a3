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

t.test('mistakes are usage errors, and every number is bounded', async (t) => {
  t.throws(() => parseOptions([]), UsageError);
  t.throws(() => parseOptions(['scan']), UsageError);
  t.throws(() => parseOptions(['put', '--compare', 'mongo']), UsageError);
  t.throws(() => parseOptions(['put', '--target', 'cluster']), UsageError);
  t.throws(() => parseOptions(['put', '--target', 'https://x']), UsageError);
  t.throws(() => parseOptions(['put', '--connections', String(MAX_CONNECTIONS + 1)]), UsageError);
  t.throws(() => parseOptions(['put', '--duration', '0']), UsageError);
  t.throws(() => parseOptions(['put', '--duration', '1.5']), UsageError);
  t.throws(() => parseOptions(['put', '--bogus']), UsageError);
  t.throws(() => parseOptions(['put', '--presign', '20001']), UsageError);
  t.equal(parseOptions(['--help']).help, true);
});
