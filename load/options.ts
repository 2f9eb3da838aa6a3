/**
 * The command line of `npm run bench -- <scenario[,scenario...]> [options]`.
 * Every number has a named upper bound, so a typo cannot start an
 * hour-long run.
 */
import { SCENARIO_NAMES, type ScenarioName } from './scenarios/scenario.js';
import { ETCD_MEMBERS } from './peers/etcd-cluster.js';
import { CLUSTER_NODES } from './peers/local-cluster.js';
import type { TargetKind } from './peers/targets.js';
import { SIGNED_POOL_MAX } from './signing/signed-pool.js';

export const DEFAULT_DURATION_S = 8;
export const MAX_DURATION_S = 300;
export const DEFAULT_CONNECTIONS = 32;
export const MAX_CONNECTIONS = 1024;
export const DEFAULT_ROUNDS = 2;
export const MAX_ROUNDS = 10;
export const DEFAULT_PRELOAD_KEYS = 5_000;
export const MAX_PRELOAD_KEYS = 200_000;
/** Requests signed before each run (the rest are signed while it runs); the pool's capacity bounds it. */
export const DEFAULT_PRESIGN = 4_000;
export const MAX_PRESIGN = SIGNED_POOL_MAX;

/** What `--compare` names may expand to. */
const COMPARE_NAMES: Record<string, readonly Exclude<TargetKind, 'cluster'>[]> = {
  dynalite: ['dynalite-disk', 'dynalite-memory'],
  'dynalite-disk': ['dynalite-disk'],
  'dynalite-memory': ['dynalite-memory'],
  fastify: ['fastify'],
  etcd: ['etcd'],
  embedded: ['embedded'],
};

export type PrimaryTarget = { kind: 'embedded' } | { kind: 'cluster' } | { kind: 'url'; url: string };

export interface BenchOptions {
  scenarios: ScenarioName[];
  target: PrimaryTarget;
  compare: TargetKind[];
  durationS: number;
  connections: number;
  rounds: number;
  preloadKeys: number;
  presign: number;
  check: boolean;
  /** Write V8 CPU profiles of our server's processes here. */
  cpuProfileDir?: string;
  /** Where the JSON and SVG go (default load/results). */
  resultsDir?: string;
  help: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `usage: npm run bench -- <scenario>[,<scenario>...] [options]
scenarios: ${SCENARIO_NAMES.join(', ')}
  --target embedded|cluster|<http://host:port>   what to measure (default embedded, started here;
                       cluster = ${CLUSTER_NODES} nodes started here, the load spread over them)
  --compare <peers>    peers to run alternately in the same invocation, comma-separated:
                       dynalite (= dynalite-disk and dynalite-memory), fastify,
                       etcd (${ETCD_MEMBERS} members of Debian's etcd-server; put and get only),
                       embedded (with --target cluster or a URL: our single node beside it)
  --duration <s>       seconds per run (default ${DEFAULT_DURATION_S}, at most ${MAX_DURATION_S})
  --connections <n>    concurrent connections (default ${DEFAULT_CONNECTIONS}, at most ${MAX_CONNECTIONS})
  --rounds <n>         alternating rounds (default ${DEFAULT_ROUNDS}, at most ${MAX_ROUNDS})
  --keys <n>           items preloaded for get/mixed/query (default ${DEFAULT_PRELOAD_KEYS}, at most ${MAX_PRELOAD_KEYS})
  --presign <n>        requests signed before each run, per endpoint (default ${DEFAULT_PRESIGN}, at most ${MAX_PRESIGN});
                       the rest are signed during the run, in the load generator's thread
  --check              after the run, read back every acknowledged PutItem
  --cpu-prof <dir>     write CPU profiles of our server's processes into <dir>
  --results-dir <dir>  where the JSON and SVG go (default load/results)`;

function integerIn(name: string, raw: string | undefined, max: number): number {
  const value = Number(raw);
  if (raw === undefined || !Number.isInteger(value) || value < 1 || value > max) throw new UsageError(`${name} needs an integer in 1..${max}, not ${raw}`);
  return value;
}

function directory(name: string, raw: string | undefined): string {
  if (!raw || raw.startsWith('-')) throw new UsageError(`${name} needs a directory`);
  return raw;
}

function parseScenarios(raw: string): ScenarioName[] {
  const names = raw.split(',').filter((name) => name !== '');
  for (const name of names) {
    if (!(SCENARIO_NAMES as readonly string[]).includes(name)) throw new UsageError(`unknown scenario ${name}; one of ${SCENARIO_NAMES.join(', ')}`);
  }
  if (names.length === 0) throw new UsageError('name at least one scenario');
  return [...new Set(names)] as ScenarioName[];
}

function parseTarget(raw: string | undefined): PrimaryTarget {
  if (raw === undefined || raw === 'embedded') return { kind: 'embedded' };
  if (raw === 'cluster') return { kind: 'cluster' };
  if (/^http:\/\/[^/]+\/?$/.test(raw)) return { kind: 'url', url: raw };
  throw new UsageError(`--target must be embedded, cluster or http://host:port, not ${raw}`);
}

function parseCompare(raw: string | undefined): TargetKind[] {
  if (raw === undefined) throw new UsageError('--compare needs a list, e.g. dynalite,fastify');
  const kinds: TargetKind[] = [];
  for (const name of raw.split(',').filter((part) => part !== '')) {
    const expansion = COMPARE_NAMES[name];
    if (!expansion) throw new UsageError(`unknown peer ${name}; one of ${Object.keys(COMPARE_NAMES).join(', ')}`);
    kinds.push(...expansion);
  }
  return [...new Set(kinds)];
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = {
    scenarios: [],
    target: { kind: 'embedded' },
    compare: [],
    durationS: DEFAULT_DURATION_S,
    connections: DEFAULT_CONNECTIONS,
    rounds: DEFAULT_ROUNDS,
    preloadKeys: DEFAULT_PRELOAD_KEYS,
    presign: DEFAULT_PRESIGN,
    check: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = () => argv[++i];
    switch (arg) {
      case '--help':
      case '-h':
        options.help = true;
        break;
      case '--target':
        options.target = parseTarget(value());
        break;
      case '--compare':
        options.compare = parseCompare(value());
        break;
      case '--duration':
        options.durationS = integerIn(arg, value(), MAX_DURATION_S);
        break;
      case '--connections':
        options.connections = integerIn(arg, value(), MAX_CONNECTIONS);
        break;
      case '--rounds':
        options.rounds = integerIn(arg, value(), MAX_ROUNDS);
        break;
      case '--keys':
        options.preloadKeys = integerIn(arg, value(), MAX_PRELOAD_KEYS);
        break;
      case '--presign':
        options.presign = integerIn(arg, value(), MAX_PRESIGN);
        break;
      case '--check':
        options.check = true;
        break;
      case '--cpu-prof':
        options.cpuProfileDir = directory(arg, value());
        break;
      case '--results-dir':
        options.resultsDir = directory(arg, value());
        break;
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
        if (options.scenarios.length > 0) throw new UsageError(`one scenario list only (comma-separated), got a second: ${arg}`);
        options.scenarios = parseScenarios(arg);
    }
  }
  if (!options.help && options.scenarios.length === 0) throw new UsageError('name a scenario');
  if (options.target.kind === 'embedded') options.compare = options.compare.filter((kind) => kind !== 'embedded');
  const members = Math.max(1, options.target.kind === 'cluster' ? CLUSTER_NODES : 1, options.compare.includes('etcd') ? ETCD_MEMBERS : 1);
  if (!options.help && options.connections < members) throw new UsageError(`--connections must be at least ${members}, one per cluster member, not ${options.connections}`);
  return options;
}
