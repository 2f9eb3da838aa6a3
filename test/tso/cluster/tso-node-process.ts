/**
 * One TSO replica as its own process, for the multi-process tests: the TSO
 * group on RocksDB over TCP, with a TsoServer. The parent asks for its
 * status (or for a leadership transfer) over the fork IPC channel and kills
 * it with SIGKILL.
 *
 * argv: nodeId dataDir members(id:raftPort:tsoPort,...) [options JSON: TsoNodeOptions]
 */
import { startTsoGroup } from '../../../tso/tso-group.js';

export interface TsoNodeOptions {
  /** Added to this replica's wall clock (a replica whose clock is behind). */
  clockOffsetMs?: number;
  windowMs?: number;
  renewAheadMs?: number;
  snapshotIntervalEntries?: number;
  keepEntries?: number;
}

export interface TsoNodeStatus {
  role: string;
  term: number;
  lead: number;
  serving: boolean;
  applied: number;
  firstIndex: number;
  lastIndex: number;
  snapshotIndex: number;
  /** The highest committed ceiling this replica applied, as a decimal string. */
  ceiling: string;
  snapshots: number;
  snapshotsRestored: number;
  ranges: number;
}

/** A request from the parent: a status, or first a leadership transfer to `transferTo`. */
export interface TsoNodeRequest {
  id: number;
  transferTo?: number;
}

const [nodeIdArg, dataDir, membersArg, optionsArg] = process.argv.slice(2);
const nodeId = Number(nodeIdArg);
const options = JSON.parse(optionsArg ?? '{}') as TsoNodeOptions;
const peers = new Map<number, { host: string; port: number }>();
let tsoPort = 0;
for (const part of (membersArg ?? '').split(',')) {
  const [id, raftPort, servePort] = part.split(':').map(Number);
  peers.set(id!, { host: '127.0.0.1', port: raftPort! });
  if (id === nodeId) tsoPort = servePort!;
}

const offsetMs = options.clockOffsetMs ?? 0;
const group = await startTsoGroup({
  nodeId,
  peers,
  dataDir: dataDir!,
  tsoPort,
  clock: { nowMs: () => Date.now() + offsetMs },
  allocator: {
    ...(options.windowMs !== undefined ? { windowMs: options.windowMs } : {}),
    ...(options.renewAheadMs !== undefined ? { renewAheadMs: options.renewAheadMs } : {}),
  },
  compaction: {
    ...(options.snapshotIntervalEntries !== undefined ? { intervalEntries: options.snapshotIntervalEntries } : {}),
    ...(options.keepEntries !== undefined ? { keepEntries: options.keepEntries } : {}),
  },
});

function status(): TsoNodeStatus {
  const raft = group.node.raft;
  const stats = group.oracle.stats;
  return {
    role: raft.role,
    term: raft.term,
    lead: raft.lead,
    serving: group.oracle.serving,
    applied: raft.log.applied,
    firstIndex: group.storage.firstIndex(),
    lastIndex: group.storage.lastIndex(),
    snapshotIndex: group.storage.snapshot().metadata.index,
    ceiling: group.oracle.ceiling.toString(),
    snapshots: stats.snapshots,
    snapshotsRestored: stats.snapshotsRestored,
    ranges: stats.ranges,
  };
}

process.on('message', (raw) => {
  const req = raw as TsoNodeRequest;
  if (req.transferTo !== undefined && group.node.raft.role === 'leader') group.node.transferLeader(req.transferTo);
  process.send!({ id: req.id, status: status() });
});
process.send!({ id: 0, ready: true });
