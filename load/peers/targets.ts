/**
 * The targets a run measures: our embedded node (fsync on, its default),
 * dynalite on disk and in memory, the bare Fastify ceiling, or any URL.
 * Each local one runs in its own child process on 127.0.0.1 and a free port.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startChild, type StartedChild } from './child-process.js';

export const TARGET_KINDS = ['embedded', 'dynalite-disk', 'dynalite-memory', 'fastify'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export interface Target {
  /** The name in tables and charts (`embedded`, `dynalite-disk`, ..., or the URL). */
  name: string;
  endpoint: string;
  /** The server process to sample RSS from, when we started it. */
  pid?: number;
  /** False for the Fastify ceiling: nothing to read back. */
  storesData: boolean;
  stop(): Promise<void>;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const SERVER_MAIN = join(HERE, '..', '..', 'server', 'main.js');

export interface StartOptions {
  /** Directory for a V8 CPU profile of our server (`node --cpu-prof`), if wanted. */
  cpuProfileDir?: string;
}

function asTarget(child: StartedChild, storesData: boolean): Target {
  return { name: child.name, endpoint: child.endpoint, pid: child.pid, storesData, stop: () => child.stop() };
}

/** Makes a temp dir that lives exactly as long as the child started in it. */
async function withTempDir(prefix: string, start: (dir: string, removeDir: () => Promise<void>) => Promise<StartedChild>): Promise<StartedChild> {
  const dir = await mkdtemp(join(tmpdir(), `rangedb-load-${prefix}-`));
  const removeDir = () => rm(dir, { recursive: true, force: true });
  try {
    return await start(dir, removeDir);
  } catch (error) {
    await removeDir();
    throw error;
  }
}

export async function startTarget(kind: TargetKind, options: StartOptions = {}): Promise<Target> {
  const port = await freePort();
  switch (kind) {
    case 'embedded': {
      const profile = options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : [];
      const child = await withTempDir('embedded', (dataDir, removeDir) =>
        startChild(kind, [SERVER_MAIN, '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'warn'], port, profile, removeDir),
      );
      return asTarget(child, true);
    }
    case 'dynalite-disk': {
      const child = await withTempDir('dynalite', (path, removeDir) =>
        startChild(kind, [join(HERE, 'dynalite-server.js'), '--port', String(port), '--path', path], port, [], removeDir),
      );
      return asTarget(child, true);
    }
    case 'dynalite-memory':
      return asTarget(await startChild(kind, [join(HERE, 'dynalite-server.js'), '--port', String(port)], port), true);
    case 'fastify':
      return asTarget(await startChild(kind, [join(HERE, 'ceiling-server.js'), '--port', String(port)], port), false);
    default: {
      const never: never = kind;
      throw new TypeError(`unknown target ${String(never)}`);
    }
  }
}

/** A server somebody else runs: measured as is, never stopped by us. */
export function urlTarget(url: string): Target {
  return { name: url, endpoint: url.replace(/\/$/, ''), storesData: true, stop: async () => undefined };
}
