/**
 * The host counts the elections its groups start (HostStats.campaigns) from
 * their Readies: a pre-election and the election it wins are one campaign, a
 * leader transfer is one, a single voter winning at once is one. No ticks run
 * here (no election timeout fires), so only the campaigns the test starts happen.
 */
import t from 'tap';
import { RocksDbRaftStorage } from '../../consensus/adapters/rocksdb-storage.js';
import { RaftHost, type Envelope } from '../../consensus/host.js';
import type { NodeId } from '../../consensus/messages.js';
import { SeededRandom } from '../../consensus/random.js';
import { MemoryStore } from '../../engine/storage/memory/memory-store.js';

const GROUP = 5;
/** Rounds of delivery and flushes a step may take before the test gives up. */
const MAX_ROUNDS = 50;

async function hostsOf(ids: readonly NodeId[]) {
  const inboxes = new Map<NodeId, Envelope[][]>(ids.map((id) => [id, []]));
  const hosts = new Map<NodeId, RaftHost>();
  for (const id of ids) {
    const kv = new MemoryStore();
    const host = new RaftHost({ nodeId: id, kv, transport: { send: (to, envelopes) => inboxes.get(to)!.push([...envelopes]) } });
    const storage = await RocksDbRaftStorage.bootstrap(kv, GROUP, ids);
    host.addGroup(GROUP, storage, { applyEntry: () => undefined, restoreSnapshot: () => undefined }, {
      electionTick: 10,
      heartbeatTick: 1,
      random: new SeededRandom(id),
      preVote: true,
      checkQuorum: true,
    });
    hosts.set(id, host);
  }
  const deliverAndFlush = async (): Promise<void> => {
    for (const [id, inbox] of inboxes) for (const batch of inbox.splice(0)) hosts.get(id)!.receive(batch);
    for (const host of hosts.values()) await host.flush();
  };
  const leader = (): NodeId | undefined => ids.find((id) => hosts.get(id)!.group(GROUP).status().softState.role === 'leader');
  const until = async (what: string, done: () => boolean): Promise<void> => {
    for (let i = 0; i < MAX_ROUNDS && !done(); i++) await deliverAndFlush();
    if (!done()) throw new Error(`no ${what} after ${MAX_ROUNDS} rounds`);
  };
  const campaigns = () => ids.map((id) => hosts.get(id)!.stats.campaigns);
  return { hosts, leader, until, campaigns, deliverAndFlush };
}

t.test('a pre-election and the election it wins are one campaign; a leader transfer is another', async (t) => {
  const cluster = await hostsOf([1, 2, 3]);
  await cluster.deliverAndFlush(); // applies the bootstrap entries: a group with unapplied conf changes does not campaign
  t.same(cluster.campaigns(), [0, 0, 0], 'nobody campaigned yet');

  cluster.hosts.get(1)!.group(GROUP).campaign();
  await cluster.until('leader', () => cluster.leader() === 1);
  for (let i = 0; i < 5; i++) await cluster.deliverAndFlush();
  t.same(cluster.campaigns(), [1, 0, 0], 'node 1 campaigned once (pre-vote, then vote)');

  cluster.hosts.get(1)!.group(GROUP).transferLeader(2);
  await cluster.until('transfer', () => cluster.leader() === 2);
  for (let i = 0; i < 5; i++) await cluster.deliverAndFlush();
  t.same(cluster.campaigns(), [1, 1, 0], 'the transferee campaigned once');
});

t.test('a single voter that elects itself counts one campaign', async (t) => {
  const single = await hostsOf([1]);
  await single.deliverAndFlush(); // applies the bootstrap entries: a group with unapplied conf changes does not campaign
  single.hosts.get(1)!.group(GROUP).campaign();
  await single.until('leader', () => single.leader() === 1);
  await single.deliverAndFlush();
  t.same(single.campaigns(), [1]);
});
