/**
 * The leader's (and candidate's) view of the group: the voter and learner
 * sets, one Progress per member, and the votes of the current election.
 */
import { NONE, type ConfState, type NodeId } from '../messages.js';
import { committedIndex, voteResult, type VoteResult } from '../quorum/majority.js';
import { Progress } from './progress.js';

export class ProgressTracker {
  voters = new Set<NodeId>();
  learners = new Set<NodeId>();
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();

  constructor(private readonly maxInflight: number) {}

  confState(): ConfState {
    return { voters: sortedIds(this.voters), learners: sortedIds(this.learners) };
  }

  /** Replace membership with `cs`; progress of new members starts at `nextIndex`. */
  reset(cs: ConfState, nextIndex: number): void {
    this.voters = new Set(cs.voters);
    this.learners = new Set(cs.learners);
    this.progress.clear();
    for (const id of cs.voters) this.progress.set(id, new Progress(nextIndex, this.maxInflight, false));
    for (const id of cs.learners) this.progress.set(id, new Progress(nextIndex, this.maxInflight, true));
  }

  addVoter(id: NodeId, nextIndex: number): void {
    this.learners.delete(id);
    this.voters.add(id);
    const pr = this.progress.get(id);
    if (pr !== undefined) pr.isLearner = false; // promotion keeps the learner's progress
    else this.progress.set(id, this.newProgress(nextIndex, false));
  }

  addLearner(id: NodeId, nextIndex: number): void {
    if (this.voters.has(id) || this.learners.has(id)) return;
    this.learners.add(id);
    this.progress.set(id, this.newProgress(nextIndex, true));
  }

  remove(id: NodeId): void {
    this.voters.delete(id);
    this.learners.delete(id);
    this.progress.delete(id);
  }

  private newProgress(nextIndex: number, learner: boolean): Progress {
    const pr = new Progress(nextIndex, this.maxInflight, learner);
    // A new member counts as active so that check-quorum does not depose the leader before it answers.
    pr.recentActive = true;
    return pr;
  }

  isVoter(id: NodeId): boolean {
    return this.voters.has(id);
  }

  isSingleton(): boolean {
    return this.voters.size === 1;
  }

  /** Ids in ascending order, so iteration (and thus message order) is deterministic. */
  ids(): NodeId[] {
    return sortedIds(this.progress.keys());
  }

  committed(): number {
    return committedIndex(this.voters, (id) => this.progress.get(id)?.match);
  }

  quorumActive(self: NodeId): boolean {
    const votes = new Map<NodeId, boolean>();
    for (const id of this.voters) {
      const pr = this.progress.get(id);
      votes.set(id, id === self || (pr?.recentActive ?? false));
    }
    return voteResult(this.voters, votes) === 'won';
  }

  resetVotes(): void {
    this.votes.clear();
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voters) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    return { granted, rejected, result: voteResult(this.voters, this.votes) };
  }
}

export function sortedIds(ids: Iterable<NodeId>): NodeId[] {
  return [...ids].filter((id) => id !== NONE).sort((a, b) => a - b);
}
