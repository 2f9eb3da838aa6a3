/**
 * The targets a run measures: our embedded node (fsync on, its default),
 * our 3-node cluster, dynalite on disk and in memory, the bare Fastify
 * ceiling, etcd's 3 members, or any URL. Each local one runs in its own
 * child processes on 127.0.0.1 and free ports. A target has one endpoint or
 * several (a cluster); the load is spread over all of them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServingGroup } from './child-group.js';
import { freePort, startChild, type StartedChild } from './child-process.js';
import { startEtcdCluster } from './etcd-cluster.js';
import { startLocalCluster } from './local-cluster.js';

export const TARGET_KINDS = ['embedded', 'cluster', 'dynalite-disk', 'dynalite-memory', 'fastify', 'etcd'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** What a target speaks: the DynamoDB JSON API, or etcd's v3 JSON gateway. */
export type TargetProtocol = 'dynamodb' | 'etcd';

export interface Target {
  /** The name in tables and charts (`embedded`, `cluster`, `etcd`, ..., or the URL). */
  name: string;
  /** `http://host:port` of every process that serves it: one, or one per cluster member. */
  endpoints: string[];
  /** The server processes to sample RSS from (summed), when we started them. */
  pids: number[];
  protocol: TargetProtocol;
  /** False for the Fastify ceiling: nothing to read back. */
  storesData: boolean;
  stop(): Promise<void>;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const SERVER_MAIN = join(HERE, '..', '..', 'server', 'main.js');

export interface StartOptions {
  /** Directory for V8 CPU profiles of our server's processes (`node --cpu-prof`), if wanted. */
  cpuProfileDir?: string;
}

function asTarget(child: StartedChild, storesData: boolean): Target {
  return { name: child.name, endpoints: [child.endpoint], pids: [child.pid], protocol: 'dynamodb', storesData, stop: () => child.stop() };
}

function groupTarget(name: string, protocol: TargetProtocol, group: ServingGroup): Target {
  return { name, endpoints: group.endpoints, pids: group.pids, protocol, storesData: true, stop: () => group.stop() };
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
  const profile = options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : [];
  switch (kind) {
    case 'embedded': {
      const port = await freePort();
      const child = await withTempDir('embedded', (dataDir, removeDir) =>
        startChild(kind, [SERVER_MAIN, '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'warn'], port, profile, removeDir),
      );
      return asTarget(child, true);
    }
    case 'cluster':
      return groupTarget(kind, 'dynamodb', await startLocalCluster(SERVER_MAIN, profile));
    case 'etcd':
      return groupTarget(kind, 'etcd', await startEtcdCluster());
    case 'dynalite-disk': {
      const port = await freePort();
      const child = await withTempDir('dynalite', (path, removeDir) =>
        startChild(kind, [join(HERE, 'dynalite-server.js'), '--port', String(port), '--path', path], port, [], removeDir),
      );
      return asTarget(child, true);
    }
    case 'dynalite-memory': {
      const port = await freePort();
      return asTarget(await startChild(kind, [join(HERE, 'dynalite-server.js'), '--port', String(port)], port), true);
    }
    case 'fastify': {
      const port = await freePort();
      return asTarget(await startChild(kind, [join(HERE, 'ceiling-server.js'), '--port', String(port)], port), false);
    }
    default: {
      const never: never = kind;
      throw new TypeError(`unknown target ${String(never)}`);
    }
  }
}

/** A server somebody else runs: measured as is, never stopped by us. */
export function urlTarget(url: string): Target {
  return { name: url, endpoints: [url.replace(/\/$/, '')], pids: [], protocol: 'dynamodb', storesData: true, stop: async () => undefined };
}
