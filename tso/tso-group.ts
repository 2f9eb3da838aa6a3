/**
 * Starting a TSO group member: the Raft group (RaftHost over RocksDB or any
 * RaftKvStore, TcpTransport to the other replicas), the oracle applying it,
 * a ticker, and optionally a TsoServer for remote clients. Embedded mode is
 * the same with one replica: no peers, no transport traffic, and a
 * LocalTsoChannel for the node's own TsoClient. The group's log is
 * compacted by the oracle (log-compaction.ts) over a TsoLogStorage.
 */
import type { RaftKvStore } from '../consensus/adapters/kv-port.js';
import { TcpTransport, type PeerAddress } from '../consensus/adapters/tcp-transport.js';
import { RaftHost, type HostTransport } from '../consensus/host.js';
import { SeededRandom } from '../consensus/random.js';
import type { RawNode } from '../consensus/raw-node.js';
import { RocksDbStore } from '../engine/storage/rocksdb/rocksdb-store.js';
import type { AllocatorOptions, Clock } from './allocator.js';
import { LocalTsoChannel } from './channel.js';
import type { TsoCompactionOptions } from './log-compaction.js';
import { TsoOracle } from './oracle.js';
import { TsoClient, type TsoClientOptions } from './tso-client.js';
import { TsoLogStorage } from './tso-log-storage.js';
import { TsoServer } from './tso-server.js';

/** The TSO group's id in the node's shared store (range groups use small ids). */
export const TSO_GROUP_ID = 0x7fff_fff0;
export const DEFAULT_TICK_MS = 20;
export const ELECTION_TICKS = 10;
export const HEARTBEAT_TICKS = 2;

export class TsoGroupConfigError extends Error {
  readonly code = 'TsoGroupConfig' as const;
}

export interface TsoGroupOptions {
  nodeId: number;
  /** Raft addresses of every replica, this one included. Omitted: embedded, one replica. */
  peers?: ReadonlyMap<number, PeerAddress>;
  /** Where this replica's Raft transport listens (default: its entry in `peers`). */
  raftHost?: string;
  /** The node's store; or `dataDir` to open a RocksDB store owned by the group. */
  kv?: RaftKvStore;
  dataDir?: string;
  /** Serve remote TSO clients on this port (0 = any free port); omitted: no server. */
  tsoPort?: number;
  tsoHost?: string;
  clock?: Clock;
  allocator?: AllocatorOptions;
  /** Snapshot interval and kept tail of the group's log (defaults in log-compaction.ts). */
  compaction?: TsoLogCompactionSettings;
  tickMs?: number;
  /** fsync Raft writes (default true). */
  sync?: boolean;
}

export interface TsoGroup {
  readonly nodeId: number;
  readonly oracle: TsoOracle;
  readonly node: RawNode;
  readonly storage: TsoLogStorage;
  /** The TsoServer's port, if one was started. */
  readonly tsoPort: number | undefined;
  /** A TsoClient served straight from this replica's oracle (embedded mode). */
  localClient(options?: Omit<TsoClientOptions, 'channel'>): TsoClient;
  close(): Promise<void>;
}

export type TsoLogCompactionSettings = Omit<TsoCompactionOptions, 'log'>;

const noTransport: HostTransport = { send: () => undefined };

/** The TSO group as one group among others on a node's shared RaftHost (a cluster node). */
export interface AttachedTsoGroup {
  readonly oracle: TsoOracle;
  readonly node: RawNode;
  readonly storage: TsoLogStorage;
}

/**
 * Adds the TSO group to `host` (bootstrapping its storage with `voters` the
 * first time). The caller drives the host: it calls `oracle.tick()` on every
 * tick and `oracle.observe()` after every flush.
 */
export async function attachTsoGroup(opts: {
  host: RaftHost;
  kv: RaftKvStore;
  nodeId: number;
  voters: readonly number[];
  kick: () => void;
  clock?: Clock;
  allocator?: AllocatorOptions;
  compaction?: TsoLogCompactionSettings;
}): Promise<AttachedTsoGroup> {
  const storage = await TsoLogStorage.open(opts.kv, TSO_GROUP_ID, opts.voters);
  const oracle = new TsoOracle({
    kick: opts.kick,
    clock: opts.clock,
    allocator: opts.allocator,
    compaction: { ...opts.compaction, log: storage },
  });
  const snap = storage.snapshot();
  oracle.restoreSnapshot(snap);
  const node = opts.host.addGroup(TSO_GROUP_ID, storage, oracle, {
    electionTick: ELECTION_TICKS,
    heartbeatTick: HEARTBEAT_TICKS,
    applied: snap.metadata.index,
    random: new SeededRandom(opts.nodeId * 7919 + Date.now()),
    preVote: true,
    checkQuorum: true,
    readOnly: 'lease-based',
  });
  oracle.bind(node);
  return { oracle, node, storage };
}

export async function startTsoGroup(opts: TsoGroupOptions): Promise<TsoGroup> {
  const peers = opts.peers ?? new Map<number, PeerAddress>();
  const voters = peers.size === 0 ? [opts.nodeId] : [...peers.keys()].sort((a, b) => a - b);
  if (!voters.includes(opts.nodeId)) throw new TsoGroupConfigError(`node ${opts.nodeId} is not among the TSO replicas`);
  let ownedStore: RocksDbStore | undefined;
  let kv = opts.kv;
  if (kv === undefined) {
    if (opts.dataDir === undefined) throw new TsoGroupConfigError('startTsoGroup needs kv or dataDir');
    ownedStore = await RocksDbStore.open(opts.dataDir);
    kv = ownedStore;
  }
  const remote = new Map([...peers].filter(([id]) => id !== opts.nodeId));
  let host: RaftHost | undefined;
  let oracle: TsoOracle | undefined;
  const flush = (): void => {
    void host!.flush().then(() => oracle!.observe());
  };
  const own = peers.get(opts.nodeId);
  const transport =
    remote.size === 0
      ? undefined
      : new TcpTransport({
          nodeId: opts.nodeId,
          host: opts.raftHost ?? own?.host ?? '127.0.0.1',
          port: own?.port ?? 0,
          peers: remote,
          onEnvelopes: (_from, envelopes) => {
            host!.receive(envelopes);
            flush();
          },
        });
  host = new RaftHost({ nodeId: opts.nodeId, kv, transport: transport ?? noTransport, sync: opts.sync ?? true });
  const attached = await attachTsoGroup({
    host,
    kv,
    nodeId: opts.nodeId,
    voters,
    kick: flush,
    ...(opts.clock !== undefined ? { clock: opts.clock } : {}),
    ...(opts.allocator !== undefined ? { allocator: opts.allocator } : {}),
    ...(opts.compaction !== undefined ? { compaction: opts.compaction } : {}),
  });
  oracle = attached.oracle;
  const node = attached.node;
  await transport?.start();
  if (voters.length === 1) node.campaign(); // alone: no reason to wait an election timeout

  const ticker = setInterval(() => {
    host!.tick();
    oracle!.tick();
    flush();
  }, opts.tickMs ?? DEFAULT_TICK_MS);
  flush();

  let server: TsoServer | undefined;
  let tsoPort: number | undefined;
  if (opts.tsoPort !== undefined) {
    server = new TsoServer({ service: oracle, host: opts.tsoHost ?? '127.0.0.1', port: opts.tsoPort });
    tsoPort = await server.start();
  }

  const o = oracle;
  return {
    nodeId: opts.nodeId,
    oracle: o,
    node,
    storage: attached.storage,
    tsoPort,
    localClient: (options = {}) => new TsoClient({ ...options, channel: new LocalTsoChannel(opts.nodeId, o) }),
    async close() {
      clearInterval(ticker);
      o.close();
      await server?.close();
      await transport?.close();
      await host!.flush().catch(() => undefined);
      await ownedStore?.close();
    },
  };
}
