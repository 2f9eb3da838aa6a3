/**
 * Server configuration from command-line flags and RANGEDB_* environment
 * variables (flags win over the environment, the environment over defaults).
 * Bad values are a ConfigError with a message that names the flag.
 */

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  logLevel: LogLevel;
  accessKeyId?: string;
  secretAccessKey?: string;
  bodyLimitBytes?: number;
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
  --help                     print this text

Without an access key pair, any well-formed signature is accepted (like DynamoDB Local).`;

type Setting = 'port' | 'host' | 'dataDir' | 'logLevel' | 'accessKeyId' | 'secretAccessKey' | 'bodyLimitBytes';

/** Flag name -> setting and environment variable. */
const SETTINGS: Readonly<Record<string, { setting: Setting; env?: string }>> = {
  '--port': { setting: 'port', env: 'RANGEDB_PORT' },
  '--host': { setting: 'host', env: 'RANGEDB_HOST' },
  '--data-dir': { setting: 'dataDir', env: 'RANGEDB_DATA_DIR' },
  '--log-level': { setting: 'logLevel', env: 'RANGEDB_LOG_LEVEL' },
  '--access-key-id': { setting: 'accessKeyId', env: 'RANGEDB_ACCESS_KEY_ID' },
  '--secret-access-key': { setting: 'secretAccessKey', env: 'RANGEDB_SECRET_ACCESS_KEY' },
  '--body-limit-bytes': { setting: 'bodyLimitBytes', env: 'RANGEDB_BODY_LIMIT_BYTES' },
};

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

export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ServerConfig {
  const { values: flags, help } = readFlags(argv);
  const raw = (setting: Setting): string | undefined => {
    const fromFlag = flags[setting];
    if (fromFlag !== undefined) return fromFlag;
    const variable = SETTINGS[flagOf(setting)]!.env;
    const fromEnv = variable === undefined ? undefined : env[variable];
    return fromEnv === '' ? undefined : fromEnv;
  };

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
  return config;
}
