/**
 * Majority quorum math over one voter set (membership changes one voter at a
 * time, so a single majority configuration suffices: any two consecutive
 * configurations' majorities intersect).
 */
import type { NodeId } from '../messages.js';

export type VoteResult = 'won' | 'lost' | 'pending';

export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The largest value that a majority of voters have reached, e.g. the commit
 * index from match indexes. Voters without a value count as `missing`.
 * An empty voter set returns +Infinity, so it never limits anything.
 */
export function committedIndex(
  voters: ReadonlySet<NodeId>,
  acked: (id: NodeId) => number | undefined,
  missing = 0,
): number {
  if (voters.size === 0) return Number.POSITIVE_INFINITY;
  const values: number[] = [];
  for (const id of voters) values.push(acked(id) ?? missing);
  values.sort((a, b) => b - a);
  return values[quorumSize(values.length) - 1]!;
}

/** Whether `votes` (true = granted) settle an election among `voters`. */
export function voteResult(voters: ReadonlySet<NodeId>, votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.size === 0) return 'won';
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const q = quorumSize(voters.size);
  if (granted >= q) return 'won';
  if (granted + missing >= q) return 'pending';
  return 'lost';
}
