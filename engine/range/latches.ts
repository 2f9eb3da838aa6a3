/**
 * Key latches: short-lived, in-memory, per-key FIFO exclusion for the time a
 * write is evaluated, timestamped and applied (DESIGN.md section 6).
 *
 * A request registers on all of its keys in one synchronous step, so requests
 * form one total order that every key agrees with: no deadlock is possible,
 * whatever order the keys come in. Readers do not latch; they wait for the
 * writers that were registered on their key when they drew their timestamp.
 */
import { EngineError } from '../errors.js';

/** At most this many write requests may hold or wait for latches at once. */
export const MAX_LATCH_REQUESTS = 10_000;

export class LatchOverloadError extends EngineError {
  readonly code = 'RequestLimitExceeded' as const;
  constructor() {
    super('Too many concurrent writes are waiting; retry with backoff');
  }
}

export type ReleaseLatches = () => void;

export class LatchManager {
  private readonly tails = new Map<string, Promise<void>>();
  private requests = 0;

  constructor(private readonly maxRequests = MAX_LATCH_REQUESTS) {}

  /** Waits until this request holds every key; returns the release function. */
  async acquire(keys: readonly Buffer[]): Promise<ReleaseLatches> {
    if (this.requests >= this.maxRequests) throw new LatchOverloadError();
    this.requests++;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const ids = [...new Set(keys.map(latchId))];
    const predecessors: Promise<void>[] = [];
    for (const id of ids) {
      const tail = this.tails.get(id);
      if (tail !== undefined) predecessors.push(tail);
      this.tails.set(id, held);
    }
    let released = false;
    const releaseAll: ReleaseLatches = () => {
      if (released) return;
      released = true;
      this.requests--;
      for (const id of ids) {
        if (this.tails.get(id) === held) this.tails.delete(id);
      }
      release();
    };
    if (predecessors.length > 0) await Promise.all(predecessors);
    return releaseAll;
  }

  /** Resolves once every writer registered on `key` right now has released it. */
  async waitForWriters(key: Buffer): Promise<void> {
    const tail = this.tails.get(latchId(key));
    if (tail !== undefined) await tail;
  }

  /** Number of write requests holding or waiting for latches. */
  get pending(): number {
    return this.requests;
  }
}

function latchId(key: Buffer): string {
  return key.toString('latin1');
}
