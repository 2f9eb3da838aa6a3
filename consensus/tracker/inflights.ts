/**
 * The bounded window of MsgApps in flight to one follower: a ring of the last
 * index each one carried. When it is full the leader stops sending until
 * acknowledgements free slots (flow control).
 */
import { invariant } from '../errors.js';

export class Inflights {
  private start = 0;
  private count = 0;
  private readonly buffer: number[];

  constructor(readonly capacity: number) {
    invariant(capacity > 0, () => `inflight capacity must be positive, got ${capacity}`);
    this.buffer = new Array<number>(capacity).fill(0);
  }

  get size(): number {
    return this.count;
  }

  full(): boolean {
    return this.count === this.capacity;
  }

  add(lastIndex: number): void {
    invariant(!this.full(), () => 'cannot add to a full inflights window');
    this.buffer[(this.start + this.count) % this.capacity] = lastIndex;
    this.count++;
  }

  /** Free every in-flight message whose last index is <= `index` (acknowledged). */
  freeLE(index: number): void {
    while (this.count > 0 && this.buffer[this.start]! <= index) {
      this.start = (this.start + 1) % this.capacity;
      this.count--;
    }
  }

  /** Free the oldest slot: the leader lets one more message out after a heartbeat response, so a lost MsgApp cannot wedge a full window. */
  freeFirstOne(): void {
    if (this.count === 0) return;
    this.start = (this.start + 1) % this.capacity;
    this.count--;
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
  }
}
