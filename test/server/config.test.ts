import t from 'tap';
import { ConfigError, DEFAULT_DATA_DIR, HELP_TEXT, parseConfig, redactedConfig } from '../../server/config.js';

t.test('defaults', async (t) => {
  t.strictSame(parseConfig([], {}), { port: 8000, host: '127.0.0.1', dataDir: DEFAULT_DATA_DIR, logLevel: 'info', help: false });
});

t.test('flags, both spellings', async (t) => {
  const config = parseConfig(
    ['--port', '9000', '--host=0.0.0.0', '--data-dir', '/tmp/d', '--log-level', 'debug', '--access-key-id', 'AK', '--secret-access-key=SK', '--body-limit-bytes', '4096'],
    {},
  );
  t.strictSame(config, {
    port: 9000,
    host: '0.0.0.0',
    dataDir: '/tmp/d',
    logLevel: 'debug',
    help: false,
    accessKeyId: 'AK',
    secretAccessKey: 'SK',
    bodyLimitBytes: 4096,
  });
});

t.test('environment variables, and flags win over them', async (t) => {
  const env = {
    RANGEDB_PORT: '7000',
    RANGEDB_HOST: '10.0.0.1',
    RANGEDB_DATA_DIR: '/var/lib/rangedb',
    RANGEDB_LOG_LEVEL: 'warn',
    RANGEDB_ACCESS_KEY_ID: 'ENVKEY',
    RANGEDB_SECRET_ACCESS_KEY: 'ENVSECRET',
  };
  const fromEnv = parseConfig([], env);
  t.equal(fromEnv.port, 7000);
  t.equal(fromEnv.host, '10.0.0.1');
  t.equal(fromEnv.dataDir, '/var/lib/rangedb');
  t.equal(fromEnv.logLevel, 'warn');
  t.equal(fromEnv.accessKeyId, 'ENVKEY');
  t.equal(fromEnv.secretAccessKey, 'ENVSECRET');
  const flagged = parseConfig(['--port', '7001', '--log-level', 'error'], env);
  t.equal(flagged.port, 7001);
  t.equal(flagged.logLevel, 'error');
  t.equal(flagged.host, '10.0.0.1');
  t.equal(parseConfig([], { RANGEDB_PORT: '' }).port, 8000, 'an empty variable is unset');
});

t.test('--help', async (t) => {
  t.equal(parseConfig(['--help'], {}).help, true);
  t.equal(parseConfig(['-h'], {}).help, true);
  for (const flag of ['--port', '--host', '--data-dir', '--log-level', '--access-key-id', '--secret-access-key', '--body-limit-bytes']) {
    t.match(HELP_TEXT, flag);
  }
});

t.test('bad values are ConfigErrors naming the problem', async (t) => {
  const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
    [['--port', 'eighty'], {}, /--port must be a whole number, got 'eighty'/],
    [['--port', '70000'], {}, /--port must be between 0 and 65535, got 70000/],
    [[], { RANGEDB_PORT: '-1' }, /--port must be a whole number/],
    [['--log-level', 'loud'], {}, /--log-level must be one of fatal, error, warn, info, debug, trace, silent, got 'loud'/],
    [['--access-key-id', 'AK'], {}, /--access-key-id and --secret-access-key must be given together/],
    [[], { RANGEDB_SECRET_ACCESS_KEY: 'SK' }, /must be given together/],
    [['--body-limit-bytes', '10'], {}, /--body-limit-bytes must be between 1024 and 268435456, got 10/],
    [['--host', ' '], {}, /--host must not be empty/],
    [['--port'], {}, /Option --port needs a value/],
    [['--port', '--host', 'x'], {}, /Option --port needs a value/],
    [['--verbose'], {}, /Unknown option: --verbose/],
    [['extra'], {}, /Unknown option: extra/],
  ];
  for (const [argv, env, message] of cases) {
    t.throws(() => parseConfig(argv, env), ConfigError, argv.join(' '));
    t.throws(() => parseConfig(argv, env), { message }, argv.join(' '));
  }
});

const THREE = '1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003';
const threeMembers = () =>
  new Map([
    [1, { host: '127.0.0.1', port: 7001 }],
    [2, { host: '127.0.0.1', port: 7002 }],
    [3, { host: '127.0.0.1', port: 7003 }],
  ]);

t.test('no --initial-cluster: no cluster, the node is embedded', async (t) => {
  t.notOk('cluster' in parseConfig(['--port', '9000'], {}));
});

t.test('cluster flags', async (t) => {
  const config = parseConfig(['--node-id', '2', '--initial-cluster', THREE, '--peer', '0.0.0.0:7002', '--ranges-per-node=8'], {});
  t.strictSame(config.cluster, { nodeId: 2, members: threeMembers(), peer: { host: '0.0.0.0', port: 7002 }, rangesPerNode: 8 });
  const minimal = parseConfig(['--node-id', '1', '--initial-cluster', THREE], {});
  t.strictSame(minimal.cluster, { nodeId: 1, members: threeMembers() }, 'peer and ranges per node are optional');
  const spaced = parseConfig(['--node-id', '3', '--initial-cluster', ' 3=node3:7000 , 1=node1:7000,2=[::1]:7000'], {});
  t.strictSame(
    spaced.cluster?.members,
    new Map([
      [3, { host: 'node3', port: 7000 }],
      [1, { host: 'node1', port: 7000 }],
      [2, { host: '::1', port: 7000 }],
    ]),
    'host names, bracketed IPv6 and spaces around entries',
  );
});

t.test('cluster settings from the environment and the config file; flags win', async (t) => {
  const env = { RANGEDB_NODE_ID: '3', RANGEDB_INITIAL_CLUSTER: THREE, RANGEDB_PEER: '127.0.0.1:7003', RANGEDB_RANGES_PER_NODE: '2' };
  t.strictSame(parseConfig([], env).cluster, { nodeId: 3, members: threeMembers(), peer: { host: '127.0.0.1', port: 7003 }, rangesPerNode: 2 });
  t.equal(parseConfig(['--node-id', '1'], env).cluster?.nodeId, 1, 'flag over environment');
  const file = JSON.stringify({ nodeId: 2, initialCluster: THREE, rangesPerNode: 16, http: '0.0.0.0:8002' });
  const fromFile = parseConfig(['--config', '/etc/rangedb.json'], {}, () => file);
  t.strictSame(fromFile.cluster, { nodeId: 2, members: threeMembers(), rangesPerNode: 16 });
  t.equal(fromFile.host, '0.0.0.0');
  t.equal(fromFile.port, 8002);
});

t.test('--http sets host and port; precedence applies to it as a whole', async (t) => {
  const config = parseConfig(['--http', '0.0.0.0:8001'], {});
  t.equal(config.host, '0.0.0.0');
  t.equal(config.port, 8001);
  const overEnv = parseConfig(['--http=10.0.0.1:9000'], { RANGEDB_PORT: '7000', RANGEDB_HOST: '10.0.0.2' });
  t.same([overEnv.host, overEnv.port], ['10.0.0.1', 9000], 'the --http flag wins over RANGEDB_HOST and RANGEDB_PORT');
  const portOverEnvHttp = parseConfig(['--port', '9001'], { RANGEDB_HTTP: '10.0.0.3:7000' });
  t.same([portOverEnvHttp.host, portOverEnvHttp.port], ['10.0.0.3', 9001], 'a --port flag wins over the port of RANGEDB_HTTP');
  t.same(parseConfig(['--http', '[::]:8000'], {}).host, '::');
  t.equal(parseConfig(['--http', '127.0.0.1:0'], {}).port, 0, 'port 0 picks a free port, as --port 0 does');
});

t.test('--help lists the cluster flags', async (t) => {
  for (const flag of ['--node-id', '--peer', '--initial-cluster', '--ranges-per-node', '--http']) t.match(HELP_TEXT, flag);
});

t.test('bad cluster settings are ConfigErrors naming the flag', async (t) => {
  const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
    [['--node-id', '1'], {}, /--node-id is a cluster option: it needs --initial-cluster/],
    [['--peer', '127.0.0.1:7001'], {}, /--peer is a cluster option: it needs --initial-cluster/],
    [[], { RANGEDB_RANGES_PER_NODE: '4' }, /--ranges-per-node is a cluster option/],
    [['--initial-cluster', THREE], {}, /--initial-cluster needs --node-id/],
    [['--node-id', '4', '--initial-cluster', THREE], {}, /--node-id 4 is not in --initial-cluster \(its members are 1, 2, 3\)/],
    [['--node-id', '0', '--initial-cluster', THREE], {}, /--node-id must be between 1 and 65535, got 0/],
    [['--node-id', 'one', '--initial-cluster', THREE], {}, /--node-id must be a whole number, got 'one'/],
    [['--node-id', '1', '--initial-cluster', '1=a:7001,1=b:7002'], {}, /--initial-cluster lists node 1 twice/],
    [['--node-id', '1', '--initial-cluster', '1=a:7001,2=a:7001'], {}, /--initial-cluster: nodes 1 and 2 have the same address a:7001/],
    [['--node-id', '1', '--initial-cluster', '1=a:7001,'], {}, /--initial-cluster must list id=host:port entries separated by commas, got ''/],
    [['--node-id', '1', '--initial-cluster', '1:a:7001'], {}, /--initial-cluster must list id=host:port entries/],
    [['--node-id', '1', '--initial-cluster', 'x=a:7001'], {}, /--initial-cluster: member id must be a whole number, got 'x'/],
    [['--node-id', '1', '--initial-cluster', '1=a'], {}, /--initial-cluster: node 1 must be host:port, got 'a'/],
    [['--node-id', '1', '--initial-cluster', '1=a:70000'], {}, /--initial-cluster: node 1's port must be between 1 and 65535, got 70000/],
    [['--node-id', '1', '--initial-cluster', '1=a:0'], {}, /node 1's port must be between 1 and 65535, got 0/],
    [['--node-id', '1', '--initial-cluster', '1=::1:7001'], {}, /node 1 must be host:port, got '::1:7001'/],
    [['--node-id', '1', '--initial-cluster', THREE, '--peer', 'nowhere'], {}, /--peer must be host:port, got 'nowhere'/],
    [['--node-id', '1', '--initial-cluster', THREE, '--ranges-per-node', '65'], {}, /--ranges-per-node must be between 1 and 64, got 65/],
    [['--node-id', '1', '--initial-cluster', THREE, '--ranges-per-node', '0'], {}, /--ranges-per-node must be between 1 and 64, got 0/],
    [['--node-id', '1', '--initial-cluster', THREE, '--http', '127.0.0.1:7001'], {}, /HTTP address 127.0.0.1:7001 and the peer address 127.0.0.1:7001 need different ports/],
    [['--node-id', '1', '--initial-cluster', THREE, '--port', '7000', '--peer', '0.0.0.0:7000'], {}, /need different ports/],
    [['--http', '8000'], {}, /--http must be host:port, got '8000'/],
    [['--http', 'a:99999'], {}, /--http's port must be between 0 and 65535/],
    [['--http', '0.0.0.0:8000', '--port', '8001'], {}, /--http sets the host and the port: give either it or --host\/--port \(flags\)/],
    [[], { RANGEDB_HTTP: '0.0.0.0:8000', RANGEDB_HOST: 'x' }, /give either it or --host\/--port \(environment\)/],
  ];
  for (const [argv, env, message] of cases) {
    t.throws(() => parseConfig(argv, env), ConfigError, argv.join(' '));
    t.throws(() => parseConfig(argv, env), { message }, argv.join(' '));
  }
  const tooMany = Array.from({ length: 65 }, (_, i) => `${i + 1}=h:${7000 + i}`).join(',');
  t.throws(() => parseConfig(['--node-id', '1', '--initial-cluster', tooMany], {}), /--initial-cluster lists 65 members; at most 64/);
});

t.test('the printed config shows the cluster as text', async (t) => {
  const printed = redactedConfig(parseConfig(['--node-id', '2', '--initial-cluster', `${THREE},4=[::1]:7004`, '--peer', '0.0.0.0:7002'], {}));
  t.strictSame(JSON.parse(JSON.stringify(printed.cluster)), {
    nodeId: 2,
    members: { 1: '127.0.0.1:7001', 2: '127.0.0.1:7002', 3: '127.0.0.1:7003', 4: '[::1]:7004' },
    peer: '0.0.0.0:7002',
  });
});
