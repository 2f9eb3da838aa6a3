/**
 * Safe ReadIndex bookkeeping on the leader: each read request remembers the
 * commit index at arrival and is released once a quorum has acknowledged a
 * heartbeat carrying its context (proof the leader was still the leader).
 * Requests are released in arrival order: an ack for a later context also
 * confirms every earlier one.
 */
import type { MsgReadIndex, NodeId } from './messages.js';

export interface ReadIndexStatus {
  readonly request: MsgReadIndex;
  readonly index: number;
  readonly acks: Set<NodeId>;
}

export class ReadOnlyQueue {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  constructor(readonly maxPending: number) {}

  get size(): number {
    return this.queue.length;
  }

  full(): boolean {
    return this.queue.length >= this.maxPending;
  }

  /** Returns false for a duplicate context (the first request stays authoritative). */
  add(index: number, request: MsgReadIndex): boolean {
    if (this.pending.has(request.context)) return false;
    this.pending.set(request.context, { request, index, acks: new Set() });
    this.queue.push(request.context);
    return true;
  }

  /** Record that `from` acknowledged `context`; returns who has acked it so far. */
  recvAck(from: NodeId, context: string): ReadonlySet<NodeId> | undefined {
    const status = this.pending.get(context);
    if (status === undefined) return undefined;
    status.acks.add(from);
    return status.acks;
  }

  /** Release `context` and every request queued before it. */
  advance(context: string): ReadIndexStatus[] {
    const at = this.queue.indexOf(context);
    if (at < 0) return [];
    const released = this.queue.slice(0, at + 1).map((ctx) => this.pending.get(ctx)!);
    for (const ctx of this.queue.slice(0, at + 1)) this.pending.delete(ctx);
    this.queue = this.queue.slice(at + 1);
    return released;
  }

  lastPendingContext(): string | null {
    return this.queue.length === 0 ? null : this.queue[this.queue.length - 1]!;
  }
}
