/**
 * A range replica: the state machine of one range of the keyspace, and the
 * place where writes to that range are evaluated (DESIGN.md sections 5-6).
 *
 * Everything that changes the range is a command: the leader evaluates a
 * request and submits the command to its CommandLog (the group committer on
 * an embedded node, the range's Raft group in a cluster); every replica then
 * applies it in log order through `stage` (the writes) and `applied` (the
 * in-memory effects, once the writes are durable). Commands carry everything
 * they need, so applying one is a pure write: every replica that applies the
 * same commands in the same order ends in the same state.
 *
 * Write protocol (the ordering rule of DESIGN.md section 6): take the latches
 * of every key, read the latest committed versions, evaluate, THEN draw the
 * commit timestamp, apply, release. A reader draws its timestamp first and then
 * waits for the writers latched on its key, so no write can land below a
 * timestamp at which a read has already answered.
 */
import type { KvStore, KvWrite } from '../storage/kv-store.js';
import { timestampBeforeMs, type TimestampSource } from '../timestamp-source.js';
import type { Item } from '../types.js';
import { InternalError } from '../errors.js';
import {
  decodeHead,
  isTombstone,
  readHead,
  readVersion,
  scanVisible,
  versionWrites,
  type Head,
  type VersionRead,
  type VisibleItem,
} from '../mvcc/mvcc.js';
import { headKey } from '../mvcc/layout.js';
import { findGarbage, type GcCursor } from '../mvcc/gc.js';
import { LatchManager } from './latches.js';

export interface RangeDescriptor {
  rangeId: number;
  /** Inclusive start of the item-key span. */
  start: Buffer;
  /** Exclusive end of the item-key span. */
  end: Buffer;
  generation: number;
}

export interface Mutation {
  itemKey: Buffer;
  /** The new version; `undefined` writes a tombstone. */
  item: Item | undefined;
}

/** A command of the range's replicated state machine. */
export type RangeCommand =
  | {
      type: 'write';
      commitTs: bigint;
      mutations: Mutation[];
      /** System records committed atomically with the mutations (e.g. request tokens). */
      system: KvWrite[];
    }
  | {
      /** Deletes MVCC versions that no read can see any more (engine/mvcc/gc.ts). */
      type: 'gc';
      garbage: Buffer[];
    };

/** What an evaluation decides: the writes to apply (possibly none) and the caller's result. */
export interface Evaluation<T> {
  mutations: Mutation[];
  system?: KvWrite[];
  result: T;
}

/**
 * Where the leader submits commands: it makes `command` durable, applies it
 * to this replica (stage, write, applied) and resolves once that is done.
 */
export interface CommandLog {
  submit(command: RangeCommand): Promise<void>;
}

/** A durable batch writer: the group committer. */
export interface BatchWriter {
  commit(batch: readonly KvWrite[]): Promise<void>;
}

/** The embedded node's log: commands are applied at once through the group committer. */
export class LocalCommandLog implements CommandLog {
  private replica: RangeReplica | undefined;

  constructor(private readonly writer: BatchWriter) {}

  bind(replica: RangeReplica): void {
    this.replica = replica;
  }

  async submit(command: RangeCommand): Promise<void> {
    const replica = this.replica;
    if (replica === undefined) throw new InternalError('LocalCommandLog used before bind()');
    await this.writer.commit(replica.stage(command));
    replica.applied(command);
  }
}

export class RangeReplica {
  private readonly latches = new LatchManager();
  /**
   * Writes that are about to draw, or have drawn, a commit timestamp and are
   * not yet applied. A write enters before it draws its timestamp, so a
   * reader that drew T and then waits for every entry present misses no write
   * that committed at or below T; entries added later commit above T.
   */
  private readonly committing = new Set<Promise<void>>();
  /** Commands applied since this replica was created (for metrics and /admin/ranges). */
  private appliedCount = 0;

  constructor(
    readonly descriptor: RangeDescriptor,
    private readonly store: KvStore,
    private readonly log: CommandLog,
    private readonly clock: TimestampSource,
  ) {}

  /** The state machine, part one: the writes that apply `command` (the same on every replica). */
  stage(command: RangeCommand): KvWrite[] {
    switch (command.type) {
      case 'write': {
        const writes = command.mutations.flatMap((m) => versionWrites(m.itemKey, command.commitTs, m.item));
        return command.system.length === 0 ? writes : [...writes, ...command.system];
      }
      case 'gc':
        return command.garbage.map((key) => ({ type: 'del' as const, key }));
      default: {
        const unknown: never = command;
        throw new InternalError(`unknown range command ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** The state machine, part two: called once the staged writes of `command` are durable. */
  applied(_command: RangeCommand): void {
    this.appliedCount++;
  }

  /** A read at a fresh timestamp (or at `readTs`), after writers already latched on the key. */
  async read(itemKey: Buffer, readTs?: bigint): Promise<VersionRead> {
    const ts = readTs ?? (await this.clock.now());
    await this.latches.waitForWriters(itemKey);
    return readVersion(this.store, itemKey, ts);
  }

  /** A timestamp for a snapshot read of many keys, after which `scan` may run at it. */
  async snapshotTimestamp(): Promise<bigint> {
    const ts = await this.clock.now();
    await Promise.all([...this.committing]);
    return ts;
  }

  /** Items visible at `readTs` (from `snapshotTimestamp`) in [start, end) of this range. */
  scan(start: Buffer, end: Buffer, readTs: bigint, reverse = false): AsyncGenerator<VisibleItem> {
    return scanVisible(this.store, start, end, readTs, reverse);
  }

  /**
   * Evaluates a write over `itemKeys` under their latches against the latest
   * committed versions (in the same order as `itemKeys`), then commits what
   * the evaluation decided at a timestamp drawn after the latches were taken.
   * A blind write (`blind()` answers true once the latches are held) needs
   * nothing of the current versions: they are not read, and the evaluation
   * sees none.
   */
  async write<T>(
    itemKeys: readonly Buffer[],
    evaluate: (current: VersionRead[]) => Evaluation<T>,
    blind: () => boolean = () => false,
  ): Promise<T> {
    const release = await this.latches.acquire(itemKeys);
    try {
      const heads = blind() ? undefined : await Promise.all(itemKeys.map((key) => readHead(this.store, key)));
      const evaluation = evaluate(heads === undefined ? itemKeys.map(() => decodeHead(undefined)) : heads.map(decodeHead));
      const mutations = heads === undefined ? evaluation.mutations : dropInvisibleTombstones(evaluation.mutations, itemKeys, heads);
      const system = evaluation.system ?? [];
      if (mutations.length > 0 || system.length > 0) {
        let applied!: () => void;
        const committed = new Promise<void>((resolve) => (applied = resolve));
        this.committing.add(committed);
        try {
          const commitTs = await this.clock.now();
          await this.log.submit({ type: 'write', commitTs, mutations, system });
        } finally {
          this.committing.delete(committed);
          applied();
        }
      }
      return evaluation.result;
    } finally {
      release();
    }
  }

  /**
   * One bounded garbage-collection pass over versions older than
   * `retentionMs`; returns how many keys it deleted and where to resume.
   */
  async collectGarbage(retentionMs: number, cursor: GcCursor | undefined): Promise<{ deleted: number; next: GcCursor | undefined }> {
    const safeTs = timestampBeforeMs(await this.clock.now(), retentionMs);
    const pass = await findGarbage(this.store, safeTs, cursor);
    const garbage = [...pass.history];
    const release = pass.tombstones.length > 0 ? await this.latches.acquire(pass.tombstones.map((t) => t.itemKey)) : undefined;
    try {
      for (const tombstone of pass.tombstones) {
        // Under the latch: delete the head only if no writer replaced it meanwhile.
        const head = await readHead(this.store, tombstone.itemKey);
        if (head !== undefined && head.commitTs === tombstone.commitTs && isTombstone(head)) {
          garbage.push(headKey(tombstone.itemKey));
        }
      }
      if (garbage.length > 0) await this.log.submit({ type: 'gc', garbage });
    } finally {
      release?.();
    }
    return { deleted: garbage.length, next: pass.next };
  }

  /** Commands applied by this replica since it was created (a Raft applied index, later). */
  get appliedCommands(): number {
    return this.appliedCount;
  }

  /** Write requests holding or waiting for latches (for metrics and tests). */
  get pendingWrites(): number {
    return this.latches.pending;
  }
}

/**
 * A tombstone over nothing (or over another tombstone) changes nothing any
 * read can see, so it is dropped. Only the latched keys' heads are known;
 * other keys (index entries) are only deleted when they exist.
 */
function dropInvisibleTombstones(
  mutations: readonly Mutation[],
  itemKeys: readonly Buffer[],
  heads: ReadonlyArray<Head | undefined>,
): Mutation[] {
  return mutations.filter((mutation) => {
    if (mutation.item !== undefined) return true;
    const index = itemKeys.findIndex((key) => key.equals(mutation.itemKey));
    if (index < 0) return true;
    const previous = heads[index];
    return previous !== undefined && !isTombstone(previous);
  });
}
