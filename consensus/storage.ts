/**
 * The Storage port: the stable part of a Raft log (what the application has
 * persisted), plus the latest snapshot and hard state. The core reads it
 * synchronously, so durable adapters keep what the core reads in memory and
 * persist writes themselves. `MemoryStorage` is the reference implementation.
 */
import {
  CompactedError,
  SnapshotOutOfDateError,
  UnavailableError,
  invariant,
} from './errors.js';
import { encodeConfChange, type ConfChange } from './conf-change.js';
import {
  EMPTY_HARD_STATE,
  NONE,
  EMPTY_SNAPSHOT,
  entrySizeBytes,
  type ConfState,
  type Entry,
  type HardState,
  type Snapshot,
} from './messages.js';

export interface InitialState {
  hardState: HardState;
  confState: ConfState;
}

export interface Storage {
  initialState(): InitialState;
  /** Entries in [lo, hi), at least one if any, at most `maxSizeBytes` beyond the first. Throws CompactedError/UnavailableError. */
  entries(lo: number, hi: number, maxSizeBytes: number): Entry[];
  /** Term of entry `index`, which must be in [firstIndex()-1, lastIndex()]. Throws CompactedError/UnavailableError. */
  term(index: number): number;
  lastIndex(): number;
  /** Index of the first entry still available (the snapshot index + 1). */
  firstIndex(): number;
  /** The latest snapshot. May throw SnapshotTemporarilyUnavailableError. */
  snapshot(): Snapshot;
}

/** Keep the first entry and then as many as fit in `maxSizeBytes`. */
export function limitSize(ents: Entry[], maxSizeBytes: number): Entry[] {
  if (ents.length === 0) return ents;
  let size = entrySizeBytes(ents[0]!);
  let limit = 1;
  for (; limit < ents.length; limit++) {
    size += entrySizeBytes(ents[limit]!);
    if (size > maxSizeBytes) break;
  }
  return limit === ents.length ? ents : ents.slice(0, limit);
}

/**
 * In-memory Storage. `ents[0]` is a dummy entry holding the snapshot's index
 * and term, so `term(firstIndex-1)` is always answerable.
 */
export class MemoryStorage implements Storage {
  private hardState: HardState = EMPTY_HARD_STATE;
  private snap: Snapshot = EMPTY_SNAPSHOT;
  private ents: Entry[] = [{ term: 0, index: 0, type: 'normal', data: new Uint8Array(0) }];

  /**
   * A storage for a founding member of a new group. Like etcd's bootstrap, the
   * initial membership is written as committed conf-change entries (term 1), so
   * a node that joins later learns it by replaying the log. The snapshot at
   * index 0 carries the same membership so founding members know it before
   * they apply those entries (re-applying them is a no-op).
   */
  static bootstrap(voters: readonly number[], learners: readonly number[] = []): MemoryStorage {
    const s = new MemoryStorage();
    s.snap = {
      metadata: { index: 0, term: 0, confState: { voters: [...voters], learners: [...learners] } },
      data: new Uint8Array(0),
    };
    const changes: ConfChange[] = [
      ...voters.map((nodeId) => ({ type: 'add-voter' as const, nodeId })),
      ...learners.map((nodeId) => ({ type: 'add-learner' as const, nodeId })),
    ];
    s.append(changes.map((cc, i) => ({ term: 1, index: i + 1, type: 'conf-change' as const, data: encodeConfChange(cc) })));
    s.hardState = { term: 1, vote: NONE, commit: changes.length };
    return s;
  }

  /**
   * Rebuild from persisted parts (a durable adapter's load path). `compacted`
   * is the index and term of the last discarded entry (the snapshot's, unless
   * the log was compacted below it); `entries` must follow it contiguously.
   */
  static restore(snap: Snapshot, compacted: { index: number; term: number }, entries: readonly Entry[], hardState: HardState): MemoryStorage {
    const s = new MemoryStorage();
    s.snap = snap;
    s.hardState = hardState;
    s.ents = [{ term: compacted.term, index: compacted.index, type: 'normal', data: new Uint8Array(0) }];
    entries.forEach((e, i) =>
      invariant(e.index === compacted.index + 1 + i, () => `log gap: entry ${e.index} after ${compacted.index + i}`),
    );
    s.ents.push(...entries);
    return s;
  }

  /** Index and term of the last discarded entry (the log's dummy head). */
  compactedTo(): { index: number; term: number } {
    const head = this.ents[0]!;
    return { index: head.index, term: head.term };
  }

  initialState(): InitialState {
    return { hardState: this.hardState, confState: this.snap.metadata.confState };
  }

  setHardState(hs: HardState): void {
    this.hardState = hs;
  }

  private offset(): number {
    return this.ents[0]!.index;
  }

  entries(lo: number, hi: number, maxSizeBytes: number): Entry[] {
    const offset = this.offset();
    if (lo <= offset) throw new CompactedError(lo);
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi - 1);
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxSizeBytes);
  }

  term(index: number): number {
    const offset = this.offset();
    if (index < offset) throw new CompactedError(index);
    if (index - offset >= this.ents.length) throw new UnavailableError(index);
    return this.ents[index - offset]!.term;
  }

  lastIndex(): number {
    return this.offset() + this.ents.length - 1;
  }

  firstIndex(): number {
    return this.offset() + 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replace the whole log with a snapshot (a follower installing one). */
  applySnapshot(snap: Snapshot): void {
    const current = this.snap.metadata.index;
    if (snap.metadata.index <= current) throw new SnapshotOutOfDateError(snap.metadata.index, current);
    this.snap = snap;
    this.ents = [{ term: snap.metadata.term, index: snap.metadata.index, type: 'normal', data: new Uint8Array(0) }];
  }

  /** Record a snapshot of the state machine at applied index `index` (for later compaction and sending). */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    const current = this.snap.metadata.index;
    if (index <= current) throw new SnapshotOutOfDateError(index, current);
    invariant(index <= this.lastIndex(), () => `snapshot ${index} is beyond last index ${this.lastIndex()}`);
    this.snap = { metadata: { index, term: this.term(index), confState }, data };
    return this.snap;
  }

  /** Discard entries up to and including `compactIndex`. */
  compact(compactIndex: number): void {
    const offset = this.offset();
    if (compactIndex <= offset) throw new CompactedError(compactIndex);
    invariant(compactIndex <= this.lastIndex(), () => `compact ${compactIndex} is beyond last index ${this.lastIndex()}`);
    const i = compactIndex - offset;
    const head = this.ents[i]!;
    this.ents = [{ term: head.term, index: head.index, type: 'normal', data: new Uint8Array(0) }, ...this.ents.slice(i + 1)];
  }

  /**
   * Persist what a Ready asks for, in the required order: snapshot, then
   * entries, then hard state (the hard state's commit may refer to them).
   */
  persist(rd: { snapshot: Snapshot | undefined; entries: readonly Entry[]; hardState: HardState | undefined }): void {
    if (rd.snapshot !== undefined) this.applySnapshot(rd.snapshot);
    this.append(rd.entries);
    if (rd.hardState !== undefined) this.setHardState(rd.hardState);
  }

  /** Append entries, truncating any existing suffix they conflict with. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[0]!.index + entries.length - 1;
    if (last < first) return; // all already compacted
    const ents = first > entries[0]!.index ? entries.slice(first - entries[0]!.index) : entries;
    const offset = ents[0]!.index - this.offset();
    invariant(offset <= this.ents.length, () => `missing log entry: last ${this.lastIndex()}, appending at ${ents[0]!.index}`);
    this.ents = [...this.ents.slice(0, offset), ...ents];
  }
}
