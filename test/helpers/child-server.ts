/**
 * A server in a child process (`node dist/server/main.js`), for tests that
 * kill it with SIGKILL and restart it on the same data dir.
 */
import { freePort } from '../../consensus/adapters/listen.js';
export { freePort };
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { sdkClient } from './server.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'server', 'main.js');
/** How long a child may take to start serving. */
export const CHILD_START_TIMEOUT_MS = 30_000;


export interface ChildServer {
  process: ChildProcess;
  endpoint: string;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startChildServer(dataDir: string, port?: number): Promise<ChildServer> {
  const listenPort = port ?? (await freePort());
  const child = spawn(process.execPath, [MAIN, '--port', String(listenPort), '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const endpoint = `http://127.0.0.1:${listenPort}`;
  const client = sdkClient(endpoint);
  const deadline = Date.now() + CHILD_START_TIMEOUT_MS;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${output}`);
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`server did not start in time: ${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    client.destroy();
  }
  return {
    process: child,
    endpoint,
    output: () => output,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
