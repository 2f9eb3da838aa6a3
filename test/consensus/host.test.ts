/**
 * Three RaftHosts, each running the same four groups over one shared KV store
 * per host, wired by an in-memory transport: every group elects a leader and
 * replicates; each flush issues at most one write batch (group commit) and at
 * most one transport call per peer (message batching).
 */
import t from 'tap';
import type { RaftKvStore } from '../../consensus/adapters/kv-port.js';
import { RocksDbRaftStorage } from '../../consensus/adapters/rocksdb-storage.js';
import { RaftHost, type Envelope } from '../../consensus/host.js';
import type { Entry, NodeId } from '../../consensus/messages.js';
import { SeededRandom } from '../../consensus/random.js';
import { MemoryStore } from '../../engine/storage/memory/memory-store.js';

const NODES = [1, 2, 3];
const GROUPS = [10, 11, 12, 13];
const MAX_ROUNDS = 500;

class CountingStore implements RaftKvStore {
  writes = 0;
  constructor(private readonly inner: MemoryStore) {}
  get(key: Buffer) {
    return this.inner.get(key);
  }
  write(batch: Parameters<MemoryStore['write']>[0], options?: { sync?: boolean }) {
    this.writes++;
    return this.inner.write(batch, options);
  }
  iterate(range: Parameters<MemoryStore['iterate']>[0]) {
    return this.inner.iterate(range);
  }
}

t.test('many groups on three hosts', async (tt) => {
  const inboxes = new Map<NodeId, Envelope[][]>(NODES.map((id) => [id, []]));
  const hosts = new Map<NodeId, RaftHost>();
  const applied = new Map<string, string[]>();
  const reads: string[] = [];
  const stores = new Map<NodeId, CountingStore>();
  let maxSendsPerFlush = 0;

  for (const id of NODES) {
    const store = new CountingStore(new MemoryStore());
    stores.set(id, store);
    const host = new RaftHost({
      nodeId: id,
      kv: store,
      transport: { send: (to, envelopes) => inboxes.get(to)!.push([...envelopes]) },
    });
    hosts.set(id, host);
    for (const groupId of GROUPS) {
      const storage = await RocksDbRaftStorage.bootstrap(store, groupId, NODES);
      const key = `${id}/${groupId}`;
      applied.set(key, []);
      host.addGroup(
        groupId,
        storage,
        {
          applyEntry: (e: Entry) => {
            if (e.data.length > 0) applied.get(key)!.push(new TextDecoder().decode(e.data));
          },
          restoreSnapshot: () => undefined,
          readReady: (rs) => reads.push(`${id}/${rs.context}`),
        },
        { electionTick: 10, heartbeatTick: 1, random: new SeededRandom(id * 100 + groupId), preVote: true, checkQuorum: true },
      );
    }
  }

  for (const store of stores.values()) store.writes = 0; // count only the hosts' own writes

  async function round(): Promise<void> {
    for (const host of hosts.values()) host.tick();
    for (const [id, inbox] of inboxes) {
      const batches = inbox.splice(0);
      for (const b of batches) hosts.get(id)!.receive(b);
    }
    for (const host of hosts.values()) {
      const before = host.stats.sends;
      const flushesBefore = host.stats.flushes;
      await host.flush();
      if (host.stats.flushes > flushesBefore) {
        maxSendsPerFlush = Math.max(maxSendsPerFlush, (host.stats.sends - before) / (host.stats.flushes - flushesBefore));
      }
    }
  }

  const leaderOf = (groupId: number) =>
    NODES.find((id) => hosts.get(id)!.group(groupId).status().softState.role === 'leader');

  for (let i = 0; i < MAX_ROUNDS && GROUPS.some((g) => leaderOf(g) === undefined); i++) await round();
  for (const g of GROUPS) tt.ok(leaderOf(g), `group ${g} has a leader`);

  for (const g of GROUPS) hosts.get(leaderOf(g)!)!.group(g).propose(new TextEncoder().encode(`value-${g}`));
  for (let i = 0; i < 20; i++) await round();

  for (const id of NODES) {
    for (const g of GROUPS) tt.same(applied.get(`${id}/${g}`), [`value-${g}`], `node ${id} group ${g} applied`);
    const host = hosts.get(id)!;
    tt.ok(host.stats.writeBatches <= host.stats.flushes, `node ${id}: at most one write batch per flush`);
    tt.equal(stores.get(id)!.writes, host.stats.writeBatches, `node ${id}: every store write is a flush batch`);
    tt.ok(host.stats.messages > host.stats.sends, `node ${id}: messages of several groups share a send`);
  }
  // At most two per peer: a leader's appends before its write, everything else after it.
  tt.ok(maxSendsPerFlush <= 2 * (NODES.length - 1), 'at most two sends per peer per flush');

  // ReadIndex through the host: answered once the leader confirms and has applied the read point.
  for (const g of GROUPS) hosts.get(leaderOf(g)!)!.group(g).readIndex(`read-${g}`);
  for (let i = 0; i < 10; i++) await round();
  tt.same(reads.sort(), GROUPS.map((g) => `${leaderOf(g)}/read-${g}`).sort(), 'every group answered its read');
});
