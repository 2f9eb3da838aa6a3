/**
 * Server configuration from command-line flags, RANGEDB_* environment
 * variables and an optional JSON config file (`--config`): flags win over the
 * environment, the environment over the file, the file over defaults.
 * Bad values are a ConfigError with a message that names the flag.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_SLOW_REQUEST_MS } from './app.js';

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  logLevel: LogLevel;
  accessKeyId?: string;
  secretAccessKey?: string;
  bodyLimitBytes?: number;
  /** Requests slower than this are logged as warnings (absent: DEFAULT_SLOW_REQUEST_MS). */
  slowRequestMs?: number;
  /** The JSON config file the settings were read from, if any. */
  configFile?: string;
  /** `--help` was given: print HELP_TEXT and exit. */
  help: boolean;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_PORT = 8000;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DATA_DIR = './data';
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';
/** A body limit below this could not carry even a small PutItem. */
export const MIN_BODY_LIMIT_BYTES = 1024;
/** Beyond this a single request could hold an unreasonable share of memory. */
export const MAX_BODY_LIMIT_BYTES = 256 * 1024 * 1024;
export { DEFAULT_SLOW_REQUEST_MS };
/** A threshold above an hour would never fire in practice. */
export const MAX_SLOW_REQUEST_MS = 3_600_000;
/** A config file larger than this is not a config file. */
export const MAX_CONFIG_FILE_BYTES = 64 * 1024;
/** Shown instead of secrets when the configuration is printed. */
export const REDACTED = '[redacted]';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const HELP_TEXT = `Usage: rangedb [options]

A DynamoDB-compatible database. Point any AWS SDK at http://<host>:<port>.

Options (each also read from the environment variable shown):
  --port <n>                 HTTP port (RANGEDB_PORT, default ${DEFAULT_PORT})
  --host <address>           address to listen on (RANGEDB_HOST, default ${DEFAULT_HOST})
  --data-dir <path>          data directory (RANGEDB_DATA_DIR, default ${DEFAULT_DATA_DIR})
  --log-level <level>        ${LOG_LEVELS.join('|')} (RANGEDB_LOG_LEVEL, default ${DEFAULT_LOG_LEVEL})
  --access-key-id <id>       verify SigV4 signatures with this key pair
                             (RANGEDB_ACCESS_KEY_ID; needs --secret-access-key)
  --secret-access-key <key>  (RANGEDB_SECRET_ACCESS_KEY)
  --body-limit-bytes <n>     largest accepted request body
                             (RANGEDB_BODY_LIMIT_BYTES, default 16 MiB)
  --slow-request-ms <n>      log requests slower than this as warnings
                             (RANGEDB_SLOW_REQUEST_MS, default ${DEFAULT_SLOW_REQUEST_MS})
  --config <file>            a JSON object of settings by name, e.g.
                             {"port": 8001, "dataDir": "/var/lib/rangedb"}
                             (RANGEDB_CONFIG); flags and environment win over it
  --help                     print this text

Without an access key pair, any well-formed signature is accepted (like DynamoDB Local).`;

type Setting = 'port' | 'host' | 'dataDir' | 'logLevel' | 'accessKeyId' | 'secretAccessKey' | 'bodyLimitBytes' | 'slowRequestMs' | 'configFile';

/** Settings a config file may hold (not the path of a config file itself). */
type FileSetting = Exclude<Setting, 'configFile'>;

/** Flag name -> setting and environment variable. */
const SETTINGS: Readonly<Record<string, { setting: Setting; env?: string }>> = {
  '--port': { setting: 'port', env: 'RANGEDB_PORT' },
  '--host': { setting: 'host', env: 'RANGEDB_HOST' },
  '--data-dir': { setting: 'dataDir', env: 'RANGEDB_DATA_DIR' },
  '--log-level': { setting: 'logLevel', env: 'RANGEDB_LOG_LEVEL' },
  '--access-key-id': { setting: 'accessKeyId', env: 'RANGEDB_ACCESS_KEY_ID' },
  '--secret-access-key': { setting: 'secretAccessKey', env: 'RANGEDB_SECRET_ACCESS_KEY' },
  '--body-limit-bytes': { setting: 'bodyLimitBytes', env: 'RANGEDB_BODY_LIMIT_BYTES' },
  '--slow-request-ms': { setting: 'slowRequestMs', env: 'RANGEDB_SLOW_REQUEST_MS' },
  '--config': { setting: 'configFile', env: 'RANGEDB_CONFIG' },
};

/** Reads a config file's text; injectable so tests need no files. */
export type ConfigFileReader = (path: string) => string;

const readConfigFileText: ConfigFileReader = (path) => readFileSync(path, 'utf8');

/** The settings of a JSON config file, as strings so they parse like flags. */
function readConfigFile(path: string, read: ConfigFileReader): Partial<Record<FileSetting, string>> {
  let text: string;
  try {
    text = read(path);
  } catch (error) {
    throw new ConfigError(`Cannot read config file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (text.length > MAX_CONFIG_FILE_BYTES) throw new ConfigError(`Config file ${path} is larger than ${MAX_CONFIG_FILE_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`Config file ${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`Config file ${path} must hold a JSON object of settings`);
  }
  const known = new Set<string>(Object.values(SETTINGS).map((entry) => entry.setting).filter((setting) => setting !== 'configFile'));
  const values: Partial<Record<FileSetting, string>> = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (!known.has(key)) throw new ConfigError(`Config file ${path}: unknown setting '${key}' (known: ${[...known].join(', ')})`);
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new ConfigError(`Config file ${path}: setting '${key}' must be a string or a number`);
    }
    values[key as FileSetting] = String(value);
  }
  return values;
}

function flagOf(setting: Setting): string {
  return Object.keys(SETTINGS).find((flag) => SETTINGS[flag]!.setting === setting)!;
}

/** Reads `--flag value` and `--flag=value` pairs; unknown flags and missing values are errors. */
function readFlags(argv: readonly string[]): { values: Partial<Record<Setting, string>>; help: boolean } {
  const values: Partial<Record<Setting, string>> = {};
  let help = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    const equals = arg.indexOf('=');
    const flag = equals === -1 ? arg : arg.slice(0, equals);
    const entry = SETTINGS[flag];
    if (entry === undefined) throw new ConfigError(`Unknown option: ${arg}`);
    let value: string | undefined;
    if (equals !== -1) {
      value = arg.slice(equals + 1);
    } else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new ConfigError(`Option ${flag} needs a value`);
      i += 1;
    }
    values[entry.setting] = value;
  }
  return { values, help };
}

function parseInteger(setting: Setting, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${flagOf(setting)} must be a whole number, got '${raw}'`);
  const value = Number(raw.trim());
  if (value < min || value > max) {
    throw new ConfigError(`${flagOf(setting)} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

function nonEmpty(setting: Setting, raw: string): string {
  if (raw.trim() === '') throw new ConfigError(`${flagOf(setting)} must not be empty`);
  return raw;
}

export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv, readFile: ConfigFileReader = readConfigFileText): ServerConfig {
  const { values: flags, help } = readFlags(argv);
  const fromFlagOrEnv = (setting: Setting): string | undefined => {
    const fromFlag = flags[setting];
    if (fromFlag !== undefined) return fromFlag;
    const variable = SETTINGS[flagOf(setting)]!.env;
    const fromEnv = variable === undefined ? undefined : env[variable];
    return fromEnv === '' ? undefined : fromEnv;
  };
  const configFile = fromFlagOrEnv('configFile');
  const file = configFile === undefined ? {} : readConfigFile(nonEmpty('configFile', configFile), readFile);
  const raw = (setting: FileSetting): string | undefined => fromFlagOrEnv(setting) ?? file[setting];

  const logLevel = raw('logLevel') ?? DEFAULT_LOG_LEVEL;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
  }
  const config: ServerConfig = {
    port: parseInteger('port', raw('port') ?? String(DEFAULT_PORT), 0, 65535),
    host: nonEmpty('host', raw('host') ?? DEFAULT_HOST),
    dataDir: nonEmpty('dataDir', raw('dataDir') ?? DEFAULT_DATA_DIR),
    logLevel: logLevel as LogLevel,
    help,
  };
  const accessKeyId = raw('accessKeyId');
  const secretAccessKey = raw('secretAccessKey');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new ConfigError('--access-key-id and --secret-access-key must be given together');
  }
  if (accessKeyId !== undefined && secretAccessKey !== undefined) {
    config.accessKeyId = nonEmpty('accessKeyId', accessKeyId);
    config.secretAccessKey = nonEmpty('secretAccessKey', secretAccessKey);
  }
  const bodyLimit = raw('bodyLimitBytes');
  if (bodyLimit !== undefined) {
    config.bodyLimitBytes = parseInteger('bodyLimitBytes', bodyLimit, MIN_BODY_LIMIT_BYTES, MAX_BODY_LIMIT_BYTES);
  }
  const slowRequestMs = raw('slowRequestMs');
  if (slowRequestMs !== undefined) config.slowRequestMs = parseInteger('slowRequestMs', slowRequestMs, 0, MAX_SLOW_REQUEST_MS);
  if (configFile !== undefined) config.configFile = configFile;
  return config;
}

/** The configuration as it may be printed: every setting, defaults filled in, secrets replaced. */
export function redactedConfig(config: ServerConfig): Record<string, unknown> {
  const { help: _help, ...settings } = config;
  return {
    ...settings,
    slowRequestMs: config.slowRequestMs ?? DEFAULT_SLOW_REQUEST_MS,
    ...(config.secretAccessKey !== undefined ? { secretAccessKey: REDACTED } : {}),
  };
}
