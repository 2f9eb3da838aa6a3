/**
 * A real three-process cluster on 127.0.0.1: each member a separate Node
 * process with RocksDB storage and the TCP transport. It elects a leader,
 * replicates, survives SIGKILL of the leader without losing any acknowledged
 * write, and catches the restarted node up by snapshot (the survivors compact
 * their logs past what it has).
 */
import { waitFor as waitUntil } from '../helpers/wait-for.js';
import { freePort } from '../../consensus/adapters/listen.js';
import { NodeChild } from '../helpers/child-process.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import type { ControlCommand, NodeStatus } from './cluster/raft-node-process.js';

const NODE_SCRIPT = fileURLToPath(new URL('./cluster/raft-node-process.js', import.meta.url));
const IDS = [1, 2, 3];
const WAIT_LIMIT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 5_000;
const POLL_MS = 10;


class Member {
  child: NodeChild | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: { ok: boolean; status?: NodeStatus; error?: string }) => void>();

  constructor(
    readonly id: number,
    private readonly dir: string,
    private readonly port: number,
    private readonly peers: string,
  ) {}

  async start(): Promise<void> {
    const child = new NodeChild(NODE_SCRIPT, [String(this.id), this.dir, String(this.port), this.peers], { ipc: true });
    this.child = child;
    const ready = new Promise<void>((resolve) => {
      child.process.on('message', (raw) => {
        const reply = raw as { id: number; ok: boolean; ready?: boolean };
        if (reply.ready === true) resolve();
        this.waiting.get(reply.id)?.(reply);
        this.waiting.delete(reply.id);
      });
    });
    await child.before(`node ${this.id} to start`, ready, WAIT_LIMIT_MS);
  }

  request(req: ControlCommand): Promise<{ ok: boolean; status?: NodeStatus; error?: string }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node ${this.id}: no reply`)), REQUEST_TIMEOUT_MS);
      this.waiting.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.child!.process.send({ ...req, id });
    });
  }

  async status(): Promise<NodeStatus> {
    return (await this.request({ type: 'status' })).status!;
  }

  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    await child?.kill('SIGKILL');
  }
}

function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  return waitUntil(what, probe, WAIT_LIMIT_MS, POLL_MS);
}

t.test('three processes over TCP with RocksDB', async (tt) => {
  const root = await mkdtemp(join(tmpdir(), 'raft-cluster-'));
  const ports = await Promise.all(IDS.map(() => freePort()));
  const peers = IDS.map((id, i) => `${id}:${ports[i]}`).join(',');
  const members = IDS.map((id, i) => new Member(id, join(root, `n${id}`), ports[i]!, peers));
  tt.teardown(async () => {
    await Promise.all(members.map((m) => m.kill()));
    await rm(root, { recursive: true, force: true });
  });
  await Promise.all(members.map((m) => m.start()));

  const live = () => members.filter((m) => m.child !== undefined);
  const findLeader = () =>
    waitFor('a leader', async () => {
      for (const m of live()) if ((await m.status()).role === 'leader') return m;
      return undefined;
    });

  /** Write through the leader and wait until it has applied it: then it is acknowledged. */
  let cachedLeader: Member | undefined;
  async function put(key: string, value: string): Promise<void> {
    await waitFor(`write ${key}`, async () => {
      if (cachedLeader?.child === undefined || (await cachedLeader.status()).role !== 'leader') cachedLeader = await findLeader();
      const leader = cachedLeader;
      const r = await leader.request({ type: 'put', key, value });
      if (!r.ok) return undefined;
      return waitFor(`apply ${key}`, async () => ((await leader.status()).kv[key] === value ? true : undefined)).catch(() => undefined);
    });
  }

  const t0 = Date.now();
  const leader1 = await findLeader();
  tt.comment(`leader after ${Date.now() - t0} ms`);
  tt.pass(`node ${leader1.id} leads`);
  const acked: Record<string, string> = {};
  for (let i = 0; i < 10; i++) {
    await put(`k${i}`, `v${i}`);
    acked[`k${i}`] = `v${i}`;
  }

  tt.comment(`10 writes after ${Date.now() - t0} ms`);
  await leader1.kill();
  const leader2 = await findLeader();
  tt.not(leader2.id, leader1.id, `node ${leader2.id} took over after SIGKILL of ${leader1.id}`);
  const afterFailover = await leader2.status();
  for (const [k, v] of Object.entries(acked)) tt.equal(afterFailover.kv[k], v, `acknowledged ${k} survived`);

  // Enough writes that the survivors snapshot and compact beyond the dead node's log.
  for (let i = 10; i < 40; i++) {
    await put(`k${i}`, `v${i}`);
    acked[`k${i}`] = `v${i}`;
  }
  tt.comment(`40 writes after ${Date.now() - t0} ms`);
  tt.ok((await leader2.status()).firstIndex > 12, 'the leader compacted its log');

  await leader1.start();
  const caughtUp = await waitFor('the restarted node to catch up', async () => {
    const s = await leader1.status();
    return Object.entries(acked).every(([k, v]) => s.kv[k] === v) ? s : undefined;
  });
  tt.ok(caughtUp.snapshotsInstalled > 0, 'the restarted node was caught up by a snapshot');
});
