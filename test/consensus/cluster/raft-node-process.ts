/**
 * One cluster member as its own process, for the multi-process test: a
 * RaftHost running one group on RocksDB, talking TCP to its peers, applying
 * a small KV state machine, compacting its log as it grows. The parent test
 * controls it over the fork IPC channel and kills it with SIGKILL.
 *
 * argv: nodeId dataDir raftPort peers(id:port,id:port,...)
 */
import { RocksDbRaftStorage } from '../../../consensus/adapters/rocksdb-storage.js';
import { TcpTransport, type PeerAddress } from '../../../consensus/adapters/tcp-transport.js';
import { RaftHost } from '../../../consensus/host.js';
import type { Entry, NodeId, Snapshot } from '../../../consensus/messages.js';
import { SeededRandom } from '../../../consensus/random.js';
import { RocksDbStore } from '../../../engine/storage/rocksdb/rocksdb-store.js';

const GROUP_ID = 1;
const TICK_MS = 20;
/** Snapshot and compact once this many entries were applied since the last snapshot. */
const COMPACT_EVERY_ENTRIES = 10;

export type ControlCommand = { type: 'status' } | { type: 'put'; key: string; value: string };
export type ControlRequest = ControlCommand & { id: number };
export interface NodeStatus {
  role: string;
  term: number;
  commit: number;
  applied: number;
  firstIndex: number;
  snapshotsInstalled: number;
  kv: Record<string, string>;
}

const [nodeIdArg, dataDir, portArg, peersArg] = process.argv.slice(2);
const nodeId = Number(nodeIdArg);
const peers = new Map<NodeId, PeerAddress>();
for (const part of (peersArg ?? '').split(',')) {
  const [id, port] = part.split(':');
  peers.set(Number(id), { host: '127.0.0.1', port: Number(port) });
}

const kvData = new Map<string, string>();
let applied = 0;
let snapshotsInstalled = 0;
const decoder = new TextDecoder();

const store = await RocksDbStore.open(dataDir!);
let storage = await RocksDbRaftStorage.open(store, GROUP_ID);
if (storage.lastIndex() === 0 && storage.initialState().hardState.term === 0) {
  storage = await RocksDbRaftStorage.bootstrap(store, GROUP_ID, [...peers.keys()].sort((a, b) => a - b));
}
const snap = storage.snapshot();
restore(snap);

function restore(s: Snapshot): void {
  kvData.clear();
  if (s.data.length > 0) for (const [k, v] of JSON.parse(decoder.decode(s.data)) as [string, string][]) kvData.set(k, v);
  applied = s.metadata.index;
}

const transport = new TcpTransport({
  nodeId,
  host: '127.0.0.1',
  port: Number(portArg),
  peers: new Map([...peers].filter(([id]) => id !== nodeId)),
  onEnvelopes: (_from, envelopes) => {
    host.receive(envelopes);
    void host.flush();
  },
});
const host = new RaftHost({ nodeId, kv: store, transport });
const node = host.addGroup(
  GROUP_ID,
  storage,
  {
    applyEntry: (e: Entry) => {
      applied = e.index;
      if (e.data.length === 0) return;
      const { key, value } = JSON.parse(decoder.decode(e.data)) as { key: string; value: string };
      kvData.set(key, value);
    },
    restoreSnapshot: (s: Snapshot) => {
      snapshotsInstalled++;
      restore(s);
    },
  },
  { electionTick: 10, heartbeatTick: 2, applied: snap.metadata.index, random: new SeededRandom(nodeId * 7919 + Date.now()), preVote: true, checkQuorum: true },
);
await transport.start();

let compacting = false;
async function maybeCompact(): Promise<void> {
  if (compacting || applied - storage.snapshot().metadata.index < COMPACT_EVERY_ENTRIES) return;
  compacting = true;
  try {
    const data = new TextEncoder().encode(JSON.stringify([...kvData]));
    await storage.createSnapshot(applied, node.raft.trk.confState(), data);
    await storage.compact(applied);
  } finally {
    compacting = false;
  }
}

setInterval(() => {
  host.tick();
  void host.flush().then(maybeCompact);
}, TICK_MS);

function status(): NodeStatus {
  const s = node.status();
  return {
    role: s.softState.role,
    term: s.hardState.term,
    commit: s.hardState.commit,
    applied,
    firstIndex: storage.firstIndex(),
    snapshotsInstalled,
    kv: Object.fromEntries(kvData),
  };
}

process.on('message', (raw) => {
  const req = raw as ControlRequest;
  if (req.type === 'status') {
    process.send!({ id: req.id, ok: true, status: status() });
    return;
  }
  try {
    node.propose(new TextEncoder().encode(JSON.stringify({ key: req.key, value: req.value })));
    void host.flush();
    process.send!({ id: req.id, ok: true });
  } catch (err) {
    process.send!({ id: req.id, ok: false, error: (err as Error).message });
  }
});
process.send!({ id: 0, ok: true, ready: true });
