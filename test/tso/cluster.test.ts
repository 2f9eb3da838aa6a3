/**
 * A real three-process TSO group on 127.0.0.1 (RocksDB, TCP), three TsoClients
 * with concurrent callers in this process, and the TSO leader killed with
 * SIGKILL and restarted a few times while they run. Every timestamp handed
 * out is checked: unique, increasing per client in response order, and
 * larger than every timestamp received before its call began.
 */
import { waitFor as waitUntil } from '../helpers/wait-for.js';
import { freePort } from '../../consensus/adapters/listen.js';
import { NodeChild } from '../helpers/child-process.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { TcpTsoChannel } from '../../tso/channel.js';
import { TsoClient } from '../../tso/tso-client.js';
import type { TsoNodeStatus } from './cluster/tso-node-process.js';
import { TimestampHistory } from './timestamp-history.js';

const NODE_SCRIPT = fileURLToPath(new URL('./cluster/tso-node-process.js', import.meta.url));
const IDS = [1, 2, 3];
const CLIENTS = 3;
const CALLERS_PER_CLIENT = 8;
const KILLS = 3;
/** How long the clients run between a restart and the next kill. */
const RUN_BETWEEN_KILLS_MS = 1_200;
const DOWN_MS = 300;
/** Callers pause between calls so the test process leaves CPU to the replicas on a shared machine. */
const CALLER_PAUSE_MS = 1;
const WAIT_LIMIT_MS = 20_000;
const STATUS_TIMEOUT_MS = 2_000;
const POLL_MS = 20;


class Member {
  child: NodeChild | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, (status: TsoNodeStatus) => void>();

  constructor(
    readonly id: number,
    private readonly dir: string,
    private readonly members: string,
  ) {}

  async start(): Promise<void> {
    const child = new NodeChild(NODE_SCRIPT, [String(this.id), this.dir, this.members], { ipc: true });
    this.child = child;
    const ready = new Promise<void>((resolve) => {
      child.process.on('message', (raw) => {
        const reply = raw as { id: number; ready?: boolean; status?: TsoNodeStatus };
        if (reply.ready === true) resolve();
        if (reply.status !== undefined) this.waiting.get(reply.id)?.(reply.status);
        this.waiting.delete(reply.id);
      });
    });
    await child.before(`node ${this.id} to start`, ready, WAIT_LIMIT_MS);
  }

  status(): Promise<TsoNodeStatus | undefined> {
    const child = this.child;
    if (child === undefined) return Promise.resolve(undefined);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), STATUS_TIMEOUT_MS);
      this.waiting.set(id, (s) => {
        clearTimeout(timer);
        resolve(s);
      });
      child.process.send({ id });
    });
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('TSO group of three processes: SIGKILL of the leader, repeatedly', async (tt) => {
  const root = await mkdtemp(join(tmpdir(), 'tso-cluster-'));
  const raftPorts = await Promise.all(IDS.map(() => freePort()));
  const tsoPorts = await Promise.all(IDS.map(() => freePort()));
  const spec = IDS.map((id, i) => `${id}:${raftPorts[i]}:${tsoPorts[i]}`).join(',');
  const members = IDS.map((id) => new Member(id, join(root, `n${id}`), spec));
  const clients = Array.from(
    { length: CLIENTS },
    () => new TsoClient({ channel: new TcpTsoChannel(new Map(IDS.map((id, i) => [id, { host: '127.0.0.1', port: tsoPorts[i]! }]))) }),
  );
  tt.teardown(async () => {
    for (const c of clients) c.close();
    await Promise.all(members.map((m) => m.kill()));
    await rm(root, { recursive: true, force: true });
  });
  await Promise.all(members.map((m) => m.start()));

  const findServingLeader = () =>
    waitFor('a serving leader', async () => {
      for (const m of members) {
        const s = await m.status();
        if (s?.role === 'leader' && s.serving) return m;
      }
      return undefined;
    });

  const history = new TimestampHistory();
  let events = 0;
  let failures = 0;
  let running = true;
  const loops: Promise<void>[] = [];
  for (let c = 0; c < CLIENTS; c++) {
    for (let k = 0; k < CALLERS_PER_CLIENT; k++) {
      loops.push(
        (async () => {
          while (running) {
            const startedAt = events++;
            try {
              const ts = await clients[c]!.now();
              history.record({ client: c, startedAt, receivedAt: events++, ts });
            } catch {
              failures++; // a deadline during failover is allowed; a wrong timestamp is not
            }
            await sleep(CALLER_PAUSE_MS);
          }
        })(),
      );
    }
  }

  const killed: number[] = [];
  const countsAfterRestart: number[] = [];
  for (let i = 0; i < KILLS; i++) {
    await sleep(RUN_BETWEEN_KILLS_MS);
    const t0 = Date.now();
    const leader = await findServingLeader();
    const t1 = Date.now();
    await leader.kill();
    killed.push(leader.id);
    await sleep(DOWN_MS);
    await leader.start();
    tt.comment(`round ${i}: leader ${leader.id} found in ${t1 - t0} ms, killed, back after ${Date.now() - t1} ms`);
    countsAfterRestart.push(history.calls.length);
  }
  await findServingLeader();
  await sleep(RUN_BETWEEN_KILLS_MS);
  running = false;
  await Promise.all(loops);

  tt.comment(`killed leaders ${killed.join(', ')}; ${history.calls.length} timestamps, ${failures} failed calls`);
  tt.equal(killed.length, KILLS, 'the leader was killed each round');
  tt.ok(history.calls.length - countsAfterRestart[KILLS - 1]! > 0, 'timestamps were served after the last restart');
  tt.ok(history.calls.length > 1000, 'a substantial history was checked');
  tt.doesNotThrow(() => history.check(), 'unique, per-client increasing, real-time ordered');
});
