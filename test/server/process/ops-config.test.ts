import t from 'tap';
import { ConfigError, DEFAULT_PORT, DEFAULT_SLOW_REQUEST_MS, parseConfig, redactedConfig, type ConfigFileReader } from '../../../server/config.js';

const FILE = '/etc/rangedb.json';

/** A reader serving one in-memory config file. */
function fileWith(settings: unknown): ConfigFileReader {
  return (path) => {
    if (path !== FILE) throw new Error(`ENOENT: ${path}`);
    return typeof settings === 'string' ? settings : JSON.stringify(settings);
  };
}

t.test('precedence: flags > environment > config file > defaults', async (t) => {
  const read = fileWith({ port: 7001, host: '10.0.0.7', dataDir: '/file/data', slowRequestMs: 100, logLevel: 'debug' });
  const env = { RANGEDB_CONFIG: FILE, RANGEDB_HOST: '10.0.0.8', RANGEDB_SLOW_REQUEST_MS: '200', RANGEDB_LOG_LEVEL: 'warn' };
  const config = parseConfig(['--slow-request-ms', '300', '--log-level', 'error'], env, read);
  t.equal(config.slowRequestMs, 300, 'flag over environment and file');
  t.equal(config.logLevel, 'error', 'flag over environment and file');
  t.equal(config.host, '10.0.0.8', 'environment over file');
  t.equal(config.port, 7001, 'file over default');
  t.equal(config.dataDir, '/file/data', 'file over default');
  t.equal(config.configFile, FILE);

  const noFile = parseConfig([], {}, read);
  t.equal(noFile.port, DEFAULT_PORT, 'defaults without a file');
  t.equal(noFile.slowRequestMs, undefined);
  t.equal(redactedConfig(noFile).slowRequestMs, DEFAULT_SLOW_REQUEST_MS, 'the printed config shows the default threshold');
  t.equal(parseConfig(['--config', FILE], {}, read).port, 7001, '--config as a flag');
});

t.test('file values are validated like flags', async (t) => {
  t.throws(() => parseConfig(['--config', FILE], {}, fileWith({ port: 'eighty' })), new ConfigError("--port must be a whole number, got 'eighty'"));
  t.throws(() => parseConfig(['--config', FILE], {}, fileWith({ colour: 'blue' })), /unknown setting 'colour'/);
  t.throws(() => parseConfig(['--config', FILE], {}, fileWith({ port: [1] })), /must be a string or a number/);
  t.throws(() => parseConfig(['--config', FILE], {}, fileWith('{not json')), /is not valid JSON/);
  t.throws(() => parseConfig(['--config', FILE], {}, fileWith([1, 2])), /must hold a JSON object/);
  t.throws(() => parseConfig(['--config', '/missing.json'], {}, fileWith({})), /Cannot read config file \/missing\.json/);
  t.throws(() => parseConfig(['--config', FILE], {}, fileWith({ configFile: '/other.json' })), /unknown setting 'configFile'/, 'no nested config files');
  t.throws(() => parseConfig(['--slow-request-ms', '-5'], {}), ConfigError);
});

t.test('secrets are redacted when printed, wherever they came from', async (t) => {
  const config = parseConfig(['--config', FILE], { RANGEDB_SECRET_ACCESS_KEY: 'env-secret' }, fileWith({ accessKeyId: 'AK' }));
  t.equal(config.secretAccessKey, 'env-secret', 'the node gets the secret');
  const printed = redactedConfig(config);
  t.equal(printed.secretAccessKey, '[redacted]');
  t.equal(printed.accessKeyId, 'AK', 'key ids are not secret');
  t.notMatch(JSON.stringify(printed), /env-secret/);
  t.notOk('help' in printed);
});
