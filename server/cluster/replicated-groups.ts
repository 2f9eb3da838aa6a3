/**
 * The Raft groups of a cluster node above the TSO: the meta group (the
 * catalog and the range records, replicated on every member) and one group
 * per range this node holds a replica of. Each is a ReplicatedStateMachine
 * over the node's shared RaftHost; applying an entry writes the change and
 * the group's applied index in one batch to the node's store (not synced: the
 * Raft log, synced before anything is acknowledged, is what makes a command
 * durable, and a restart re-applies the entries after the stored applied
 * index).
 *
 * Every group's log is kept short (log-compactor.ts); a follower that fell
 * behind the compacted log gets a snapshot of the group's state, built on
 * demand by the leader (snapshotting-storage.ts): for a range, every key it
 * owns (engine/range/range-keys.ts); for the meta group, the catalog's
 * records. Installing one replaces that state in one store write.
 */
import { Packr } from 'msgpackr';
import type { Snapshot } from '../../consensus/messages.js';
import type { RaftKvWrite } from '../../consensus/adapters/kv-port.js';
import { SeededRandom } from '../../consensus/random.js';
import type { RaftHost } from '../../consensus/host.js';
import { RocksDbRaftStorage } from '../../consensus/adapters/rocksdb-storage.js';
import { ReplicatedStateMachine, ProposalTimeoutError, ProposalsFullError, type StateMachine } from '../../consensus/state-machine.js';
import { NotLeaderError as RaftNotLeaderError, ProposalDroppedError } from '../../consensus/errors.js';
import type { RawNode } from '../../consensus/raw-node.js';
import type { KvStore, KvWrite } from '../../engine/storage/kv-store.js';
import { systemKey } from '../../engine/mvcc/layout.js';
import { EngineError, InternalError } from '../../engine/errors.js';
import { CatalogConflictError, catalogRecordBounds, type Catalog, type CatalogChange } from '../../engine/catalog/catalog.js';
import type { TableDefinition } from '../../engine/catalog/table.js';
import type { CommandLog, RangeCommand, RangeReplica } from '../../engine/range/replica.js';
import type { OwnedSpan } from '../../engine/range/range-keys.js';
import { buildRangeSnapshot, decodeSnapshotEntries, encodeSnapshotEntries, rangeInstallWrites } from '../../engine/range/range-snapshot.js';
import { NotLeaderError } from '../../engine/routing/errors.js';
import type { LogCompactor } from './log-compactor.js';
import { SnapshottingStorage, type SnapshotBudget } from './snapshotting-storage.js';

/** The meta group's id in the node's shared store (range groups use their range ids). */
export const META_GROUP_ID = 0x7fff_ffe0;
export const ELECTION_TICKS = 10;
export const HEARTBEAT_TICKS = 2;

/** Commands and catalog changes hold Buffers, bigints and nested plain objects. */
const packr = new Packr({ int64AsType: 'bigint', useRecords: false });

export function encodeCommand(value: unknown): Buffer {
  return packr.pack(value);
}

export function decodeCommand<T>(data: Uint8Array): T {
  return packr.unpack(data) as T;
}

function appliedIndexKey(groupId: number): Buffer {
  return systemKey(`applied/${groupId}`);
}

function appliedIndexWrite(groupId: number, index: number): KvWrite {
  const value = Buffer.alloc(8);
  value.writeBigUInt64BE(BigInt(index));
  return { type: 'put', key: appliedIndexKey(groupId), value };
}

export async function readAppliedIndex(store: KvStore, groupId: number): Promise<number> {
  const value = await store.get(appliedIndexKey(groupId));
  return value === undefined ? 0 : Number(value.readBigUInt64BE(0));
}

/** A group's state machine that can also hand out its whole state (a snapshot's data). */
export interface SnapshottableMachine extends StateMachine {
  /** The state at the applied index (called in the apply queue: nothing applies meanwhile). */
  snapshotData(): Promise<Uint8Array>;
}

/** What keeps a node's group logs short: the compactor, and the snapshot builds its groups share. */
export interface GroupLogs {
  compactor: LogCompactor;
  budget: SnapshotBudget;
  /** A snapshot could not be built (too large, a store error); it is tried again later. */
  onBuildError(groupId: number, error: unknown): void;
}

export interface GroupMember {
  readonly groupId: number;
  readonly node: RawNode;
  readonly machine: ReplicatedStateMachine;
}

/**
 * Opens (or, the first time, bootstraps with `voters`) the group on `host`.
 * `applied` is what the application's store says it has applied; it is capped
 * at the log's commit index (a commit index need not be synced, the applied
 * index may have reached the disk through a later synced write) and the
 * entries in between are applied again, in order, which rewrites the same state.
 */
export async function openGroup(opts: {
  host: RaftHost;
  kv: KvStore;
  nodeId: number;
  groupId: number;
  voters: readonly number[];
  machine: SnapshottableMachine;
  logs: GroupLogs;
  kick: () => void;
  onApplyError: (error: unknown) => void;
}): Promise<GroupMember> {
  let log = await RocksDbRaftStorage.open(opts.kv, opts.groupId);
  if (log.lastIndex() === 0 && log.initialState().hardState.term === 0) {
    log = await RocksDbRaftStorage.bootstrap(opts.kv, opts.groupId, opts.voters);
  }
  const storage = new SnapshottingStorage(log, opts.logs.budget, (error) => opts.logs.onBuildError(opts.groupId, error));
  const stored = await readAppliedIndex(opts.kv, opts.groupId);
  const applied = Math.max(storage.snapshot().metadata.index, Math.min(stored, storage.initialState().hardState.commit));
  const machine = new ReplicatedStateMachine(opts.machine, { kick: opts.kick, onApplyError: opts.onApplyError });
  const node = opts.host.addGroup(opts.groupId, storage, machine, {
    electionTick: ELECTION_TICKS,
    heartbeatTick: HEARTBEAT_TICKS,
    applied,
    random: new SeededRandom(opts.nodeId * 7919 + opts.groupId * 104_729 + Date.now()),
    preVote: true,
    checkQuorum: true,
    readOnly: 'lease-based',
  });
  machine.bind(node, applied);
  storage.attach({ node, machine, build: () => opts.machine.snapshotData() });
  opts.logs.compactor.add({ groupId: opts.groupId, storage, machine, node, appliedWrite: (index) => appliedIndexWrite(opts.groupId, index) });
  return { groupId: opts.groupId, node, machine };
}

/** A group has MAX_PENDING_PROPOSALS proposals waiting: the client backs off (SDKs retry this error). */
export class ProposalOverloadError extends EngineError {
  readonly code = 'RequestLimitExceeded' as const;
  constructor(detail: string) {
    super(`Throughput exceeds what the range can replicate now (${detail}); retry with backoff`);
  }
}

/** Proposal failures as the engine reports them. */
function proposalError(groupId: number, machine: ReplicatedStateMachine, error: unknown): Error {
  if (error instanceof RaftNotLeaderError) return new NotLeaderError(groupId, error.leader);
  // Dropped before it entered the log (a leadership transfer is under way): nothing ran, retry elsewhere.
  if (error instanceof ProposalDroppedError) return new NotLeaderError(groupId, 0);
  if (error instanceof ProposalTimeoutError) return new InternalError(`range ${groupId}: ${error.message}`);
  if (error instanceof ProposalsFullError) return new ProposalOverloadError(error.message);
  if (error instanceof Error) return error;
  return new InternalError(`range ${groupId}: ${String(error)} (leader ${machine.leader})`);
}

/** A range's state machine: commands staged by the replica, written with the applied index. */
export class RangeStateMachine implements SnapshottableMachine {
  /** `table` is the range's table as this node's catalog knows it now (its indexes' entries are the range's too). */
  constructor(
    private readonly replica: RangeReplica,
    private readonly store: KvStore,
    private readonly table: () => TableDefinition | undefined,
  ) {}

  private owned(): OwnedSpan {
    const { start, end } = this.replica.descriptor;
    return { start, end, table: this.table() };
  }

  snapshotData(): Promise<Uint8Array> {
    return buildRangeSnapshot(this.store, this.replica.descriptor.rangeId, this.owned());
  }

  /**
   * Replaces every key the range owns with the snapshot's, writes the applied
   * index and the Raft record of the snapshot, in one synced write; then the
   * lock table is rebuilt from the new locks.
   */
  async installSnapshot(snapshot: Snapshot, raftWrites: RaftKvWrite[]): Promise<void> {
    const rangeId = this.replica.descriptor.rangeId;
    const writes = await rangeInstallWrites(this.store, rangeId, this.owned(), snapshot.data);
    writes.push(appliedIndexWrite(rangeId, snapshot.metadata.index), ...raftWrites);
    await this.store.write(writes, { sync: true });
    await this.replica.reloadLocks();
  }

  async apply(data: Uint8Array, index: number): Promise<void> {
    await this.applyMany([{ data, index }]);
  }

  /** Consecutive entries in one store write: their commands' writes in order, then the last index. */
  async applyMany(entries: ReadonlyArray<{ data: Uint8Array | undefined; index: number }>): Promise<unknown[]> {
    const staged = this.stageMany(entries);
    if (staged.writes.length > 0) await this.store.write(staged.writes, { sync: false });
    return staged.applied();
  }

  /**
   * The writes of consecutive entries (their commands' writes in order, then
   * the group's applied index), and the in-memory effects once they are in
   * the store. The host puts these writes in its flush's batch.
   */
  stageMany(entries: ReadonlyArray<{ data: Uint8Array | undefined; index: number }>): { writes: KvWrite[]; applied(): unknown[] } {
    const commands = entries.map((entry) => (entry.data === undefined ? undefined : decodeCommand<RangeCommand>(entry.data)));
    const writes: KvWrite[] = [];
    for (const command of commands) if (command !== undefined) writes.push(...this.replica.stage(command));
    const last = entries[entries.length - 1];
    if (writes.length > 0 && last !== undefined) writes.push(appliedIndexWrite(this.replica.descriptor.rangeId, last.index));
    return {
      writes,
      applied: () => {
        for (const command of commands) if (command !== undefined) this.replica.applied(command);
        return entries.map(() => undefined);
      },
    };
  }
}

/** The CommandLog of a range replica in a cluster: its Raft group. */
export class RaftCommandLog implements CommandLog {
  private machine: ReplicatedStateMachine | undefined;

  constructor(private readonly rangeId: number) {}

  bind(machine: ReplicatedStateMachine): void {
    this.machine = machine;
  }

  async submit(command: RangeCommand): Promise<void> {
    const machine = this.machine;
    if (machine === undefined) throw new NotLeaderError(this.rangeId, 0);
    if (!machine.serving()) throw new NotLeaderError(this.rangeId, machine.leader);
    try {
      await machine.propose(encodeCommand(command));
    } catch (error) {
      throw proposalError(this.rangeId, machine, error);
    }
  }
}

/** What applying a catalog change answers its proposer. */
export interface CatalogChangeResult {
  applied: boolean;
  /** The catalog revision after the entry (whether or not it applied). */
  revision: number;
}

/** The meta group's state machine: catalog changes, each applied only at its base revision. */
export class MetaStateMachine implements SnapshottableMachine {
  constructor(
    private readonly catalog: Catalog,
    private readonly store: KvStore,
  ) {}

  async snapshotData(): Promise<Uint8Array> {
    return encodeSnapshotEntries(META_GROUP_ID, this.catalogRecords());
  }

  /** Replaces the catalog's records with the snapshot's (one synced write, see RangeStateMachine), then reloads the catalog. */
  async installSnapshot(snapshot: Snapshot, raftWrites: RaftKvWrite[]): Promise<void> {
    const entries = decodeSnapshotEntries(META_GROUP_ID, snapshot.data);
    const writes: KvWrite[] = [];
    for await (const [key] of this.catalogRecords()) writes.push({ type: 'del', key });
    for (const [key, value] of entries) writes.push({ type: 'put', key, value });
    writes.push(appliedIndexWrite(META_GROUP_ID, snapshot.metadata.index), ...raftWrites);
    await this.store.write(writes, { sync: true });
    await this.catalog.reload();
  }

  private async *catalogRecords(): AsyncGenerator<[Buffer, Buffer]> {
    for (const bounds of catalogRecordBounds()) yield* this.store.iterate(bounds);
  }

  async apply(data: Uint8Array, index: number): Promise<CatalogChangeResult> {
    const change = decodeCommand<CatalogChange>(data);
    if (!this.catalog.accepts(change)) return { applied: false, revision: this.catalog.revision };
    const writes = this.catalog.stage(change);
    writes.push(appliedIndexWrite(META_GROUP_ID, index));
    await this.store.write(writes, { sync: false });
    this.catalog.applied(change);
    return { applied: true, revision: this.catalog.revision };
  }
}

/** Proposes a catalog change through the local meta replica (which must be the serving leader). */
/** How long a catalog change waits for this node's catalog to show it. */
export const CATALOG_CATCH_UP_MS = 10_000;

/** After the meta group answered a change: waits until this node's catalog shows it, and fails it if it did not apply. */
export async function settleCatalogChange(catalog: Catalog, change: CatalogChange, result: CatalogChangeResult): Promise<void> {
  await catalog.waitForRevision(result.revision, CATALOG_CATCH_UP_MS);
  if (!result.applied) throw new CatalogConflictError(`catalog moved past revision ${change.baseRevision}`);
}

export async function proposeCatalogChange(machine: ReplicatedStateMachine, change: CatalogChange): Promise<CatalogChangeResult> {
  if (!machine.serving()) throw new NotLeaderError(META_GROUP_ID, machine.leader);
  try {
    return (await machine.propose(encodeCommand(change))) as CatalogChangeResult;
  } catch (error) {
    throw proposalError(META_GROUP_ID, machine, error);
  }
}
