/**
 * The shapes the operational endpoints answer with (GET /admin/ranges,
 * GET /admin/nodes, GET /ready), shared by the server that builds them and
 * the `status` command that prints them. Shaped for a cluster: an embedded
 * node reports itself as the one replica, leader of every range, and holder
 * of the TSO and meta leaderships.
 */

export interface RangeStatus {
  rangeId: number;
  /** The name of the table whose items the range holds; null for a range of no table (the embedded node's one range holds every table). */
  table: string | null;
  /** Inclusive start of the item-key span, hex. */
  start: string;
  /** Exclusive end of the item-key span, hex. */
  end: string;
  /** Node id of the range's leader. */
  leader: number;
  /** Node ids holding a replica. */
  replicas: number[];
  /** Commands the leader's replica has applied (a Raft applied index in a cluster). */
  applied: number;
  /**
   * Approximate bytes the range holds on disk: on a cluster node RocksDB's
   * estimate for the range's item keys (heads, locks, history) in its files,
   * so not yet what still sits in the memtable; on an embedded node, the data dir.
   */
  approximateBytes: number;
  /** Keys locked by unfinished two-phase transactions (this node's replica). */
  locks: number;
}

export type NodeRole = 'embedded' | 'voter';

export interface NodeInfo {
  nodeId: number;
  /** The HTTP address clients use (first listening address), or null before listening. */
  httpAddress: string | null;
  version: string;
  uptimeSeconds: number;
  role: NodeRole;
  tsoLeader: boolean;
  metaLeader: boolean;
}

export interface Readiness {
  ready: boolean;
  /** Why not, when not ready. */
  reason?: string;
}

/** What the operational routes ask of the node. */
export interface NodeStatusSource {
  readiness(): Promise<Readiness>;
  ranges(): Promise<RangeStatus[]>;
  nodes(): Promise<NodeInfo[]>;
}
