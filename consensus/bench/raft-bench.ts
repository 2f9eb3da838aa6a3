/**
 * Replication benchmark (not a test): a 3-node cluster in one process, each
 * node a RaftHost on its own RocksDB (fsync on), messages passed in memory on
 * the next macrotask. Closed-loop clients keep `--concurrency` proposals in
 * flight spread over `--groups` groups; a proposal's latency runs from
 * propose() to its application on the leader. Reports proposals/s, p50/p99
 * commit latency and synced write batches (fsyncs) per proposal.
 *
 *   npx tsc -p . && node dist/consensus/bench/raft-bench.js --groups 64 --seconds 10
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RocksDbStore } from '../../engine/storage/rocksdb/rocksdb-store.js';
import { RocksDbRaftStorage } from '../adapters/rocksdb-storage.js';
import { RaftHost, type Envelope } from '../host.js';
import type { Entry, NodeId } from '../messages.js';
import { SeededRandom } from '../random.js';

const IDS = [1, 2, 3];
const TICK_MS = 10;
const PAYLOAD_BYTES = 100;
/** Bound on how long the cluster may take to elect every group's leader. */
const ELECTION_WAIT_MS = 20_000;

const { values } = parseArgs({
  options: {
    groups: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '256' },
  },
});
const groupCount = Number(values.groups);
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);

const root = await mkdtemp(join(tmpdir(), 'raft-bench-'));
const stores = await Promise.all(IDS.map((id) => RocksDbStore.open(join(root, `n${id}`))));
const hosts = new Map<NodeId, RaftHost>();
const started = new Map<string, number>();
const latenciesMs: number[] = [];
let completed = 0;
let measuring = false;
const decoder = new TextDecoder();

let stopped = false;
function deliver(to: NodeId, envelopes: readonly Envelope[]): void {
  setImmediate(() => {
    if (stopped) return;
    const host = hosts.get(to)!;
    host.receive(envelopes);
    void host.flush();
  });
}

for (const [i, id] of IDS.entries()) {
  const host = new RaftHost({ nodeId: id, kv: stores[i]!, transport: { send: deliver } });
  hosts.set(id, host);
  for (let g = 1; g <= groupCount; g++) {
    const storage = await RocksDbRaftStorage.bootstrap(stores[i]!, g, IDS);
    host.addGroup(
      g,
      storage,
      {
        applyEntry: (e: Entry) => {
          if (e.data.length === 0) return;
          const reqId = decoder.decode(e.data.subarray(0, 16)).trim();
          const t0 = started.get(reqId);
          if (t0 === undefined) return; // applied on a follower, or before measuring
          started.delete(reqId);
          if (measuring) {
            latenciesMs.push(performance.now() - t0);
            completed++;
          }
          issue(g);
        },
        restoreSnapshot: () => undefined,
      },
      { electionTick: 10, heartbeatTick: 2, random: new SeededRandom(id * 1000 + g), preVote: true, checkQuorum: true },
    );
  }
}

const ticker = setInterval(() => {
  for (const host of hosts.values()) {
    host.tick();
    void host.flush();
  }
}, TICK_MS);

function leaderOf(g: number): RaftHost | undefined {
  return [...hosts.values()].find((h) => h.group(g).status().softState.role === 'leader');
}

let nextReq = 0;
function issue(g: number): void {
  if (stopped) return;
  const host = leaderOf(g);
  if (host === undefined) return;
  const reqId = String(nextReq++).padEnd(16, ' ');
  const data = new Uint8Array(PAYLOAD_BYTES);
  data.set(new TextEncoder().encode(reqId));
  try {
    started.set(reqId.trim(), performance.now());
    host.group(g).propose(data);
    void host.flush();
  } catch {
    started.delete(reqId.trim());
  }
}

// Spread leadership: group g campaigns on node (g mod 3) + 1.
for (let g = 1; g <= groupCount; g++) hosts.get(IDS[g % IDS.length]!)!.group(g).campaign();
const electionDeadline = Date.now() + ELECTION_WAIT_MS;
while (Array.from({ length: groupCount }, (_, i) => leaderOf(i + 1)).some((h) => h === undefined)) {
  if (Date.now() > electionDeadline) throw new Error('groups did not elect leaders');
  await new Promise((r) => setTimeout(r, TICK_MS));
}

const fsyncsBefore = [...hosts.values()].reduce((n, h) => n + h.stats.syncedBatches, 0);
measuring = true;
const t0 = performance.now();
for (let i = 0; i < concurrency; i++) issue((i % groupCount) + 1);
await new Promise((r) => setTimeout(r, seconds * 1000));
measuring = false;
const elapsedS = (performance.now() - t0) / 1000;
const fsyncs = [...hosts.values()].reduce((n, h) => n + h.stats.syncedBatches, 0) - fsyncsBefore;

clearInterval(ticker);
stopped = true;
await Promise.all([...hosts.values()].map((h) => h.flush()));
latenciesMs.sort((a, b) => a - b);
const pct = (p: number) => latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(p * latenciesMs.length))] ?? NaN;
const result = {
  groups: groupCount,
  concurrency,
  seconds: Number(elapsedS.toFixed(1)),
  proposalsPerSecond: Math.round(completed / elapsedS),
  p50Ms: Number(pct(0.5).toFixed(2)),
  p99Ms: Number(pct(0.99).toFixed(2)),
  fsyncsPerProposal: Number((fsyncs / Math.max(1, completed)).toFixed(3)),
};
console.log(JSON.stringify(result));
await Promise.all(stores.map((s) => s.close()));
await rm(root, { recursive: true, force: true });
