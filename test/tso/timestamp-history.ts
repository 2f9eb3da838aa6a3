/**
 * The oracle's correctness condition, checked over a recorded history of
 * timestamp calls: every timestamp handed out is unique, each client sees
 * its timestamps strictly increase in the order its responses arrived, and
 * a call that started after another call's response was received got a
 * larger timestamp (real-time order, across all clients).
 */

export interface TimestampCall {
  client: number;
  /** Position in one global event order (wall-clock order in one process; step order in the simulator). */
  startedAt: number;
  receivedAt: number;
  ts: bigint;
}

export class TimestampHistoryViolation extends Error {
  readonly code = 'TimestampHistoryViolation' as const;
}

export class TimestampHistory {
  readonly calls: TimestampCall[] = [];

  record(call: TimestampCall): void {
    this.calls.push(call);
  }

  /** Throws TimestampHistoryViolation at the first broken rule. */
  check(): void {
    const seen = new Set<bigint>();
    for (const c of this.calls) {
      if (seen.has(c.ts)) throw new TimestampHistoryViolation(`timestamp ${c.ts} handed out twice`);
      seen.add(c.ts);
    }
    const lastPerClient = new Map<number, TimestampCall>();
    for (const c of [...this.calls].sort((a, b) => a.receivedAt - b.receivedAt)) {
      const prev = lastPerClient.get(c.client);
      if (prev !== undefined && c.ts <= prev.ts) {
        throw new TimestampHistoryViolation(`client ${c.client}: ${c.ts} received after ${prev.ts}`);
      }
      lastPerClient.set(c.client, c);
    }
    // For each call, the largest timestamp among responses received strictly before it started.
    const byReceive = [...this.calls].sort((a, b) => a.receivedAt - b.receivedAt);
    const prefixMax: bigint[] = [];
    let max = -1n;
    for (const c of byReceive) prefixMax.push((max = c.ts > max ? c.ts : max));
    for (const c of this.calls) {
      let lo = 0;
      let hi = byReceive.length; // first index with receivedAt >= c.startedAt
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (byReceive[mid]!.receivedAt < c.startedAt) lo = mid + 1;
        else hi = mid;
      }
      const floor = lo === 0 ? -1n : prefixMax[lo - 1]!;
      if (c.ts <= floor) {
        throw new TimestampHistoryViolation(`client ${c.client} got ${c.ts} although ${floor} was received before its call began`);
      }
    }
  }
}
