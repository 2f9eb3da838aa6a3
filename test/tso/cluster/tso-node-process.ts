/**
 * One TSO replica as its own process, for the multi-process test: the TSO
 * group on RocksDB over TCP, with a TsoServer. The parent asks for its
 * status over the fork IPC channel and kills it with SIGKILL.
 *
 * argv: nodeId dataDir members(id:raftPort:tsoPort,...)
 */
import { startTsoGroup } from '../../../tso/tso-group.js';

export interface TsoNodeStatus {
  role: string;
  term: number;
  serving: boolean;
}

const [nodeIdArg, dataDir, membersArg] = process.argv.slice(2);
const nodeId = Number(nodeIdArg);
const peers = new Map<number, { host: string; port: number }>();
let tsoPort = 0;
for (const part of (membersArg ?? '').split(',')) {
  const [id, raftPort, servePort] = part.split(':').map(Number);
  peers.set(id!, { host: '127.0.0.1', port: raftPort! });
  if (id === nodeId) tsoPort = servePort!;
}

const group = await startTsoGroup({ nodeId, peers, dataDir: dataDir!, tsoPort });

process.on('message', (raw) => {
  const req = raw as { id: number };
  const raft = group.node.raft;
  const status: TsoNodeStatus = { role: raft.role, term: raft.term, serving: group.oracle.serving };
  process.send!({ id: req.id, status });
});
process.send!({ id: 0, ready: true });
