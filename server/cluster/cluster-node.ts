/**
 * A node of a multi-node cluster (DESIGN.md sections 5-7, 9).
 *
 * One RocksDB data dir holds everything of the node: the Raft logs and state
 * of every group, and the state machines. One RaftHost runs all the node's
 * groups over it, one fsync per flush for all of them:
 *   - the TSO group (every member a voter): the only source of timestamps;
 *   - the meta group (every member a voter): the catalog and range records;
 *   - one group per range this node holds a replica of (each table is
 *     pre-split into `rangesPerNode` ranges per member, their preferred
 *     leaders spread round-robin over the members).
 * One peer port carries all internal traffic: Raft messages, TSO requests
 * and the node RPC that routes DynamoDB requests to range leaders; the first
 * byte of each connection says which.
 */
import type { FastifyInstance } from 'fastify';
import { RaftHost } from '../../consensus/host.js';
import { TcpTransport } from '../../consensus/adapters/tcp-transport.js';
import { PEER_PROTOCOL, PeerListener, peerPreamble } from '../../consensus/adapters/peer-listener.js';
import { RpcClient, RpcServer } from '../../consensus/adapters/rpc.js';
import { Engine } from '../../engine/engine.js';
import { type Catalog, type CatalogChange, type CatalogLog, type RangeRecord } from '../../engine/catalog/catalog.js';
import type { TableDefinition } from '../../engine/catalog/table.js';
import { tableSegmentSpan } from '../../engine/keys/item-key.js';
import { RangeReplica } from '../../engine/range/replica.js';
import { itemSpans } from '../../engine/range/range-keys.js';
import { LockResolver } from '../../engine/txn/resolver.js';
import { ClusterPath, ROUTING_BACKOFF_MAX_MS, ROUTING_BACKOFF_MIN_MS, ROUTING_DEADLINE_MS } from '../../engine/routing/cluster-path.js';
import { NotLeaderError, RangeUnavailableError } from '../../engine/routing/errors.js';
import { RangeHandler, type LocalRange, type RangeDirectory } from '../../engine/routing/range-handler.js';
import { decodeError, encodeError, type RangeRequest } from '../../engine/routing/wire.js';
import type { TxnPhase } from '../../engine/txn/coordinator.js';
import { attachTsoGroup } from '../../tso/tso-group.js';
import { TsoServer } from '../../tso/tso-server.js';
import { TcpTsoChannel } from '../../tso/channel.js';
import { TsoClient } from '../../tso/tso-client.js';
import { DirSizeSampler } from '../metrics/dir-size.js';
import type { NodeInfo, NodeStatusSource, RangeStatus, Readiness } from '../admin/node-status.js';
import { BUILD_VERSION } from '../admin/build-version.js';
import {
  buildNodeApp,
  hex,
  httpAddressOf,
  openDataDir,
  READY_TIMESTAMP_TIMEOUT_MS,
  timestampStats,
  trackedClock,
  withTimeout,
  type NodeHttpOptions,
} from '../node-app.js';
import {
  META_GROUP_ID,
  MetaStateMachine,
  RaftCommandLog,
  RangeStateMachine,
  openGroup,
  proposeCatalogChange,
  settleCatalogChange,
  type CatalogChangeResult,
  type GroupMember,
} from './replicated-groups.js';
import { GroupWatch, flushDriver, groupLogsFor } from './raft-driver.js';
import { gcSettingsFromEnv } from '../gc-settings.js';
import { applyLagReason } from './readiness.js';

export interface PeerAddress {
  host: string;
  port: number;
}

export interface ClusterNodeOptions extends NodeHttpOptions {
  nodeId: number;
  dataDir: string;
  /** The initial cluster: every member's peer address (this node's included). */
  members: ReadonlyMap<number, PeerAddress>;
  /** Where this node listens for peers (default: its entry in `members`). */
  peerListen?: PeerAddress;
  /** Ranges each new table is pre-split into, per member (default 4). */
  rangesPerNode?: number;
  /** Raft tick interval (default 20 ms). */
  tickMs?: number;
}

export interface ClusterNode {
  app: FastifyInstance;
  engine: Engine;
  /** The port peers reach this node on (useful when started on port 0). */
  peerPort: number;
  close(): Promise<void>;
}

export const DEFAULT_RANGES_PER_NODE = 4;
export const DEFAULT_CLUSTER_TICK_MS = 20;
/** How often (in ticks) a node hands ranges back to their preferred leaders. */
export const LEADER_BALANCE_TICKS = 100;
/** Timeout of one meta RPC attempt; the whole change has the routing deadline. */
const META_CALL_TIMEOUT_MS = 3_000;
/** How long a catalog change waits for the other members to apply it before answering. */
const PEER_CATCH_UP_MS = 2_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A testing knob, for the fault tests only: RANGEDB_FAULT_KILL_AT=prewritten (or
 * primary-committed) makes this process kill itself (SIGKILL) when a
 * two-phase transaction it coordinates reaches that step.
 */
export const FAULT_KILL_AT_ENV = 'RANGEDB_FAULT_KILL_AT';

function faultKnob(): { onPhase?: (phase: TxnPhase) => void } {
  const at = process.env[FAULT_KILL_AT_ENV];
  if (at !== 'prewritten' && at !== 'primary-committed') return {};
  return {
    onPhase: (phase) => {
      if (phase === at) process.kill(process.pid, 'SIGKILL');
    },
  };
}

class ClusterConfigError extends Error {
  override readonly name = 'ClusterConfigError';
}

/** Pre-splits a new table over the hash space, preferred leaders round-robin over the members. */
export function tableSplitter(memberIds: readonly number[], rangesPerNode: number) {
  return (table: TableDefinition, allocateId: () => number): RangeRecord[] => {
    const count = rangesPerNode * memberIds.length;
    const ranges: RangeRecord[] = [];
    for (let i = 0; i < count; i++) {
      const span = tableSegmentSpan(table.tableId, i, count);
      ranges.push({
        rangeId: allocateId(),
        tableId: table.tableId,
        start: span.start,
        end: span.end,
        generation: 1,
        replicas: [...memberIds],
        preferredLeader: memberIds[(table.tableId + i) % memberIds.length]!,
      });
    }
    return ranges;
  };
}

export async function startClusterNode(options: ClusterNodeOptions): Promise<ClusterNode> {
  const { nodeId, members } = options;
  const self = members.get(nodeId);
  if (self === undefined) throw new ClusterConfigError(`node ${nodeId} is not in the initial cluster`);
  const memberIds = [...members.keys()].sort((a, b) => a - b);
  const remote = new Map([...members].filter(([id]) => id !== nodeId));
  const startedAtMs = Date.now();

  const { store, release } = await openDataDir(options.dataDir);

  const closers: Array<() => Promise<void> | void> = [];
  let app: FastifyInstance | undefined;
  try {
    // ---- Raft host, transport, peer port ----
    let host!: RaftHost;
    const { kick: flush, afterFlush: observers } = flushDriver(() => host, () => app?.log);
    const transport = new TcpTransport({
      nodeId,
      host: self.host,
      port: 0,
      listen: false,
      preamble: peerPreamble(PEER_PROTOCOL.raft),
      peers: remote,
      onEnvelopes: (_from, envelopes) => {
        host.receive(envelopes);
        flush();
      },
    });
    host = new RaftHost({ nodeId, kv: store, transport });
    closers.push(() => transport.close());

    // ---- TSO group ----
    const tso = await attachTsoGroup({ host, kv: store, nodeId, voters: memberIds, kick: flush });
    observers.push(() => tso.oracle.observe());
    closers.push(() => tso.oracle.close());
    const tsoServer = new TsoServer({ service: tso.oracle, listen: false });
    closers.push(() => tsoServer.close());
    const tsoChannel = new TcpTsoChannel(members, { preamble: peerPreamble(PEER_PROTOCOL.tso) });
    closers.push(() => tsoChannel.close());
    const tsoClient = new TsoClient({ channel: tsoChannel });
    const clock = trackedClock(tsoClient);

    // ---- ranges on this node ----
    const ranges = new Map<number, { replica: RangeReplica; member: GroupMember; local: LocalRange }>();
    const directory: RangeDirectory = {
      get: (rangeId) => ranges.get(rangeId)?.local,
      all: () => [...ranges.values()].map((r) => r.local),
    };
    const onApplyError = (error: unknown) => {
      app?.log.fatal({ err: error }, 'a replicated state machine failed to apply a committed entry; stopping');
      process.exitCode = 1;
    };
    // ---- Raft log compaction and snapshots of the meta and range groups ----
    const groupLogs = groupLogsFor(store, () => app?.log);
    let rangeOpening: Promise<void> = Promise.resolve();
    // One resolver for the node's ranges: it reaches the primaries of other ranges through the router.
    let lockResolver: LockResolver | undefined;
    const openRange = async (record: RangeRecord): Promise<void> => {
      if (ranges.has(record.rangeId) || !record.replicas.includes(nodeId)) return;
      const log = new RaftCommandLog(record.rangeId);
      if (clusterPath !== undefined) lockResolver ??= new LockResolver(clusterPath, engine.txnStats);
      const replica = new RangeReplica(
        { rangeId: record.rangeId, start: record.start, end: record.end, generation: record.generation },
        store,
        log,
        clock,
        lockResolver,
      );
      await replica.init(); // the lock table, from the persisted locks, before any entry is applied
      const member = await openGroup({
        host,
        kv: store,
        nodeId,
        groupId: record.rangeId,
        voters: record.replicas,
        machine: new RangeStateMachine(replica, store, () => catalog.byId(record.tableId)),
        logs: groupLogs,
        kick: flush,
        onApplyError,
      });
      log.bind(member.machine);
      const machine = member.machine;
      if (catalog.range(record.rangeId) === undefined) {
        // Dropped while it was opening (its removal found nothing to close): close it now.
        host.removeGroup(record.rangeId);
        groupLogs.compactor.remove(record.rangeId);
        machine.close();
        return;
      }
      ranges.set(record.rangeId, {
        replica,
        member,
        local: { replica, serving: () => machine.serving(), leader: () => machine.leader },
      });
      if (record.preferredLeader === nodeId) member.node.campaign();
      flush();
    };
    const closeRange = (rangeId: number): void => {
      const range = ranges.get(rangeId);
      if (range === undefined) return;
      ranges.delete(rangeId);
      watch.forget(`range-${rangeId}`);
      host.removeGroup(rangeId);
      groupLogs.compactor.remove(rangeId);
      range.member.machine.close();
    };

    let meta: GroupMember | undefined;
    // ---- the groups, as metrics, readiness and the log see them ----
    const watch = new GroupWatch(
      host,
      groupLogs,
      () => [
        { group: 'tso', node: tso.node, applied: () => tso.node.status().applied },
        ...(meta === undefined ? [] : [{ group: 'meta', node: meta.node, applied: () => meta!.machine.appliedIndex, proposals: () => ({ total: meta!.machine.proposals, pending: meta!.machine.pendingProposals }) }]),
        ...[...ranges.values()].map(({ member: { groupId, node, machine } }) => ({
          group: `range-${groupId}`,
          node,
          applied: () => machine.appliedIndex,
          proposals: () => ({ total: machine.proposals, pending: machine.pendingProposals }),
        })),
      ],
      () => app?.log,
    );

    // ---- node RPC ----
    const rpcClient = new RpcClient({ nodeId, peers: remote, preamble: peerPreamble(PEER_PROTOCOL.rpc), decodeError });
    closers.push(() => rpcClient.close());

    // ---- meta group and the catalog ----
    const metaLog: CatalogLog = {
      submit: (change) => submitCatalogChange(change),
    };
    const rangesPerNode = options.rangesPerNode ?? DEFAULT_RANGES_PER_NODE;
    let rangeHandler: RangeHandler | undefined;
    let clusterPath: ClusterPath | undefined;
    const engine = await Engine.open({
      store,
      clock,
      catalog: { log: metaLog, splitTable: tableSplitter(memberIds, rangesPerNode) },
      dataPath: (catalog) => {
        rangeHandler = new RangeHandler(directory, catalog);
        clusterPath = new ClusterPath({
          nodeId,
          catalog,
          directory,
          handler: rangeHandler,
          rpc: { call: (to, request, timeoutMs) => rpcClient.call(to, 'range', request, { timeoutMs }) },
          clock,
          coordinator: {
            onAsyncError: (error) => app?.log.warn({ err: error }, 'a secondary commit failed; readers will resolve its locks'),
            ...faultKnob(),
          },
        });
        return clusterPath;
      },
      // Each range's leader collects what its range owns (engine/mvcc/gc.ts); defaults as on an embedded node.
      ...gcSettingsFromEnv(),
      // One node sweeps expired items: the meta leader.
      runsTtl: () => meta?.machine.serving() === true,
      onBackgroundError: (task, error) => app?.log.warn({ err: error, task }, 'background work failed; it will be retried'),
    });
    const catalog: Catalog = engine.catalog;
    closers.push(() => engine.quiesce());

    async function submitCatalogChange(change: CatalogChange): Promise<void> {
      const deadline = Date.now() + ROUTING_DEADLINE_MS;
      let backoff = ROUTING_BACKOFF_MIN_MS;
      let target = 0;
      for (let attempt = 0; ; attempt++) {
        let result: CatalogChangeResult | undefined;
        try {
          if (meta?.machine.serving() === true) {
            result = await proposeCatalogChange(meta.machine, change);
          } else {
            target = meta?.machine.leader || memberIds[attempt % memberIds.length]!;
            if (target === nodeId) target = memberIds[(attempt + 1) % memberIds.length]!;
            result = (await rpcClient.call(target, 'meta.submit', change, { timeoutMs: META_CALL_TIMEOUT_MS })) as CatalogChangeResult;
          }
        } catch (error) {
          const retryable = error instanceof NotLeaderError || (error instanceof Error && error.name.startsWith('Rpc') && error.name !== 'RpcTimeoutError');
          if (!retryable) throw error;
        }
        if (result !== undefined) {
          await settleCatalogChange(catalog, change, result);
          await othersCaughtUp(result.revision);
          return;
        }
        if (Date.now() >= deadline) throw new RangeUnavailableError('the meta group has no reachable leader');
        await sleep(backoff);
        backoff = Math.min(backoff * 2, ROUTING_BACKOFF_MAX_MS);
      }
    }

    /**
     * A table created (or dropped) through one node is usable (or gone) through
     * every node as soon as the call returns: the change is acknowledged once
     * the other live members applied it too (a member that does not answer in
     * time is left to catch up; the router retries meanwhile).
     */
    async function othersCaughtUp(revision: number): Promise<void> {
      await Promise.allSettled(
        [...remote.keys()].map((id) => rpcClient.call(id, 'meta.wait', { revision }, { timeoutMs: PEER_CATCH_UP_MS })),
      );
    }

    meta = await openGroup({
      host,
      kv: store,
      nodeId,
      groupId: META_GROUP_ID,
      voters: memberIds,
      machine: new MetaStateMachine(catalog, store),
      logs: groupLogs,
      kick: flush,
      onApplyError,
    });
    const metaMachine = meta.machine;
    closers.push(() => metaMachine.close());

    catalog.onApplied((change) => {
      for (const rangeId of change.removeRanges ?? []) closeRange(rangeId);
      const added = change.addRanges ?? [];
      if (added.length === 0) return;
      rangeOpening = rangeOpening
        .then(async () => {
          for (const record of added) await openRange(record);
        })
        .catch((error: unknown) => onApplyError(error));
    });
    for (const record of catalog.ranges()) await openRange(record);

    const rpcServer = new RpcServer({
      listen: false,
      encodeError,
      handler: async (method, payload) => {
        switch (method) {
          case 'range':
            return rangeHandler!.handle(payload as RangeRequest);
          case 'meta.submit':
            return proposeCatalogChange(metaMachine, payload as CatalogChange);
          case 'meta.wait':
            return catalog.waitForRevision((payload as { revision: number }).revision, PEER_CATCH_UP_MS);
          default:
            throw new RangeUnavailableError(`unknown node RPC method ${method}`);
        }
      },
    });
    closers.push(() => rpcServer.close());

    const listener = new PeerListener({ host: options.peerListen?.host ?? self.host, port: options.peerListen?.port ?? self.port });
    listener.register(PEER_PROTOCOL.raft, (socket) => transport.accept(socket));
    listener.register(PEER_PROTOCOL.tso, (socket) => tsoServer.accept(socket));
    listener.register(PEER_PROTOCOL.rpc, (socket) => rpcServer.accept(socket));
    const peerPort = await listener.start();
    closers.push(() => listener.close());

    let ticks = 0;
    const ticker = setInterval(() => {
      host.tick();
      tso.oracle.tick();
      metaMachine.tick();
      for (const range of ranges.values()) range.member.machine.tick();
      groupLogs.compactor.tick();
      if (++ticks % LEADER_BALANCE_TICKS === 0) handBackLeadership();
      flush();
      watch.noticeLeaderChanges();
    }, options.tickMs ?? DEFAULT_CLUSTER_TICK_MS);

    /**
     * Leaders stay spread over the nodes: a node leading a range whose
     * preferred leader is another member hands leadership back to it (Raft
     * leader transfer, only to a member that answered within the last election
     * timeout; a transfer aborts after an election timeout if that member does
     * not take over, and is tried again later).
     */
    function handBackLeadership(): void {
      for (const { replica, member } of ranges.values()) {
        const preferred = catalog.range(replica.descriptor.rangeId)?.preferredLeader;
        if (preferred === undefined || preferred === nodeId || !member.machine.serving()) continue;
        const raft = member.node.raft;
        // Only to a member heard from within the last election timeout: a transfer to a dead node stalls writes.
        if (raft.leadTransferee !== 0 || raft.trk.progress.get(preferred)?.recentActive !== true) continue;
        member.node.transferLeader(preferred);
      }
    }
    closers.push(() => clearInterval(ticker));
    flush();

    // ---- HTTP ----
    const dirSize = new DirSizeSampler(options.dataDir);
    let closing: Promise<void> | undefined;
    const built = await buildNodeApp({
      engine,
      store,
      http: options,
      status: (serving: FastifyInstance) => clusterStatus(serving),
      stats: {
        latchesPending: () => engine.ranges.reduce((sum, range) => sum + range.pendingWrites, 0),
        background: () => engine.backgroundStats,
        transactions: () => engine.txnStats,
        timestamps: () => timestampStats(tso.oracle, tsoClient, clock),
        dataDirBytes: () => dirSize.bytes(),
        rocksdb: () => store.engineStats(),
        raft: () => watch.stats(),
      },
    });
    app = built.app;
    const serving = built.app;

    function clusterStatus(serving: FastifyInstance): NodeStatusSource {
      return {
      async readiness(): Promise<Readiness> {
        if (closing !== undefined) return { ready: false, reason: 'shutting down' };
        if (metaMachine.leader === 0) return { ready: false, reason: 'the meta group has no leader' };
        const leaderless = [...ranges.values()].filter((r) => r.member.machine.leader === 0).map((r) => r.replica.descriptor.rangeId);
        if (leaderless.length > 0) return { ready: false, reason: `ranges without a leader: ${leaderless.join(', ')}` };
        const behind = applyLagReason(watch.groupStats());
        if (behind !== undefined) return { ready: false, reason: behind };
        try {
          await withTimeout(clock.now(), READY_TIMESTAMP_TIMEOUT_MS);
          return { ready: true };
        } catch (error) {
          return { ready: false, reason: `cannot draw a timestamp: ${error instanceof Error ? error.message : String(error)}` };
        }
      },
      async ranges(): Promise<RangeStatus[]> {
        return Promise.all(
          [...ranges.values()].map(async ({ replica, member }) => {
            const record = catalog.range(replica.descriptor.rangeId);
            return {
              rangeId: replica.descriptor.rangeId,
              table: (record === undefined ? undefined : catalog.byId(record.tableId)?.name) ?? null,
              start: hex(replica.descriptor.start),
              end: hex(replica.descriptor.end),
              leader: member.machine.leader,
              replicas: record?.replicas ?? [],
              applied: member.machine.appliedIndex,
              approximateBytes: await store.approximateSizeBytes(itemSpans(replica.descriptor)),
              locks: replica.lockedKeys.length,
            };
          }),
        );
      },
      async nodes(): Promise<NodeInfo[]> {
        const tsoLeader = tso.node.raft.lead;
        const metaLeader = metaMachine.leader;
        return memberIds.map((id) => ({
          nodeId: id,
          httpAddress: id === nodeId ? httpAddressOf(serving.addresses()[0]) : null,
          version: BUILD_VERSION,
          uptimeSeconds: id === nodeId ? (Date.now() - startedAtMs) / 1000 : 0,
          role: 'voter' as const,
          tsoLeader: tsoLeader === id,
          metaLeader: metaLeader === id,
        }));
      },
      };
    }

    return {
      app: serving,
      engine,
      peerPort,
      close() {
        closing ??= (async () => {
          try {
            await serving.close();
            for (const close of closers.reverse()) await close();
            // A range still opening (a table created just before) opens on the open store and closes with the rest.
            await rangeOpening;
            const machines = [metaMachine, ...[...ranges.values()].map((range) => range.member.machine)];
            for (const machine of machines) machine.close();
            // An apply already in flight finishes before the store closes under it.
            await Promise.all(machines.map((machine) => machine.caughtUp()));
            await host.flush().catch(() => undefined);
            await store.close();
          } finally {
            await release();
          }
        })();
        return closing;
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
    await store.close();
    await release();
    throw error;
  }
}
