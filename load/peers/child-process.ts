/**
 * Child processes the runner starts (our server and cluster nodes, dynalite,
 * the Fastify ceiling, etcd members): spawned, waited for until a readiness
 * probe says yes, and all killed on the way out, even on Ctrl-C or an error
 * (see stopAllChildren / killAllChildrenNow).
 */
import { freePort } from '../../consensus/adapters/listen.js';
export { freePort };
import { spawn, type ChildProcess } from 'node:child_process';
import { DynamoHttpClient } from '../dynamo-http.js';

/** How long a child may take to start serving. */
export const CHILD_START_TIMEOUT_MS = 30_000;
/** How long a child gets after SIGTERM before SIGKILL. */
export const CHILD_STOP_GRACE_MS = 3_000;
const POLL_INTERVAL_MS = 100;

export class ChildStartError extends Error {
  override name = 'ChildStartError';
}

export interface StartedChild {
  name: string;
  process: ChildProcess;
  endpoint: string;
  pid: number;
  output(): string;
  /** True until the process has exited (or failed to spawn). */
  running(): boolean;
  stop(): Promise<void>;
}

export interface ChildSpec {
  name: string;
  /** The executable; Node itself (process.execPath) unless said otherwise. */
  command?: string;
  args: string[];
  /** Where it serves HTTP once ready. */
  endpoint: string;
  /** E.g. removing the child's temp dir: runs once it has exited, whoever stops it. */
  afterExit?: () => Promise<void>;
}

const running = new Set<StartedChild>();

/** Output kept per child, for error messages. */
const OUTPUT_KEEP_CHARS = 20_000;

/** Spawns a child and registers it for stopAllChildren; does not wait for it to serve. */
export function spawnChild(spec: ChildSpec): StartedChild {
  const child = spawn(spec.command ?? process.execPath, spec.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let failed = false;
  const keep = (chunk: Buffer | string): void => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEEP_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    // A missing executable: 'error' and never 'exit'.
    child.once('error', (error) => {
      failed = true;
      keep(`\n${spec.name}: ${error.message}\n`);
      resolve();
    });
  });
  const afterExit = spec.afterExit ?? (async () => undefined);
  const isRunning = () => !failed && child.exitCode === null && child.signalCode === null;
  const started: StartedChild = {
    name: spec.name,
    process: child,
    endpoint: spec.endpoint,
    pid: child.pid ?? -1,
    output: () => output,
    running: isRunning,
    async stop() {
      if (!running.delete(started)) return;
      if (isRunning()) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      await afterExit();
    },
  };
  running.add(started);
  return started;
}

/**
 * Polls `isReady` until it answers true; fails at once if the child exits,
 * or after `timeoutMs`. The child is left running either way.
 */
export async function waitUntilReady(child: StartedChild, isReady: () => Promise<boolean>, timeoutMs = CHILD_START_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!child.running()) throw new ChildStartError(`${child.name} exited (${child.process.exitCode ?? child.process.signalCode ?? 'did not start'}): ${child.output()}`);
    if (await isReady()) return;
    if (Date.now() > deadline) throw new ChildStartError(`${child.name} was not ready within ${timeoutMs} ms: ${child.output()}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** True if a DynamoDB-speaking server answers ListTables (any status). */
async function answersDynamo(endpoint: string): Promise<boolean> {
  const client = new DynamoHttpClient(endpoint);
  try {
    await client.raw('ListTables', '{}');
    return true;
  } catch {
    return false;
  } finally {
    client.close();
  }
}

/**
 * Starts `node [nodeOptions] args` and waits until it answers HTTP on `port`
 * (a DynamoDB ListTables, any status). `afterExit` runs once it has exited.
 */
export async function startChild(
  name: string,
  args: string[],
  port: number,
  nodeOptions: string[] = [],
  afterExit: () => Promise<void> = async () => undefined,
): Promise<StartedChild> {
  const started = spawnChild({ name, args: [...nodeOptions, ...args], endpoint: `http://127.0.0.1:${port}`, afterExit });
  try {
    await waitUntilReady(started, () => answersDynamo(started.endpoint));
  } catch (error) {
    await started.stop();
    throw error;
  }
  return started;
}

/** Stops every child still running (the runner's finally and signal handlers call this). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

/** Synchronous last resort for process 'exit': SIGKILL whatever is left. */
export function killAllChildrenNow(): void {
  for (const child of running) {
    if (child.running()) child.process.kill('SIGKILL');
  }
  running.clear();
}
