/**
 * Child processes the runner starts (our server, dynalite, the Fastify
 * ceiling): spawned, waited for until they answer HTTP, and all killed on
 * the way out, even on Ctrl-C or an error (see killAllChildren).
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
  stop(): Promise<void>;
}

const running = new Set<StartedChild>();


/** Output kept per child, for error messages. */
const OUTPUT_KEEP_CHARS = 20_000;

/**
 * Starts `node [nodeOptions] args` and waits until it answers HTTP on `port`.
 * `afterExit` (e.g. removing the child's temp dir) runs once it has exited,
 * whoever stops it.
 */
export async function startChild(
  name: string,
  args: string[],
  port: number,
  nodeOptions: string[] = [],
  afterExit: () => Promise<void> = async () => undefined,
): Promise<StartedChild> {
  const child = spawn(process.execPath, [...nodeOptions, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEEP_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;
  const started: StartedChild = {
    name,
    process: child,
    endpoint,
    pid: child.pid ?? -1,
    output: () => output,
    async stop() {
      if (!running.delete(started)) return;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      await afterExit();
    },
  };
  running.add(started);
  try {
    await waitUntilServing(started);
  } catch (error) {
    await started.stop();
    throw error;
  }
  return started;
}

async function waitUntilServing(child: StartedChild): Promise<void> {
  const client = new DynamoHttpClient(child.endpoint);
  const deadline = Date.now() + CHILD_START_TIMEOUT_MS;
  try {
    for (;;) {
      if (child.process.exitCode !== null) throw new ChildStartError(`${child.name} exited with ${child.process.exitCode}: ${child.output()}`);
      try {
        await client.raw('ListTables', '{}');
        return;
      } catch {
        if (Date.now() > deadline) throw new ChildStartError(`${child.name} did not serve within ${CHILD_START_TIMEOUT_MS} ms: ${child.output()}`);
        await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
      }
    }
  } finally {
    client.close();
  }
}

/** Stops every child still running (the runner's finally and signal handlers call this). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

/** Synchronous last resort for process 'exit': SIGKILL whatever is left. */
export function killAllChildrenNow(): void {
  for (const child of running) {
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  }
  running.clear();
}
