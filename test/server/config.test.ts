import t from 'tap';
import { ConfigError, DEFAULT_DATA_DIR, HELP_TEXT, parseConfig } from '../../server/config.js';

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
