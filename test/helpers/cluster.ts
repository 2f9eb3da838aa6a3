/**
 * A real multi-node cluster for tests: N processes of `dist/server/main.js`
 * on 127.0.0.1, each with free HTTP and peer ports and a temp data dir, an
 * SDK client per node, and kill / stop / restart of single nodes. The
 * teardown registered on the tap test kills every process and removes the
 * data. Nodes are addressed by index: `nodes[i]` has node id i + 1.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Test } from 'tap';
import { freePort } from '../../consensus/adapters/listen.js';
import { isReady } from '../../server/cluster/launch.js';
import { describeExit, NodeChild, type ExitStatus } from './child-process.js';
import { MAIN } from './child-server.js';
import { sdkClient, tempDir } from './server.js';

export const DEFAULT_CLUSTER_NODES = 3;
/** How long a node may take from spawn to answering /ready with 200 (elections included). */
export const CLUSTER_READY_TIMEOUT_MS = 60_000;
const READY_POLL_MS = 100;

export interface ClusterNodeInfo {
  nodeId: number;
  /** `http://127.0.0.1:<port>`, for SDK clients and plain fetch. */
  endpoint: string;
  peerPort: number;
  dataDir: string;
  /** The pid of the node's current process (a restart changes it). */
  pid: number;
}

export interface StartClusterOptions {
  nodes?: number;
  rangesPerNode?: number;
  /** Added to every node's environment (RANGEDB_LOG_LEVEL, for one). */
  env?: NodeJS.ProcessEnv;
}

export interface TestCluster {
  readonly nodes: readonly ClusterNodeInfo[];
  /** A DynamoDB client for node i (one per node, destroyed at teardown). */
  client(i: number): DynamoDBClient;
  /** SIGKILL, and wait for the exit. */
  kill(i: number): Promise<ExitStatus>;
  /** SIGTERM, and wait for the exit (SIGKILL after child-process STOP_TIMEOUT_MS). */
  stop(i: number): Promise<ExitStatus>;
  /** Starts node i again (stopping it first if it runs) with the same flags and data dir, and waits until it is ready. */
  restart(i: number): Promise<void>;
  /** Waits until node i answers /ready with 200; fails at once if its process exits. */
  waitReady(i: number): Promise<void>;
  /** What node i's current process has printed (for assertions and failure messages). */
  output(i: number): string;
}

interface Member {
  info: ClusterNodeInfo;
  args: string[];
  child: NodeChild;
  client?: DynamoDBClient;
}

export async function startCluster(t: Test, options: StartClusterOptions = {}): Promise<TestCluster> {
  const count = options.nodes ?? DEFAULT_CLUSTER_NODES;
  const root = await tempDir('cluster');
  const httpPorts = await Promise.all(Array.from({ length: count }, () => freePort()));
  const peerPorts = await Promise.all(Array.from({ length: count }, () => freePort()));
  const initialCluster = peerPorts.map((port, i) => `${i + 1}=127.0.0.1:${port}`).join(',');
  const env = { RANGEDB_LOG_LEVEL: 'warn', ...options.env };
  const spawnNode = (args: string[]) => new NodeChild(MAIN, args, { env });

  const members: Member[] = httpPorts.map((httpPort, i) => {
    const nodeId = i + 1;
    const dataDir = join(root, `node-${nodeId}`);
    const args = ['--node-id', String(nodeId), '--initial-cluster', initialCluster, '--http', `127.0.0.1:${httpPort}`];
    args.push('--peer', `127.0.0.1:${peerPorts[i]}`, '--data-dir', dataDir);
    if (options.rangesPerNode !== undefined) args.push('--ranges-per-node', String(options.rangesPerNode));
    const child = spawnNode(args);
    return { info: { nodeId, endpoint: `http://127.0.0.1:${httpPort}`, peerPort: peerPorts[i]!, dataDir, pid: child.pid }, args, child };
  });
  t.teardown(async () => {
    for (const member of members) member.client?.destroy();
    await Promise.all(members.map((member) => member.child.kill('SIGKILL')));
    await rm(root, { recursive: true, force: true });
  });

  const member = (i: number): Member => {
    const found = members[i];
    if (found === undefined) throw new RangeError(`no node at index ${i} (the cluster has ${members.length})`);
    return found;
  };
  const waitReady = async (i: number): Promise<void> => {
    const { info, child } = member(i);
    const started = Date.now();
    let lastReason = 'no answer yet';
    const probe = async (): Promise<true | undefined> => {
      try {
        const res = await fetch(`${info.endpoint}/ready`);
        if (res.status === 200) return true;
        lastReason = `${res.status} ${await res.text()}`;
      } catch (error) {
        lastReason = error instanceof Error ? error.message : String(error);
      }
      return undefined;
    };
    await child.waitUntil(() => `node ${info.nodeId} to be ready (last /ready: ${lastReason})`, probe, CLUSTER_READY_TIMEOUT_MS, READY_POLL_MS);
    t.comment(`node ${info.nodeId} ready at ${info.endpoint} (pid ${child.pid}) after ${Date.now() - started} ms`);
  };
  const exited = (i: number, how: string, status: ExitStatus): ExitStatus => {
    t.comment(`node ${member(i).info.nodeId} ${how}: exited with ${describeExit(status)}`);
    return status;
  };

  t.comment(`cluster of ${count} nodes in ${root}: ${members.map((m) => `${m.info.nodeId}=${m.info.endpoint}`).join(', ')}`);
  await Promise.all(members.map((_, i) => waitReady(i)));
  return {
    nodes: members.map((m) => m.info),
    client(i) {
      const m = member(i);
      m.client ??= sdkClient(m.info.endpoint);
      return m.client;
    },
    kill: async (i) => exited(i, 'killed (SIGKILL)', await member(i).child.kill('SIGKILL')),
    stop: async (i) => exited(i, 'stopped (SIGTERM)', await member(i).child.stop()),
    async restart(i) {
      const m = member(i);
      if (m.child.running) exited(i, 'stopped for a restart', await m.child.stop());
      m.child = spawnNode(m.args);
      m.info.pid = m.child.pid;
      t.comment(`node ${m.info.nodeId} restarted (pid ${m.child.pid})`);
      await waitReady(i);
    },
    waitReady,
    output: (i) => member(i).child.output(),
  };
}

/**
 * How long lockedRanges lets followers catch up: a leader answers once it has
 * applied a resolution, its followers apply it a heartbeat or two later (and a
 * node restarted late in a test may still be replaying). A lock that is really
 * stuck is still there when this runs out.
 */
export const LOCKS_SETTLE_MS = 15_000;

/**
 * The ranges that still hold transaction locks on these nodes, as `node <id>
 * range <id>: <count> (...)` lines, once none is left or `settleMs` has passed.
 */
export async function lockedRanges(nodes: readonly ClusterNodeInfo[], settleMs = LOCKS_SETTLE_MS): Promise<string[]> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const views = await Promise.all(
      nodes.map(async (node) => {
        const body = (await (await fetch(`${node.endpoint}/admin/ranges`)).json()) as {
          ranges: Array<{ rangeId: number; locks: number; leader: number; applied: number }>;
        };
        const metrics = await (await fetch(`${node.endpoint}/metrics`)).text();
        return { nodeId: node.nodeId, ranges: body.ranges, metrics };
      }),
    );
    // Each locked replica is reported with every node's applied and commit index of its group,
    // so a failure tells a follower that is not sent entries (commit behind), one that does not
    // apply them (applied behind commit) and a lock table that went wrong (both level).
    const commitIndex = (metrics: string, rangeId: number) =>
      new RegExp(`^rangedb_raft_commit_index\\{group="range-${rangeId}"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? '-';
    const applied = (rangeId: number) =>
      views
        .map((v) => `n${v.nodeId}=${v.ranges.find((r) => r.rangeId === rangeId)?.applied ?? '-'}/${commitIndex(v.metrics, rangeId)}`)
        .join(' ');
    const locked: string[] = [];
    for (const view of views) {
      for (const range of view.ranges) {
        if (range.locks > 0) locked.push(`node ${view.nodeId} range ${range.rangeId}: ${range.locks} (leader n${range.leader}; applied/commit ${applied(range.rangeId)})`);
      }
    }
    if (locked.length === 0 || Date.now() >= deadline) return locked;
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
}
