/**
 * dynalite in a child process, on disk (LevelDB under --path) or in memory.
 * `node dist/load/peers/dynalite-server.js --port <p> [--path <dir>]`
 */
import { createRequire } from 'node:module';

type DynaliteServer = { listen(port: number, host: string, done: () => void): void; close(done: () => void): void };
const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: { path?: string; createTableMs: number; deleteTableMs: number }) => DynaliteServer;

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index < 0 ? undefined : process.argv[index + 1];
}

const port = Number(argument('--port'));
if (!Number.isInteger(port)) throw new TypeError('usage: dynalite-server.js --port <port> [--path <dir>]');
const path = argument('--path');
const server = dynalite({ ...(path ? { path } : {}), createTableMs: 0, deleteTableMs: 0 });
server.listen(port, '127.0.0.1', () => undefined);
process.once('SIGTERM', () => server.close(() => process.exit(0)));
