/**
 * The simulator's oracle. It watches every node and every client and throws
 * a SafetyViolation the moment one of Raft's guarantees breaks:
 * - election safety: at most one leader per term;
 * - committed entries never change (one entry per committed index, forever),
 *   and every new leader holds every committed entry (nothing vanishes);
 * - state machine safety: every node applies the same entries in index order;
 * - linearizable reads: a read returns a write at least as new as every write
 *   acknowledged before the read was issued.
 */
import type { Entry, NodeId } from '../../consensus/messages.js';
import type { RaftLog } from '../../consensus/log.js';
import { CompactedError } from '../../consensus/errors.js';

export class SafetyViolation extends Error {
  readonly code = 'SafetyViolation' as const;
}

interface CommittedEntry {
  term: number;
  digest: string;
  /** An upper bound on the term in which it was committed: the applying node's term when first seen. */
  committedBy: number;
}

function digest(e: Entry): string {
  return `${e.type}:${Array.from(e.data).join(',')}`;
}

export class SafetyChecker {
  private readonly leaders = new Map<number, NodeId>();
  private readonly committed = new Map<number, CommittedEntry>();
  private maxCommitted = 0;
  /** Per key, the log index of the newest acknowledged write. */
  private readonly ackedWrite = new Map<string, number>();
  readsChecked = 0;

  observeLeader(id: NodeId, term: number): void {
    const existing = this.leaders.get(term);
    if (existing !== undefined && existing !== id) {
      throw new SafetyViolation(`two leaders in term ${term}: ${existing} and ${id}`);
    }
    this.leaders.set(term, id);
  }

  /** Leader completeness: a leader's log holds every entry committed in an earlier term. */
  checkLeaderLog(id: NodeId, term: number, log: RaftLog): void {
    const first = log.firstIndex();
    for (let i = Math.max(first, 1); i <= this.maxCommitted; i++) {
      const c = this.committed.get(i);
      if (c === undefined || c.committedBy >= term) continue; // a stale leader may lack it
      let t: number;
      try {
        t = log.term(i);
      } catch (err) {
        if (err instanceof CompactedError) continue;
        throw err;
      }
      if (t !== c.term) {
        throw new SafetyViolation(`leader ${id} of term ${term} has term ${t} at committed index ${i} (committed term ${c.term})`);
      }
    }
  }

  /** A node applied `e` right after `prevApplied`. */
  observeApply(id: NodeId, nodeTerm: number, prevApplied: number, e: Entry): void {
    if (e.index !== prevApplied + 1) {
      throw new SafetyViolation(`node ${id} applied ${e.index} after ${prevApplied}`);
    }
    const seen = this.committed.get(e.index);
    const mine = { term: e.term, digest: digest(e), committedBy: nodeTerm };
    if (seen !== undefined) seen.committedBy = Math.min(seen.committedBy, nodeTerm);
    if (seen === undefined) {
      this.committed.set(e.index, mine);
      this.maxCommitted = Math.max(this.maxCommitted, e.index);
    } else if (seen.term !== mine.term || seen.digest !== mine.digest) {
      throw new SafetyViolation(`node ${id} applied ${e.term}/${e.index} but ${seen.term}/${e.index} was committed with other data`);
    }
  }

  /** A snapshot installed at `index` must agree with the committed entry there, if known. */
  observeSnapshot(id: NodeId, index: number, term: number): void {
    const seen = this.committed.get(index);
    if (seen !== undefined && seen.term !== term) {
      throw new SafetyViolation(`node ${id} installed snapshot ${term}/${index} but ${seen.term}/${index} was committed`);
    }
  }

  observeWriteAck(key: string, index: number): void {
    this.ackedWrite.set(key, Math.max(this.ackedWrite.get(key) ?? 0, index));
  }

  /** What a read of `key` issued now must at least return. */
  readFloor(key: string): number {
    return this.ackedWrite.get(key) ?? 0;
  }

  checkRead(id: NodeId, key: string, floor: number, resultIndex: number, kind: string): void {
    this.readsChecked++;
    if (resultIndex < floor) {
      throw new SafetyViolation(
        `stale ${kind} read of ${key} at node ${id}: saw the write at index ${resultIndex}, but the write at ${floor} was acknowledged before the read began`,
      );
    }
  }

  committedCount(): number {
    return this.committed.size;
  }
}
