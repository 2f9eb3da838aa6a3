/**
 * A group of children that serve together (the nodes of our cluster, the
 * members of etcd's): distinct free ports, one temp root removed once every
 * member has exited, all started at once, each waited for with a line of
 * progress as it becomes ready, and all stopped if any fails to start.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildStartError, freePort, spawnChild, waitUntilReady, type ChildSpec } from './child-process.js';

/** While members are starting, a line saying who is still awaited every this often. */
export const GROUP_PROGRESS_INTERVAL_MS = 5_000;
/** freePort may hand out a port twice in a row; this many tries to find distinct ones. */
const PORT_TRIES_MAX = 100;

/** `count` distinct free ports on 127.0.0.1. */
export async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let tries = 0; ports.size < count; tries++) {
    if (tries >= PORT_TRIES_MAX) throw new ChildStartError(`no ${count} distinct free ports after ${PORT_TRIES_MAX} tries`);
    ports.add(await freePort());
  }
  return [...ports];
}

export interface GroupRoot {
  dir: string;
  /** Each member calls it once it has exited; the last call removes the dir. */
  release(): Promise<void>;
}

/** A temp dir shared by `members` children, removed when the last of them has exited. */
export async function groupRoot(prefix: string, members: number): Promise<GroupRoot> {
  const dir = await mkdtemp(join(tmpdir(), `rangedb-load-${prefix}-`));
  let remaining = members;
  return {
    dir,
    async release() {
      remaining--;
      if (remaining === 0) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A started group, as a target sees it. */
export interface ServingGroup {
  endpoints: string[];
  pids: number[];
  stop(): Promise<void>;
}

/**
 * Spawns every spec, then waits until `isReady(endpoint)` holds for each,
 * printing progress on stderr. On a failure every member is stopped.
 */
export async function startGroup(label: string, specs: readonly ChildSpec[], isReady: (endpoint: string) => Promise<boolean>, timeoutMs: number): Promise<ServingGroup> {
  const started = Date.now();
  const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
  const members = specs.map((spec) => spawnChild(spec));
  const waiting = new Set(members.map((member) => member.name));
  process.stderr.write(`  ${label}: started ${members.map((m) => `${m.name} (pid ${m.pid}, ${m.endpoint})`).join(', ')}; waiting until each is ready\n`);
  const ticker = setInterval(() => process.stderr.write(`  ${label}: ${seconds()} s, still waiting for ${[...waiting].join(', ')}\n`), GROUP_PROGRESS_INTERVAL_MS);
  try {
    await Promise.all(
      members.map(async (member) => {
        await waitUntilReady(member, () => isReady(member.endpoint), timeoutMs);
        waiting.delete(member.name);
        process.stderr.write(`  ${label}: ${member.name} ready after ${seconds()} s (${members.length - waiting.size} of ${members.length})\n`);
      }),
    );
  } catch (error) {
    await Promise.all(members.map((member) => member.stop()));
    throw error;
  } finally {
    clearInterval(ticker);
  }
  return {
    endpoints: members.map((member) => member.endpoint),
    pids: members.map((member) => member.pid),
    stop: async () => void (await Promise.all(members.map((member) => member.stop()))),
  };
}
