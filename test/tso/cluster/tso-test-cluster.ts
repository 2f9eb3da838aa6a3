/**
 * What the multi-process TSO tests share: three replica processes on
 * 127.0.0.1 (their own RocksDB dirs and ports), TsoClients over TCP, caller
 * loops recording every timestamp into one TimestampHistory, and cleanup.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../consensus/adapters/listen.js';
import { TcpTsoChannel } from '../../../tso/channel.js';
import { TsoClient } from '../../../tso/tso-client.js';
import { waitFor } from '../../helpers/wait-for.js';
import { TimestampHistory } from '../timestamp-history.js';
import { TsoMember } from './tso-member.js';

export const TSO_IDS = [1, 2, 3];
export const WAIT_LIMIT_MS = 20_000;
export const POLL_MS = 20;
/** Callers pause between calls so the test process leaves CPU to the replicas on a shared machine. */
export const CALLER_PAUSE_MS = 1;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class TsoTestCluster {
  readonly history = new TimestampHistory();
  failures = 0;
  private events = 0;
  private readonly clients: TsoClient[] = [];
  private running = false;
  private loops: Promise<void>[] = [];

  private constructor(
    readonly members: TsoMember[],
    private readonly tsoPorts: number[],
    private readonly root: string,
  ) {}

  static async create(): Promise<TsoTestCluster> {
    const root = await mkdtemp(join(tmpdir(), 'tso-cluster-'));
    const raftPorts = await Promise.all(TSO_IDS.map(() => freePort()));
    const tsoPorts = await Promise.all(TSO_IDS.map(() => freePort()));
    const spec = TSO_IDS.map((id, i) => `${id}:${raftPorts[i]}:${tsoPorts[i]}`).join(',');
    return new TsoTestCluster(
      TSO_IDS.map((id) => new TsoMember(id, join(root, `n${id}`), spec)),
      tsoPorts,
      root,
    );
  }

  member(id: number): TsoMember {
    return this.members[TSO_IDS.indexOf(id)]!;
  }

  /** A client of the whole group (closed by destroy()). */
  client(): TsoClient {
    const addresses = new Map(TSO_IDS.map((id, i) => [id, { host: '127.0.0.1', port: this.tsoPorts[i]! }]));
    const c = new TsoClient({ channel: new TcpTsoChannel(addresses) });
    this.clients.push(c);
    return c;
  }

  waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    return waitFor(what, probe, WAIT_LIMIT_MS, POLL_MS);
  }

  findServingLeader(): Promise<TsoMember> {
    return this.waitFor('a serving leader', async () => {
      for (const m of this.members) {
        const s = await m.status();
        if (s?.role === 'leader' && s.serving) return m;
      }
      return undefined;
    });
  }

  /** `callersPerClient` loops per client, each taking timestamps until stopCallers(). */
  startCallers(clients: readonly TsoClient[], callersPerClient: number): void {
    this.running = true;
    clients.forEach((client, c) => {
      for (let k = 0; k < callersPerClient; k++) this.loops.push(this.callerLoop(client, c));
    });
  }

  async stopCallers(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.loops = [];
  }

  private async callerLoop(client: TsoClient, clientIndex: number): Promise<void> {
    while (this.running) {
      const startedAt = this.events++;
      try {
        const ts = await client.now();
        this.history.record({ client: clientIndex, startedAt, receivedAt: this.events++, ts });
      } catch {
        this.failures++; // a deadline during failover is allowed; a wrong timestamp is not
      }
      await sleep(CALLER_PAUSE_MS);
    }
  }

  async destroy(): Promise<void> {
    this.running = false;
    for (const c of this.clients) c.close();
    await Promise.all(this.members.map((m) => m.kill()));
    await rm(this.root, { recursive: true, force: true });
  }
}
