/**
 * Durable Raft storage for one group inside a shared ordered KV store
 * (RocksDB in production). The core reads Storage synchronously, so the
 * adapter keeps the live log in a MemoryStorage view and writes every change
 * through to the store: one write batch per Ready, synced by default.
 * `stage()` returns a Ready's writes without writing them, so a host can put
 * the writes of many groups into one synced batch (group commit).
 *
 * Layout under the group's prefix `r | groupId(u32)`:
 *   'e' | index(u64)  an entry          'h'  the hard state
 *   's'               the snapshot      'c'  the compaction point {index, term}
 *
 * `stageCompaction` records a snapshot point and discards the log up to a
 * possibly earlier index (a tail kept for followers that lag a little).
 */
import { pack, unpack } from 'msgpackr';
import type { ConfState, Entry, HardState, Snapshot } from '../messages.js';
import { EMPTY_HARD_STATE, EMPTY_SNAPSHOT } from '../messages.js';
import { invariant } from '../errors.js';
import { MemoryStorage, type InitialState, type Storage } from '../storage.js';
import type { RaftKvStore, RaftKvWrite } from './kv-port.js';

const KIND_ENTRY = 0x65; // 'e'
const KIND_HARD_STATE = 0x68; // 'h'
const KIND_SNAPSHOT = 0x73; // 's'
const KIND_COMPACTED = 0x63; // 'c'
const PREFIX_BYTES = 5;
const INDEX_BYTES = 8;

export class RaftStorageCorruptError extends Error {
  readonly code = 'RaftStorageCorrupt' as const;
}

function groupPrefix(groupId: number): Buffer {
  const b = Buffer.alloc(PREFIX_BYTES);
  b[0] = 0x72; // 'r'
  b.writeUInt32BE(groupId, 1);
  return b;
}

function keyOf(groupId: number, kind: number): Buffer {
  return Buffer.concat([groupPrefix(groupId), Buffer.from([kind])]);
}

function entryKey(groupId: number, index: number): Buffer {
  const b = Buffer.alloc(PREFIX_BYTES + 1 + INDEX_BYTES);
  groupPrefix(groupId).copy(b);
  b[PREFIX_BYTES] = KIND_ENTRY;
  b.writeUInt32BE(Math.floor(index / 0x1_0000_0000), PREFIX_BYTES + 1);
  b.writeUInt32BE(index >>> 0, PREFIX_BYTES + 5);
  return b;
}

function encode(value: unknown): Buffer {
  return pack(value);
}

function toEntry(raw: unknown): Entry {
  const e = raw as { term?: unknown; index?: unknown; type?: unknown; data?: unknown };
  if (typeof e.term !== 'number' || typeof e.index !== 'number' || !(e.data instanceof Uint8Array)) {
    throw new RaftStorageCorruptError('malformed log entry');
  }
  return { term: e.term, index: e.index, type: e.type === 'conf-change' ? 'conf-change' : 'normal', data: e.data };
}

export interface PersistOptions {
  /** fsync before resolving; on by default so acknowledged state survives a crash. */
  sync?: boolean;
}

export class RocksDbRaftStorage implements Storage {
  private constructor(
    private readonly kv: RaftKvStore,
    readonly groupId: number,
    private view: MemoryStorage,
  ) {}

  /** Load a group's state (an empty log if the group has never written). */
  static async open(kv: RaftKvStore, groupId: number): Promise<RocksDbRaftStorage> {
    const hsBytes = await kv.get(keyOf(groupId, KIND_HARD_STATE));
    const snapBytes = await kv.get(keyOf(groupId, KIND_SNAPSHOT));
    const compactedBytes = await kv.get(keyOf(groupId, KIND_COMPACTED));
    const hardState = hsBytes === undefined ? EMPTY_HARD_STATE : (unpack(hsBytes) as HardState);
    const snap = snapBytes === undefined ? EMPTY_SNAPSHOT : (unpack(snapBytes) as Snapshot);
    const compacted =
      compactedBytes === undefined
        ? { index: snap.metadata.index, term: snap.metadata.term }
        : (unpack(compactedBytes) as { index: number; term: number });
    const entries: Entry[] = [];
    for await (const [, value] of kv.iterate({ gte: entryKey(groupId, 0), lt: keyOf(groupId, KIND_ENTRY + 1) })) {
      const e = toEntry(unpack(value));
      if (e.index > compacted.index) entries.push(e);
    }
    return new RocksDbRaftStorage(kv, groupId, MemoryStorage.restore(snap, compacted, entries, hardState));
  }

  /** Create the storage of a founding member of a new group (see MemoryStorage.bootstrap). */
  static async bootstrap(
    kv: RaftKvStore,
    groupId: number,
    voters: readonly number[],
    learners: readonly number[] = [],
    options: PersistOptions = {},
  ): Promise<RocksDbRaftStorage> {
    const seed = MemoryStorage.bootstrap(voters, learners);
    const storage = new RocksDbRaftStorage(kv, groupId, new MemoryStorage());
    const entries = seed.entries(seed.firstIndex(), seed.lastIndex() + 1, Number.POSITIVE_INFINITY);
    const writes = [
      { type: 'put' as const, key: keyOf(groupId, KIND_SNAPSHOT), value: encode(seed.snapshot()) },
      ...storage.stage({ snapshot: undefined, entries, hardState: seed.initialState().hardState }),
    ];
    storage.view = seed;
    await kv.write(writes, { sync: options.sync ?? true });
    return storage;
  }

  initialState(): InitialState {
    return this.view.initialState();
  }

  entries(lo: number, hi: number, maxSizeBytes: number): Entry[] {
    return this.view.entries(lo, hi, maxSizeBytes);
  }

  term(index: number): number {
    return this.view.term(index);
  }

  lastIndex(): number {
    return this.view.lastIndex();
  }

  firstIndex(): number {
    return this.view.firstIndex();
  }

  snapshot(): Snapshot {
    return this.view.snapshot();
  }

  /**
   * The writes that persist a Ready (snapshot, entries, hard state), applied
   * to the in-memory view at once. The caller must write them (in one batch,
   * synced if rd.mustSync) before sending the Ready's messages.
   */
  stage(rd: { snapshot: Snapshot | undefined; entries: readonly Entry[]; hardState: HardState | undefined }): RaftKvWrite[] {
    const writes: RaftKvWrite[] = [];
    if (rd.snapshot !== undefined) {
      // The snapshot replaces the whole log.
      for (let i = this.view.firstIndex(); i <= this.view.lastIndex(); i++) writes.push({ type: 'del', key: entryKey(this.groupId, i) });
      writes.push({ type: 'put', key: keyOf(this.groupId, KIND_SNAPSHOT), value: encode(rd.snapshot) });
      const md = rd.snapshot.metadata;
      writes.push({ type: 'put', key: keyOf(this.groupId, KIND_COMPACTED), value: encode({ index: md.index, term: md.term }) });
    }
    const first = rd.entries[0];
    if (first !== undefined) {
      const newLast = first.index + rd.entries.length - 1;
      const oldLast = rd.snapshot !== undefined ? rd.snapshot.metadata.index : this.view.lastIndex();
      // A conflicting suffix beyond the new entries is truncated.
      for (let i = newLast + 1; i <= oldLast; i++) writes.push({ type: 'del', key: entryKey(this.groupId, i) });
      for (const e of rd.entries) {
        writes.push({ type: 'put', key: entryKey(this.groupId, e.index), value: encode({ term: e.term, index: e.index, type: e.type, data: e.data }) });
      }
    }
    if (rd.hardState !== undefined) {
      writes.push({ type: 'put', key: keyOf(this.groupId, KIND_HARD_STATE), value: encode(rd.hardState) });
    }
    this.view.persist(rd);
    return writes;
  }

  /** Persist a Ready in one write batch. */
  async persist(
    rd: { snapshot: Snapshot | undefined; entries: readonly Entry[]; hardState: HardState | undefined },
    options: PersistOptions = {},
  ): Promise<void> {
    await this.kv.write(this.stage(rd), { sync: options.sync ?? true });
  }

  /** Record a snapshot of the state machine at `index` (see MemoryStorage.createSnapshot). */
  async createSnapshot(index: number, confState: ConfState, data: Uint8Array, options: PersistOptions = {}): Promise<Snapshot> {
    const snap = this.view.createSnapshot(index, confState, data);
    await this.kv.write([{ type: 'put', key: keyOf(this.groupId, KIND_SNAPSHOT), value: encode(snap) }], { sync: options.sync ?? true });
    return snap;
  }

  /**
   * The writes that record a snapshot point at `snapshotIndex` (metadata
   * only) and discard the entries up to and including `compactIndex`
   * (<= snapshotIndex), applied to the in-memory view at once. The caller
   * writes them, after the state machine's writes up to `snapshotIndex`.
   */
  stageCompaction(snapshotIndex: number, confState: ConfState, compactIndex: number): RaftKvWrite[] {
    invariant(compactIndex <= snapshotIndex, () => `compaction to ${compactIndex} beyond the snapshot point ${snapshotIndex}`);
    const first = this.view.firstIndex();
    const snap = this.view.createSnapshot(snapshotIndex, confState, new Uint8Array(0));
    this.view.compact(compactIndex);
    const writes: RaftKvWrite[] = [{ type: 'put', key: keyOf(this.groupId, KIND_SNAPSHOT), value: encode(snap) }];
    for (let i = first; i <= compactIndex; i++) writes.push({ type: 'del', key: entryKey(this.groupId, i) });
    writes.push({ type: 'put', key: keyOf(this.groupId, KIND_COMPACTED), value: encode(this.view.compactedTo()) });
    return writes;
  }

  /** Discard entries up to and including `index`. */
  async compact(index: number, options: PersistOptions = {}): Promise<void> {
    const first = this.view.firstIndex();
    this.view.compact(index);
    const writes: RaftKvWrite[] = [];
    for (let i = first; i <= index; i++) writes.push({ type: 'del', key: entryKey(this.groupId, i) });
    writes.push({ type: 'put', key: keyOf(this.groupId, KIND_COMPACTED), value: encode(this.view.compactedTo()) });
    await this.kv.write(writes, { sync: options.sync ?? true });
  }
}
