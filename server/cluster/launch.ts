/**
 * `npm run cluster`: a local cluster of N (default 3) processes of
 * `dist/server/main.js` on 127.0.0.1. Node i serves HTTP on port
 * http-base + i and its peers on peer-base + i, with data in
 * <data-root>/node-<i>. Each node's JSON log is made readable by pino-pretty
 * and prefixed `[n<i>]`. Ctrl-C or SIGTERM stops every node (SIGTERM, then
 * SIGKILL past a bound) and exits 0; a node that dies on its own is reported.
 * RANGEDB_* environment variables reach every node (e.g. RANGEDB_LOG_LEVEL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pinoPretty from 'pino-pretty';
import { MAX_INITIAL_MEMBERS } from '../config.js';
import { OPS_PATHS } from '../admin/ops-routes.js';

export const DEFAULT_NODES = 3;
export const DEFAULT_HTTP_BASE_PORT = 8000;
export const DEFAULT_PEER_BASE_PORT = 7000;
export const DEFAULT_DATA_ROOT = './data/cluster';
/** How long the nodes get to shut down after SIGTERM before they are killed. */
export const STOP_TIMEOUT_MS = 15_000;
const READY_POLL_MS = 250;
/** A readiness probe that hangs counts as a failed one after this. */
const READY_PROBE_TIMEOUT_MS = 2_000;
const HOST = '127.0.0.1';
const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));

export const LAUNCH_HELP = `Usage: npm run cluster [-- options]

Starts a local cluster: node i serves the DynamoDB API on 127.0.0.1:<http-base + i>.

  --nodes <n>            how many nodes (default ${DEFAULT_NODES})
  --http-base-port <p>   node i's HTTP port is p + i (default ${DEFAULT_HTTP_BASE_PORT})
  --peer-base-port <p>   node i's peer port is p + i (default ${DEFAULT_PEER_BASE_PORT})
  --data-root <dir>      node i's data dir is <dir>/node-<i> (default ${DEFAULT_DATA_ROOT})
  --help                 print this text

RANGEDB_* environment variables reach every node. Ctrl-C stops the cluster.`;

class LaunchConfigError extends Error {
  override readonly name = 'LaunchConfigError';
}

interface LaunchOptions {
  nodes: number;
  httpBasePort: number;
  peerBasePort: number;
  dataRoot: string;
}

interface NodeSpec {
  nodeId: number;
  endpoint: string;
  dataDir: string;
  args: string[];
}

function wholeNumber(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) throw new LaunchConfigError(`--${flag} must be a whole number from ${min} to ${max}, got '${raw}'`);
  return value;
}

function parseLaunchOptions(argv: string[]): LaunchOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        nodes: { type: 'string' },
        'http-base-port': { type: 'string' },
        'peer-base-port': { type: 'string' },
        'data-root': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new LaunchConfigError(error instanceof Error ? error.message : String(error));
  }
  if (values.help === true) return 'help';
  const nodes = wholeNumber('nodes', values.nodes, DEFAULT_NODES, 1, MAX_INITIAL_MEMBERS);
  return {
    nodes,
    httpBasePort: wholeNumber('http-base-port', values['http-base-port'], DEFAULT_HTTP_BASE_PORT, 1, 65535 - nodes),
    peerBasePort: wholeNumber('peer-base-port', values['peer-base-port'], DEFAULT_PEER_BASE_PORT, 1, 65535 - nodes),
    dataRoot: resolve(values['data-root'] ?? DEFAULT_DATA_ROOT),
  };
}

function nodeSpecs(options: LaunchOptions): NodeSpec[] {
  const ids = Array.from({ length: options.nodes }, (_, i) => i + 1);
  const initialCluster = ids.map((id) => `${id}=${HOST}:${options.peerBasePort + id}`).join(',');
  return ids.map((nodeId) => {
    const dataDir = join(options.dataRoot, `node-${nodeId}`);
    const args = ['--node-id', String(nodeId), '--initial-cluster', initialCluster];
    args.push('--http', `${HOST}:${options.httpBasePort + nodeId}`, '--peer', `${HOST}:${options.peerBasePort + nodeId}`, '--data-dir', dataDir);
    return { nodeId, endpoint: `http://${HOST}:${options.httpBasePort + nodeId}`, dataDir, args };
  });
}

/** True if the node at `endpoint` answers its readiness probe with 200 now. */
export async function isReady(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}${OPS_PATHS.ready}`, { signal: AbortSignal.timeout(READY_PROBE_TIMEOUT_MS) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

function say(line: string): void {
  process.stdout.write(`[launch] ${line}\n`);
}

/** Writes each line of `stream` to `out` through `format`, every output line prefixed. */
function pipeLines(stream: NodeJS.ReadableStream, out: NodeJS.WritableStream, prefix: string, format: (line: string) => string): void {
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
    const text = format(line).replace(/\n$/, '');
    out.write(`${text.split('\n').map((part) => `${prefix} ${part}`).join('\n')}\n`);
  });
}

class Launcher {
  private readonly children = new Map<number, ChildProcess>();
  private readonly exits = new Map<number, Promise<void>>();
  private stopping = false;
  private readonly pretty = pinoPretty.prettyFactory({
    colorize: process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
  });

  private readonly specs: NodeSpec[];

  constructor(private readonly options: LaunchOptions) {
    this.specs = nodeSpecs(options);
  }

  async run(): Promise<void> {
    say(`starting ${this.specs.length} nodes, data in ${this.options.dataRoot}`);
    for (const spec of this.specs) this.spawnNode(spec);
    const ready = await Promise.all(this.specs.map((spec) => this.waitReady(spec)));
    if (!ready.every(Boolean) || this.stopping) return;
    say(`cluster of ${this.specs.length} nodes ready; any node serves any request:`);
    for (const spec of this.specs) say(`  n${spec.nodeId}  ${spec.endpoint}`);
    say(`try: aws dynamodb list-tables --endpoint-url ${this.specs[0]!.endpoint} --region us-east-1`);
    say('Ctrl-C stops the cluster.');
  }

  private spawnNode(spec: NodeSpec): void {
    const child = spawn(process.execPath, [MAIN, ...spec.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const prefix = `[n${spec.nodeId}]`;
    pipeLines(child.stdout, process.stdout, prefix, this.pretty);
    pipeLines(child.stderr, process.stderr, prefix, (line) => line);
    this.children.set(spec.nodeId, child);
    say(`n${spec.nodeId} started: pid ${child.pid}, HTTP ${spec.endpoint}, data ${spec.dataDir}`);
    this.exits.set(
      spec.nodeId,
      new Promise((resolveExit) =>
        // 'close', not 'exit': the node's last lines (why it died) are printed first.
        child.once('close', (code, signal) => {
          if (!this.stopping) this.reportDeath(spec.nodeId, code, signal);
          resolveExit();
        }),
      ),
    );
  }

  private reportDeath(nodeId: number, code: number | null, signal: NodeJS.Signals | null): void {
    const running = [...this.children.values()].filter(isRunning).length;
    say(`n${nodeId} exited unexpectedly (${signal ?? `code ${code}`}); ${running} of ${this.specs.length} nodes still running`);
    if (running === 0) {
      say('no node is left running');
      process.exit(1);
    }
  }

  /** Polls the node's /ready until it answers 200; false if the node exits (or the launcher stops) first. */
  private async waitReady(spec: NodeSpec): Promise<boolean> {
    const child = this.children.get(spec.nodeId)!;
    while (isRunning(child) && !this.stopping) {
      if (await isReady(spec.endpoint)) {
        say(`n${spec.nodeId} ready: ${spec.endpoint}`);
        return true;
      }
      await sleep(READY_POLL_MS);
    }
    return false;
  }

  /** SIGTERM every node, SIGKILL those still running after STOP_TIMEOUT_MS (or at a second signal), then exit 0. */
  async stop(signal: NodeJS.Signals): Promise<void> {
    if (this.stopping) {
      say(`${signal} again: killing the nodes`);
      this.signalAll('SIGKILL');
      return;
    }
    this.stopping = true;
    say(`${signal}: stopping ${this.specs.length} nodes`);
    this.signalAll('SIGTERM');
    const allExited = Promise.all(this.exits.values());
    if ((await Promise.race([allExited.then(() => true), sleep(STOP_TIMEOUT_MS).then(() => false)])) === false) {
      say(`nodes still running after ${STOP_TIMEOUT_MS} ms: killing them`);
      this.signalAll('SIGKILL');
    }
    await allExited;
    say('all nodes stopped');
    process.exit(0);
  }

  /** Sends `signal` to every node still running (also used, synchronously, as the launcher exits). */
  signalAll(signal: NodeJS.Signals): void {
    for (const child of this.children.values()) if (isRunning(child)) child.kill(signal);
  }
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

async function main(): Promise<void> {
  let options;
  try {
    options = parseLaunchOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof LaunchConfigError)) throw error;
    process.stderr.write(`${error.message}\n\n${LAUNCH_HELP}\n`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(`${LAUNCH_HELP}\n`);
    return;
  }
  const launcher = new Launcher(options);
  process.on('SIGINT', () => void launcher.stop('SIGINT'));
  process.on('SIGTERM', () => void launcher.stop('SIGTERM'));
  // Should the launcher itself fail, no node is left behind.
  process.on('exit', () => launcher.signalAll('SIGKILL'));
  await launcher.run();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`launch: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
