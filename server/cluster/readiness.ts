/**
 * The part of a cluster node's readiness that is about catching up: a node
 * whose replicas have not applied what they know is committed (after a
 * restart, or while installing a snapshot) serves stale follower state and
 * makes its clients wait, so /ready says not ready until they have. Read
 * from memory (the groups' indexes), no I/O.
 */

/** /ready fails while a group on this node has applied more than this many entries fewer than it knows committed. */
export const READY_APPLY_LAG_MAX = 1_000;
/** Groups named in the reason at most (a node may hold thousands). */
export const READY_REASON_GROUPS_MAX = 10;

export interface GroupProgress {
  /** `tso`, `meta`, or `range-<id>`. */
  group: string;
  commitIndex: number;
  appliedIndex: number;
}

/** Why the node is not caught up (the groups behind by more than `maxLag` entries), or undefined when it is. */
export function applyLagReason(groups: readonly GroupProgress[], maxLag = READY_APPLY_LAG_MAX): string | undefined {
  const behind = groups.filter((g) => g.commitIndex - g.appliedIndex > maxLag);
  if (behind.length === 0) return undefined;
  const named = behind.slice(0, READY_REASON_GROUPS_MAX).map((g) => `${g.group} (applied ${g.appliedIndex} of ${g.commitIndex})`);
  if (behind.length > named.length) named.push(`and ${behind.length - named.length} more`);
  return `groups applied more than ${maxLag} entries behind their commit index: ${named.join(', ')}`;
}
