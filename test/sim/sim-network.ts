/**
 * A seeded, lossy network for the simulator: messages are delayed by a random
 * number of steps (so they reorder), dropped, duplicated, and cut by
 * partitions. One seed reproduces every decision.
 */
import type { Message, NodeId } from '../../consensus/messages.js';
import type { SeededRandom } from '../../consensus/random.js';

export interface NetworkFaults {
  dropRate: number;
  duplicateRate: number;
  /** Delivery delay in steps, uniformly in [minDelay, maxDelay]. */
  minDelay: number;
  maxDelay: number;
}

/** More in flight than this is a flood (a bug); the network drops the excess, as a full socket buffer would. */
export const MAX_IN_FLIGHT_MESSAGES = 20_000;

interface InFlight {
  at: number;
  seq: number;
  msg: Message;
}

export class SimNetwork {
  private inFlight: InFlight[] = [];
  private seq = 0;
  /** Partition group per node; messages only flow within a group. Empty = fully connected. */
  private groups = new Map<NodeId, number>();
  dropped = 0;
  delivered = 0;

  constructor(
    private readonly rng: SeededRandom,
    private readonly faults: NetworkFaults,
  ) {}

  /** Returns false when the message was lost at send time. */
  send(msg: Message, now: number): boolean {
    if (this.inFlight.length >= MAX_IN_FLIGHT_MESSAGES || this.rng.chance(this.faults.dropRate)) {
      this.dropped++;
      return false;
    }
    const copies = this.rng.chance(this.faults.duplicateRate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const delay = this.faults.minDelay + this.rng.nextInt(this.faults.maxDelay - this.faults.minDelay + 1);
      this.inFlight.push({ at: now + delay, seq: this.seq++, msg });
    }
    return true;
  }

  /** Messages due at `now`, in a seeded random order, minus those a partition cuts. */
  due(now: number): Message[] {
    const ready = this.inFlight.filter((f) => f.at <= now);
    this.inFlight = this.inFlight.filter((f) => f.at > now);
    for (let i = ready.length - 1; i > 0; i--) {
      const j = this.rng.nextInt(i + 1);
      [ready[i], ready[j]] = [ready[j]!, ready[i]!];
    }
    const out: Message[] = [];
    for (const f of ready) {
      if (this.connected(f.msg.from, f.msg.to)) out.push(f.msg);
      else this.dropped++;
    }
    this.delivered += out.length;
    return out;
  }

  connected(a: NodeId, b: NodeId): boolean {
    return (this.groups.get(a) ?? 0) === (this.groups.get(b) ?? 0);
  }

  partition(groups: ReadonlyMap<NodeId, number>): void {
    this.groups = new Map(groups);
  }

  heal(): void {
    this.groups.clear();
  }

  isPartitioned(): boolean {
    return this.groups.size > 0;
  }
}
