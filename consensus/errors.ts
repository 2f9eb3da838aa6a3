/**
 * Typed errors of the consensus library. Each has a stable `code`. Errors that
 * signal a broken invariant (`RaftInvariantError`) mean a bug: the caller must
 * stop the replica rather than carry on with corrupt state.
 */
import type { NodeId } from './messages.js';

export type ConsensusErrorCode =
  | 'Compacted'
  | 'Unavailable'
  | 'SnapshotOutOfDate'
  | 'SnapshotTemporarilyUnavailable'
  | 'NotLeader'
  | 'ProposalDropped'
  | 'InvalidConfig'
  | 'InvalidMessage'
  | 'InvariantViolated'
  | 'ProposalTimeout'
  | 'ProposalsFull'
  | 'StateMachineClosed';

export abstract class ConsensusError extends Error {
  abstract readonly code: ConsensusErrorCode;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The requested index is below the storage's first index: it was compacted away. */
export class CompactedError extends ConsensusError {
  readonly code = 'Compacted' as const;
  constructor(index: number) {
    super(`log index ${index} is compacted`);
  }
}

/** The requested index is beyond the storage's last index. */
export class UnavailableError extends ConsensusError {
  readonly code = 'Unavailable' as const;
  constructor(index: number) {
    super(`log index ${index} is unavailable`);
  }
}

export class SnapshotOutOfDateError extends ConsensusError {
  readonly code = 'SnapshotOutOfDate' as const;
  constructor(index: number, current: number) {
    super(`snapshot at ${index} is older than the current snapshot at ${current}`);
  }
}

export class SnapshotTemporarilyUnavailableError extends ConsensusError {
  readonly code = 'SnapshotTemporarilyUnavailable' as const;
  constructor() {
    super('snapshot is temporarily unavailable');
  }
}

/** The node cannot serve the request; `leader` is the leader it knows of (NONE if none). */
export class NotLeaderError extends ConsensusError {
  readonly code = 'NotLeader' as const;
  constructor(readonly leader: NodeId) {
    super(leader === 0 ? 'not leader; no leader known' : `not leader; leader is ${leader}`);
  }
}

/** The leader refused the proposal (leader transfer under way, limits reached, pending conf change). */
export class ProposalDroppedError extends ConsensusError {
  readonly code = 'ProposalDropped' as const;
}

export class InvalidConfigError extends ConsensusError {
  readonly code = 'InvalidConfig' as const;
}

/** A message the network must never deliver (a local-only type). */
export class InvalidMessageError extends ConsensusError {
  readonly code = 'InvalidMessage' as const;
}

export class RaftInvariantError extends ConsensusError {
  readonly code = 'InvariantViolated' as const;
}

/** Assert an invariant; a failure is a bug, so it throws loudly instead of continuing. */
export function invariant(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new RaftInvariantError(message());
}
