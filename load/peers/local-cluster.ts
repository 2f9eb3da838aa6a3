/**
 * Our 3-node cluster, started by the runner: `dist/server/main.js` per
 * node on 127.0.0.1 with free HTTP and peer ports, data under one temp root
 * (fsync on, the default), ready once every node's GET /ready answers 200.
 * Any node serves any request, so the load is spread over all three.
 */
import { join } from 'node:path';
import { isReady } from '../../server/cluster/launch.js';
import { distinctFreePorts, groupRoot, startGroup, type ServingGroup } from './child-group.js';
import type { ChildSpec } from './child-process.js';

export const CLUSTER_NODES = 3;
/** Spawn to every node answering /ready (elections and the catalog included). */
export const CLUSTER_READY_TIMEOUT_MS = 60_000;

export interface ClusterPorts {
  http: readonly number[];
  peer: readonly number[];
}

/** The command line of node `i` (0-based) of the cluster: pure, for tests. */
export function clusterNodeArgs(i: number, ports: ClusterPorts, dataRoot: string): string[] {
  const initialCluster = ports.peer.map((port, j) => `${j + 1}=127.0.0.1:${port}`).join(',');
  return [
    '--node-id', String(i + 1),
    '--initial-cluster', initialCluster,
    '--http', `127.0.0.1:${ports.http[i]}`,
    '--peer', `127.0.0.1:${ports.peer[i]}`,
    '--data-dir', join(dataRoot, `node-${i + 1}`),
    '--log-level', 'warn',
  ];
}

/** Starts the cluster and waits until every node is ready; `nodeOptions` go before the script (e.g. --cpu-prof). */
export async function startLocalCluster(serverMain: string, nodeOptions: string[] = []): Promise<ServingGroup> {
  const ports = await distinctFreePorts(2 * CLUSTER_NODES);
  const clusterPorts = { http: ports.slice(0, CLUSTER_NODES), peer: ports.slice(CLUSTER_NODES) };
  const root = await groupRoot('cluster', CLUSTER_NODES);
  const specs: ChildSpec[] = clusterPorts.http.map((port, i) => ({
    name: `n${i + 1}`,
    args: [...nodeOptions, serverMain, ...clusterNodeArgs(i, clusterPorts, root.dir)],
    endpoint: `http://127.0.0.1:${port}`,
    afterExit: () => root.release(),
  }));
  return startGroup(`cluster (data in ${root.dir})`, specs, isReady, CLUSTER_READY_TIMEOUT_MS);
}
