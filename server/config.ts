/**
 * Server configuration from command-line flags, RANGEDB_* environment
 * variables and an optional JSON config file (`--config`): flags win over the
 * environment, the environment over the file, the file over defaults.
 * Bad values are a ConfigError with a message that names the flag.
 *
 * `--initial-cluster` turns a node into a member of a multi-node cluster
 * (`ServerConfig.cluster`); without it the node is embedded and single.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_SLOW_REQUEST_MS } from './app.js';

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  /** Where POST /admin/backup writes (absent: the data dir's path + '-backups'). */
  backupDir?: string;
  logLevel: LogLevel;
  accessKeyId?: string;
  secretAccessKey?: string;
  bodyLimitBytes?: number;
  /** Requests slower than this are logged as warnings (absent: DEFAULT_SLOW_REQUEST_MS). */
  slowRequestMs?: number;
  /** The JSON config file the settings were read from, if any. */
  configFile?: string;
  /** Present only when --initial-cluster is given: this node is a cluster member. */
  cluster?: ClusterConfig;
  /** `--help` was given: print HELP_TEXT and exit. */
  help: boolean;
}

export interface HostPort {
  host: string;
  port: number;
}

export interface ClusterConfig {
  nodeId: number;
  /** Where this node listens for peers (absent: its own entry in `members`). */
  peer?: HostPort;
  /** The initial cluster: every member's peer address, this node's included. */
  members: Map<number, HostPort>;
  /** Ranges each new table is pre-split into, per member (absent: the cluster node's default). */
  rangesPerNode?: number;
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
/** Node ids are small positive numbers; beyond this is a typo. */
export const MAX_NODE_ID = 65_535;
/** More initial members than this is not a cluster this design serves. */
export const MAX_INITIAL_MEMBERS = 64;
export const MIN_RANGES_PER_NODE = 1;
export const MAX_RANGES_PER_NODE = 64;
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
  --http <host:port>         both at once (RANGEDB_HTTP), e.g. 0.0.0.0:8000
  --data-dir <path>          data directory (RANGEDB_DATA_DIR, default ${DEFAULT_DATA_DIR})
  --backup-dir <path>        where POST /admin/backup writes (RANGEDB_BACKUP_DIR,
                             default: the data dir's path + '-backups')
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

Cluster options (without --initial-cluster the node is embedded and single):
  --initial-cluster <list>   every member's id and peer address, this node's too:
                             1=host:port,2=host:port,3=host:port
                             (RANGEDB_INITIAL_CLUSTER)
  --node-id <n>              this node's id in that list (RANGEDB_NODE_ID)
  --peer <host:port>         where this node listens for peers (RANGEDB_PEER,
                             default: its address in --initial-cluster)
  --ranges-per-node <n>      ranges each new table is pre-split into, per member,
                             ${MIN_RANGES_PER_NODE}..${MAX_RANGES_PER_NODE} (RANGEDB_RANGES_PER_NODE, default 4)

Without an access key pair, any well-formed signature is accepted (like DynamoDB Local).`;

type Setting =
  | 'port'
  | 'host'
  | 'http'
  | 'dataDir'
  | 'backupDir'
  | 'logLevel'
  | 'accessKeyId'
  | 'secretAccessKey'
  | 'bodyLimitBytes'
  | 'slowRequestMs'
  | 'configFile'
  | 'nodeId'
  | 'peer'
  | 'initialCluster'
  | 'rangesPerNode';

/** Settings a config file may hold (not the path of a config file itself). */
type FileSetting = Exclude<Setting, 'configFile'>;

/** Flag name -> setting and environment variable. */
const SETTINGS: Readonly<Record<string, { setting: Setting; env?: string }>> = {
  '--port': { setting: 'port', env: 'RANGEDB_PORT' },
  '--host': { setting: 'host', env: 'RANGEDB_HOST' },
  '--http': { setting: 'http', env: 'RANGEDB_HTTP' },
  '--data-dir': { setting: 'dataDir', env: 'RANGEDB_DATA_DIR' },
  '--backup-dir': { setting: 'backupDir', env: 'RANGEDB_BACKUP_DIR' },
  '--log-level': { setting: 'logLevel', env: 'RANGEDB_LOG_LEVEL' },
  '--access-key-id': { setting: 'accessKeyId', env: 'RANGEDB_ACCESS_KEY_ID' },
  '--secret-access-key': { setting: 'secretAccessKey', env: 'RANGEDB_SECRET_ACCESS_KEY' },
  '--body-limit-bytes': { setting: 'bodyLimitBytes', env: 'RANGEDB_BODY_LIMIT_BYTES' },
  '--slow-request-ms': { setting: 'slowRequestMs', env: 'RANGEDB_SLOW_REQUEST_MS' },
  '--config': { setting: 'configFile', env: 'RANGEDB_CONFIG' },
  '--node-id': { setting: 'nodeId', env: 'RANGEDB_NODE_ID' },
  '--peer': { setting: 'peer', env: 'RANGEDB_PEER' },
  '--initial-cluster': { setting: 'initialCluster', env: 'RANGEDB_INITIAL_CLUSTER' },
  '--ranges-per-node': { setting: 'rangesPerNode', env: 'RANGEDB_RANGES_PER_NODE' },
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

function parseWholeNumber(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got '${raw}'`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function parseInteger(setting: Setting, raw: string, min: number, max: number): number {
  return parseWholeNumber(flagOf(setting), raw, min, max);
}

function nonEmpty(setting: Setting, raw: string): string {
  if (raw.trim() === '') throw new ConfigError(`${flagOf(setting)} must not be empty`);
  return raw;
}

/** `host:port`, or `[v6-address]:port`. */
const HOST_PORT = /^(?:\[([^\]\s]+)\]|([^:\s[\]]+)):(\d+)$/;

/** Parses `host:port`; `name` is what the error message calls it. */
function parseHostPort(name: string, raw: string, minPort = 1): HostPort {
  const match = HOST_PORT.exec(raw.trim());
  if (match === null) throw new ConfigError(`${name} must be host:port, got '${raw}'`);
  return { host: (match[1] ?? match[2])!, port: parseWholeNumber(`${name}'s port`, match[3]!, minPort, 65535) };
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

type Values = Partial<Record<Setting, string>>;

/** The settings given as RANGEDB_* variables; an empty variable is unset. */
function readEnv(env: NodeJS.ProcessEnv): Values {
  const values: Values = {};
  for (const { setting, env: variable } of Object.values(SETTINGS)) {
    const value = variable === undefined ? undefined : env[variable];
    if (value !== undefined && value !== '') values[setting] = value;
  }
  return values;
}

/**
 * `--http host:port` stands for --host and --port given in the same place
 * (flags, environment or file), so the usual precedence applies to it.
 */
function expandHttp(values: Values, where: string): Values {
  if (values.http === undefined) return values;
  if (values.host !== undefined || values.port !== undefined) {
    throw new ConfigError(`--http sets the host and the port: give either it or --host/--port (${where})`);
  }
  const { host, port } = parseHostPort('--http', values.http, 0);
  return { ...values, host, port: String(port) };
}

/** `1=host:port,2=host:port,...`: ids and addresses each unique. */
function parseInitialCluster(raw: string): Map<number, HostPort> {
  const flag = flagOf('initialCluster');
  const entries = raw.split(',').map((entry) => entry.trim());
  if (entries.length > MAX_INITIAL_MEMBERS) throw new ConfigError(`${flag} lists ${entries.length} members; at most ${MAX_INITIAL_MEMBERS}`);
  const members = new Map<number, HostPort>();
  const idByAddress = new Map<string, number>();
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    if (equals === -1) throw new ConfigError(`${flag} must list id=host:port entries separated by commas, got '${entry}' in '${raw}'`);
    const id = parseWholeNumber(`${flag}: member id`, entry.slice(0, equals), 1, MAX_NODE_ID);
    if (members.has(id)) throw new ConfigError(`${flag} lists node ${id} twice`);
    const address = parseHostPort(`${flag}: node ${id}`, entry.slice(equals + 1));
    const key = formatHostPort(address);
    const other = idByAddress.get(key);
    if (other !== undefined) throw new ConfigError(`${flag}: nodes ${other} and ${id} have the same address ${key}`);
    idByAddress.set(key, id);
    members.set(id, address);
  }
  return members;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::']);

/** Two listening addresses collide when their ports match and either could take the other's host. */
function collides(a: HostPort, b: HostPort): boolean {
  return a.port !== 0 && a.port === b.port && (a.host === b.host || WILDCARD_HOSTS.has(a.host) || WILDCARD_HOSTS.has(b.host));
}

const CLUSTER_ONLY: readonly FileSetting[] = ['nodeId', 'peer', 'rangesPerNode'];

function parseClusterConfig(raw: (setting: FileSetting) => string | undefined, http: HostPort): ClusterConfig | undefined {
  const initialCluster = raw('initialCluster');
  if (initialCluster === undefined) {
    const stray = CLUSTER_ONLY.find((setting) => raw(setting) !== undefined);
    if (stray !== undefined) throw new ConfigError(`${flagOf(stray)} is a cluster option: it needs --initial-cluster`);
    return undefined;
  }
  const members = parseInitialCluster(initialCluster);
  const nodeIdRaw = raw('nodeId');
  if (nodeIdRaw === undefined) throw new ConfigError('--initial-cluster needs --node-id: which of its members this node is');
  const nodeId = parseInteger('nodeId', nodeIdRaw, 1, MAX_NODE_ID);
  const own = members.get(nodeId);
  if (own === undefined) {
    throw new ConfigError(`--node-id ${nodeId} is not in --initial-cluster (its members are ${[...members.keys()].join(', ')})`);
  }
  const cluster: ClusterConfig = { nodeId, members };
  const peer = raw('peer');
  if (peer !== undefined) cluster.peer = parseHostPort('--peer', peer);
  const peerListen = cluster.peer ?? own;
  if (collides(http, peerListen)) {
    throw new ConfigError(`The HTTP address ${formatHostPort(http)} and the peer address ${formatHostPort(peerListen)} need different ports`);
  }
  const rangesPerNode = raw('rangesPerNode');
  if (rangesPerNode !== undefined) cluster.rangesPerNode = parseInteger('rangesPerNode', rangesPerNode, MIN_RANGES_PER_NODE, MAX_RANGES_PER_NODE);
  return cluster;
}

export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv, readFile: ConfigFileReader = readConfigFileText): ServerConfig {
  const { values: flagValues, help } = readFlags(argv);
  const flags = expandHttp(flagValues, 'flags');
  const environment = expandHttp(readEnv(env), 'environment');
  const configFile = flags.configFile ?? environment.configFile;
  const file = configFile === undefined ? {} : expandHttp(readConfigFile(nonEmpty('configFile', configFile), readFile), `config file ${configFile}`);
  const raw = (setting: FileSetting): string | undefined => flags[setting] ?? environment[setting] ?? file[setting];

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
  const backupDir = raw('backupDir');
  if (backupDir !== undefined) config.backupDir = nonEmpty('backupDir', backupDir);
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
  const cluster = parseClusterConfig(raw, { host: config.host, port: config.port });
  if (cluster !== undefined) config.cluster = cluster;
  return config;
}

/** The configuration as it may be printed: every setting, defaults filled in, secrets replaced, addresses as host:port. */
export function redactedConfig(config: ServerConfig): Record<string, unknown> {
  const { help: _help, cluster, ...settings } = config;
  return {
    ...settings,
    slowRequestMs: config.slowRequestMs ?? DEFAULT_SLOW_REQUEST_MS,
    ...(config.secretAccessKey !== undefined ? { secretAccessKey: REDACTED } : {}),
    ...(cluster !== undefined ? { cluster: printableCluster(cluster) } : {}),
  };
}

/** A Map prints as {} in JSON logs: members become an object of id -> host:port. */
function printableCluster(cluster: ClusterConfig): Record<string, unknown> {
  return {
    ...cluster,
    ...(cluster.peer !== undefined ? { peer: formatHostPort(cluster.peer) } : {}),
    members: Object.fromEntries([...cluster.members].map(([id, address]) => [String(id), formatHostPort(address)])),
  };
}
