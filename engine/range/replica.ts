/**
 * A range replica: the state machine of one range of the keyspace, and the
 * place where writes to that range are evaluated (DESIGN.md sections 5-6).
 *
 * Everything that changes the range goes through `apply(command)`. Today the
 * embedded node applies commands directly through the group committer; a
 * cluster puts Raft between evaluation and `apply` without changing callers.
 *
 * Write protocol (the ordering rule of DESIGN.md section 6): take the latches
 * of every key, read the latest committed versions, evaluate, THEN draw the
 * commit timestamp, apply, release. A reader draws its timestamp first and then
 * waits for the writers latched on its key, so no write can land below a
 * timestamp at which a read has already answered.
 */
import type { KvWrite } from '../storage/kv-store.js';
import type { TimestampSource } from '../timestamp-source.js';
import type { Item } from '../types.js';
import { readVersion, scanVisible, versionWrite, type VersionRead, type VisibleItem } from '../mvcc/mvcc.js';
import { LatchManager } from './latches.js';
import { InternalError } from '../errors.js';
import { findGarbage, type GcCursor } from '../mvcc/gc.js';
import { timestampBeforeMs } from '../timestamp-source.js';
import type { KvStore } from '../storage/kv-store.js';

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

/** The durable write path below the replica: the group committer in embedded mode. */
export interface CommandLog {
  commit(batch: readonly KvWrite[]): Promise<void>;
}

const LATEST = (1n << 64n) - 1n;

export class RangeReplica {
  private readonly latches = new LatchManager();

  constructor(
    readonly descriptor: RangeDescriptor,
    private readonly store: KvStore,
    private readonly log: CommandLog,
    private readonly clock: TimestampSource,
  ) {}

  /** The state-machine entry point: applies one command atomically and durably. */
  async apply(command: RangeCommand): Promise<void> {
    switch (command.type) {
      case 'write': {
        const writes = command.mutations.map((m) => versionWrite(m.itemKey, command.commitTs, m.item));
        await this.log.commit([...writes, ...command.system]);
        return;
      }
      case 'gc': {
        await this.log.commit(command.garbage.map((key) => ({ type: 'del' as const, key })));
        return;
      }
      default: {
        const unknown: never = command;
        throw new InternalError(`unknown range command ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** A read at a fresh timestamp (or at `readTs`), after writers already latched on the key. */
  async read(itemKey: Buffer, readTs?: bigint): Promise<VersionRead> {
    const ts = readTs ?? (await this.clock.now());
    await this.latches.waitForWriters(itemKey);
    return readVersion(this.store, itemKey, ts);
  }

  /** Items visible at `readTs` in [start, end) of this range. */
  scan(start: Buffer, end: Buffer, readTs: bigint): AsyncGenerator<VisibleItem> {
    return scanVisible(this.store, start, end, readTs);
  }

  /**
   * Evaluates a write over `itemKeys` under their latches against the latest
   * committed versions (in the same order as `itemKeys`), then commits what
   * the evaluation decided at a timestamp drawn after the latches were taken.
   */
  async write<T>(itemKeys: readonly Buffer[], evaluate: (current: VersionRead[]) => Evaluation<T>): Promise<T> {
    const release = await this.latches.acquire(itemKeys);
    try {
      const current = await Promise.all(itemKeys.map((key) => readVersion(this.store, key, LATEST)));
      const evaluation = evaluate(current);
      const system = evaluation.system ?? [];
      if (evaluation.mutations.length > 0 || system.length > 0) {
        const commitTs = await this.clock.now();
        await this.apply({ type: 'write', commitTs, mutations: evaluation.mutations, system });
      }
      return evaluation.result;
    } finally {
      release();
    }
  }

  /**
   * One bounded garbage-collection pass over this range's versions older than
   * `retentionMs`; returns the cursor for the next pass.
   */
  async collectGarbage(retentionMs: number, cursor: GcCursor | undefined): Promise<{ deleted: number; next: GcCursor | undefined }> {
    const safeTs = timestampBeforeMs(await this.clock.now(), retentionMs);
    const pass = await findGarbage(this.store, safeTs, cursor);
    if (pass.garbage.length > 0) await this.apply({ type: 'gc', garbage: pass.garbage });
    return { deleted: pass.garbage.length, next: pass.next };
  }

  /** Write requests holding or waiting for latches (for metrics and tests). */
  get pendingWrites(): number {
    return this.latches.pending;
  }
}
