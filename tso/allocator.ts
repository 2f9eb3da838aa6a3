/**
 * The timestamp allocation algorithm shared by the embedded oracle and the TSO
 * group's leader (DESIGN.md section 7).
 *
 * Timestamps are handed out from memory, but only below a ceiling that has
 * first been made durable. On start the allocator resumes strictly above the
 * persisted ceiling, so no timestamp is ever handed out twice or lower than one
 * already given, across restarts and leader changes, even if the wall clock
 * jumps backwards. Contiguous ranges carry from the logical counter into the
 * physical part naturally, because a timestamp is `physical << 18 | logical`.
 */
import { composeTimestamp, MAX_TIMESTAMP, type Timestamp, timestampAtMs } from './timestamp.js';

/** Where the ceiling is made durable: a local RocksDB key, or the TSO Raft log. */
export interface CeilingStore {
  load(): Promise<Timestamp | undefined>;
  persist(ceiling: Timestamp): Promise<void>;
}

export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

export interface AllocatorOptions {
  /** How far above the clock each persisted ceiling reaches. */
  windowMs?: number;
  /** Renew the ceiling in the background when fewer than this many ms remain. */
  renewAheadMs?: number;
  /** The largest range one call may take. */
  maxBatch?: number;
}

export const DEFAULT_WINDOW_MS = 3_000;
export const DEFAULT_RENEW_AHEAD_MS = 1_000;
export const DEFAULT_MAX_BATCH = 65_536;

export class AllocatorNotStartedError extends Error {
  override readonly name = 'AllocatorNotStartedError';
}

export class AllocatorRangeError extends Error {
  override readonly name = 'AllocatorRangeError';
}

/** A contiguous range of timestamps: `first`, `first + 1`, ..., `first + count - 1`. */
export interface TimestampRange {
  first: Timestamp;
  count: number;
}

export class TimestampAllocator {
  private readonly windowMs: number;
  private readonly renewAheadMs: number;
  readonly maxBatch: number;
  /** The last timestamp handed out (or the persisted floor after start). */
  private last: Timestamp = -1n;
  /** Everything at or below this is covered by a durable ceiling. */
  private ceiling: Timestamp = -1n;
  private renewal: Promise<void> | undefined;
  private started = false;

  constructor(
    private readonly store: CeilingStore,
    private readonly clock: Clock = systemClock,
    options: AllocatorOptions = {},
  ) {
    this.windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
    this.renewAheadMs = options.renewAheadMs ?? DEFAULT_RENEW_AHEAD_MS;
    this.maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    if (this.renewAheadMs >= this.windowMs) {
      throw new AllocatorRangeError('renewAheadMs must be below windowMs');
    }
  }

  /** Loads the persisted ceiling and resumes strictly above it. */
  async start(): Promise<void> {
    const persisted = (await this.store.load()) ?? -1n;
    this.last = persisted;
    this.ceiling = persisted;
    this.started = true;
    await this.renew(this.last);
  }

  /** The last timestamp handed out; never decreases. */
  get lastIssued(): Timestamp {
    return this.last;
  }

  get persistedCeiling(): Timestamp {
    return this.ceiling;
  }

  /** One timestamp. */
  async next(): Promise<Timestamp> {
    return (await this.allocate(1)).first;
  }

  /** `count` contiguous timestamps, all strictly above every earlier one. */
  async allocate(count: number): Promise<TimestampRange> {
    if (!this.started) throw new AllocatorNotStartedError('allocator used before start()');
    if (!Number.isInteger(count) || count < 1 || count > this.maxBatch) {
      throw new AllocatorRangeError(`count must be an integer in [1, ${this.maxBatch}], got ${count}`);
    }
    for (;;) {
      const first = this.candidate();
      const last = first + BigInt(count) - 1n;
      if (last <= this.ceiling) {
        this.last = last;
        this.maybeRenewAhead();
        return { first, count };
      }
      await this.renew(last);
    }
  }

  private candidate(): Timestamp {
    const clockTs = timestampAtMs(this.clock.nowMs());
    const afterLast = this.last + 1n;
    return clockTs > afterLast ? clockTs : afterLast;
  }

  private maybeRenewAhead(): void {
    const aheadTs = timestampAtMs(this.clock.nowMs() + this.renewAheadMs);
    const threshold = aheadTs > this.last ? aheadTs : this.last;
    if (threshold > this.ceiling && this.renewal === undefined) {
      void this.renew(threshold).catch(() => {
        // A failed background renewal is retried by the next allocation that needs it.
      });
    }
  }

  /** Makes a ceiling of at least `needed + window` durable; one renewal in flight. */
  private async renew(needed: Timestamp): Promise<void> {
    while (this.renewal !== undefined) {
      await this.renewal;
      if (this.ceiling >= needed) return;
    }
    const base = needed > this.candidate() ? needed : this.candidate();
    const target = base + composeTimestamp(this.windowMs, 0);
    if (target > MAX_TIMESTAMP) throw new AllocatorRangeError('timestamp space exhausted');
    this.renewal = this.store.persist(target).then(() => {
      if (target > this.ceiling) this.ceiling = target;
    });
    try {
      await this.renewal;
    } finally {
      this.renewal = undefined;
    }
  }
}
