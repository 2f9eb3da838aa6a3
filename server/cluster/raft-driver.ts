/**
 * What drives a node's RaftHost, shared by the cluster node and the embedded
 * node (which runs the same groups with one replica each): flushes on demand,
 * never two at once, observers told after each; and the log compaction and
 * snapshot builds its meta and range groups share; and the view of its
 * groups that metrics, readiness and the log take.
 */
import type { RaftHost } from '../../consensus/host.js';
import type { RawNode } from '../../consensus/raw-node.js';
import type { RaftGroupStats, RaftStats } from '../metrics/node-metrics.js';
import type { KvStore } from '../../engine/storage/kv-store.js';
import { LogCompactor, raftLogKeepFromEnv } from './log-compactor.js';
import type { GroupLogs } from './replicated-groups.js';
import { SnapshotBudget } from './snapshotting-storage.js';

/** Where the driver reports what went wrong (the node's logger, once it has one). */
export interface DriverLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/**
 * A `kick` that asks `host` for a flush: a kick during a flush makes the host
 * flush once more after it (the host never overlaps flushes); `afterFlush`
 * observers run after each flush the kick started.
 */
export function flushDriver(host: () => RaftHost, log: () => DriverLog | undefined): { kick: () => void; afterFlush: Array<() => void> } {
  const afterFlush: Array<() => void> = [];
  let flushing = false;
  const kick = (): void => {
    if (flushing) {
      void host().flush();
      return;
    }
    flushing = true;
    void host()
      .flush()
      .then(() => {
        for (const observe of afterFlush) observe();
      })
      .catch((error: unknown) => log()?.error({ err: error }, 'raft flush failed'))
      .finally(() => {
        flushing = false;
      });
  };
  return { kick, afterFlush };
}

/** The compactor (its kept tail from RANGEDB_RAFT_LOG_KEEP) and snapshot budget of a node's meta and range groups. */
export function groupLogsFor(store: KvStore, log: () => DriverLog | undefined): GroupLogs {
  return {
    compactor: new LogCompactor(store, raftLogKeepFromEnv(), (groupId, error) =>
      log()?.warn({ err: error, groupId }, 'raft log compaction failed; it is retried at a later tick'),
    ),
    budget: new SnapshotBudget(),
    onBuildError: (groupId, error) =>
      log()?.error({ err: error, groupId }, 'a raft snapshot could not be built; the follower that needs it waits (retried later)'),
  };
}

/** One of a node's groups, as its metrics and readiness see it. */
export interface WatchedGroup {
  /** `tso`, `meta`, or `range-<id>`. */
  group: string;
  node: RawNode;
  applied(): number;
  /** Entries this replica proposed (the TSO's ceilings are not counted), and those not applied yet. */
  proposals?(): { total: number; pending: number };
}

/**
 * A node's groups for its metrics, readiness and log: each group's state (from
 * memory only), and leader changes, noticed on each tick and logged at info.
 */
export class GroupWatch {
  private readonly knownLeaders = new Map<string, number>();
  private leaderChanges = 0;

  constructor(
    private readonly host: RaftHost,
    private readonly logs: GroupLogs,
    readonly groups: () => readonly WatchedGroup[],
    private readonly log: () => DriverLog | undefined,
  ) {}

  /** Each group as this node sees it now. */
  groupStats(): RaftGroupStats[] {
    return this.groups().map(({ group, node, applied }) => ({
      group,
      term: node.raft.term,
      leader: node.raft.lead,
      commitIndex: node.status().hardState.commit,
      appliedIndex: applied(),
      firstIndex: node.raft.log.firstIndex(),
      logEntries: node.raft.log.lastIndex() - node.raft.log.firstIndex() + 1,
    }));
  }

  /** Counts and logs the leaders that changed since the last call (a group's first leader is not a change). */
  noticeLeaderChanges(): void {
    for (const { group, node } of this.groups()) {
      const leader = node.raft.lead;
      const before = this.knownLeaders.get(group);
      if (before === leader) continue;
      this.knownLeaders.set(group, leader);
      if (before === undefined && leader === 0) continue;
      this.leaderChanges++;
      this.log()?.info({ group, leader, term: node.raft.term }, leader === 0 ? 'raft group lost its leader' : 'raft group has a new leader');
    }
  }

  /** Forgets a group that no longer runs here (a dropped range). */
  forget(group: string): void {
    this.knownLeaders.delete(group);
  }

  stats(): RaftStats {
    const host = this.host.stats;
    return {
      groups: this.groupStats(),
      flushes: host.flushes,
      fsyncs: host.syncedBatches,
      messages: host.messages,
      proposals: this.groups().reduce((sum, g) => sum + (g.proposals?.().total ?? 0), 0),
      proposalsPending: this.groups().reduce((sum, g) => sum + (g.proposals?.().pending ?? 0), 0),
      leaderChanges: this.leaderChanges,
      elections: host.campaigns,
      logCompactions: this.logs.compactor.stats.compactions,
      snapshotsBuilt: this.logs.budget.built,
      snapshotsInstalled: host.snapshotsInstalled,
    };
  }
}
