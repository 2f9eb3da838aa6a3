/**
 * The peer for replicated writes: etcd (Debian's etcd-server 3.4), three
 * members on 127.0.0.1 with free client and peer ports and temp data dirs
 * (fsync on, etcd's default), ready once each member's GET /health says
 * true. The load talks to its JSON gateway (protocols/etcd.ts).
 */
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { distinctFreePorts, groupRoot, startGroup, type ServingGroup } from './child-group.js';
import type { ChildSpec } from './child-process.js';

export const ETCD_MEMBERS = 3;
export const ETCD_BINARY = 'etcd';
export const ETCD_INSTALL_HINT = 'apt-get install -y etcd-server';
/** Spawn to every member reporting healthy (a leader elected). */
export const ETCD_READY_TIMEOUT_MS = 30_000;
/** A health probe that hangs counts as a failed one after this. */
const HEALTH_PROBE_TIMEOUT_MS = 2_000;

export class EtcdMissingError extends Error {
  override name = 'EtcdMissingError';
  constructor(path: string) {
    super(`--compare etcd needs the \`${ETCD_BINARY}\` binary (Debian's etcd-server 3.4), and it is not on PATH (${path}). Install it with: ${ETCD_INSTALL_HINT}`);
  }
}

/** The first executable `name` on `searchPath` (a PATH string), or undefined. */
export async function findExecutable(name: string, searchPath: string): Promise<string | undefined> {
  for (const dir of searchPath.split(delimiter).filter((part) => part !== '')) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The etcd binary's path; throws EtcdMissingError (saying how to install it) when absent. */
export async function requireEtcd(searchPath = process.env.PATH ?? ''): Promise<string> {
  const found = await findExecutable(ETCD_BINARY, searchPath);
  if (found === undefined) throw new EtcdMissingError(searchPath);
  return found;
}

export interface EtcdPorts {
  client: readonly number[];
  peer: readonly number[];
}

/** The command line of member `i` (0-based): pure, for tests. */
export function etcdMemberArgs(i: number, ports: EtcdPorts, dataRoot: string, clusterToken: string): string[] {
  const name = (j: number) => `m${j + 1}`;
  const peerUrl = (j: number) => `http://127.0.0.1:${ports.peer[j]}`;
  const clientUrl = `http://127.0.0.1:${ports.client[i]}`;
  return [
    '--name', name(i),
    '--data-dir', join(dataRoot, name(i)),
    '--listen-client-urls', clientUrl,
    '--advertise-client-urls', clientUrl,
    '--listen-peer-urls', peerUrl(i),
    '--initial-advertise-peer-urls', peerUrl(i),
    '--initial-cluster', ports.peer.map((_, j) => `${name(j)}=${peerUrl(j)}`).join(','),
    '--initial-cluster-state', 'new',
    '--initial-cluster-token', clusterToken,
    '--logger', 'zap',
    '--log-level', 'warn',
  ];
}

/** True if the member's /health says `"health":"true"` (it sees a leader). */
export async function etcdHealthy(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(HEALTH_PROBE_TIMEOUT_MS) });
    const body = (await response.json()) as { health?: unknown };
    return response.status === 200 && body.health === 'true';
  } catch {
    return false;
  }
}

export async function startEtcdCluster(): Promise<ServingGroup> {
  const binary = await requireEtcd();
  const ports = await distinctFreePorts(2 * ETCD_MEMBERS);
  const etcdPorts = { client: ports.slice(0, ETCD_MEMBERS), peer: ports.slice(ETCD_MEMBERS) };
  const root = await groupRoot('etcd', ETCD_MEMBERS);
  const token = `rangedb-load-${process.pid}-${Date.now().toString(36)}`;
  const specs: ChildSpec[] = etcdPorts.client.map((port, i) => ({
    name: `etcd-m${i + 1}`,
    command: binary,
    args: etcdMemberArgs(i, etcdPorts, root.dir, token),
    endpoint: `http://127.0.0.1:${port}`,
    afterExit: () => root.release(),
  }));
  return startGroup(`etcd (data in ${root.dir})`, specs, etcdHealthy, ETCD_READY_TIMEOUT_MS);
}
