/**
 * A server in a child process (`node dist/server/main.js`), for tests that
 * kill it with SIGKILL and restart it on the same data dir.
 */
import { freePort } from '../../consensus/adapters/listen.js';
export { freePort };
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { sdkClient } from './server.js';
import { NodeChild } from './child-process.js';

export const MAIN = fileURLToPath(new URL('../../server/main.js', import.meta.url));
/** How long a child may take to start serving. */
export const CHILD_START_TIMEOUT_MS = 30_000;
const START_POLL_MS = 100;

export interface ChildServer {
  process: ChildProcess;
  endpoint: string;
  output(): string;
  /** Sends `signal` (default SIGKILL) and resolves with the exit code once it has exited. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startChildServer(dataDir: string, port?: number): Promise<ChildServer> {
  const listenPort = port ?? (await freePort());
  const child = new NodeChild(MAIN, ['--port', String(listenPort), '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'warn']);
  const endpoint = `http://127.0.0.1:${listenPort}`;
  const client = sdkClient(endpoint);
  try {
    await child.waitUntil(
      'serving',
      () => client.send(new ListTablesCommand({})).then(() => true, () => undefined),
      CHILD_START_TIMEOUT_MS,
      START_POLL_MS,
    );
  } catch (error) {
    await child.kill('SIGKILL');
    throw error;
  } finally {
    client.destroy();
  }
  return {
    process: child.process,
    endpoint,
    output: () => child.output(),
    kill: async (signal: NodeJS.Signals = 'SIGKILL') => (await child.kill(signal)).code,
  };
}
