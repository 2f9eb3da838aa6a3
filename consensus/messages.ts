/**
 * The data the Raft core speaks: log entries, persistent state, snapshots and
 * the message union. Every message kind is one member of `Message`, keyed by
 * `type`; handlers switch over it exhaustively (see `assertNever`).
 */

export type NodeId = number;

/** No node: "no leader known", "voted for nobody". Node ids start at 1. */
export const NONE: NodeId = 0;

export type EntryType = 'normal' | 'conf-change';

export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** What a proposer hands in; the leader assigns term and index. */
export interface EntryProposal {
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** Persisted before any message that depends on it is sent. */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
}

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: NONE, commit: 0 };

export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export interface SnapshotMetadata {
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
}

export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  readonly data: Uint8Array;
}

export const EMPTY_SNAPSHOT: Snapshot = {
  metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } },
  data: new Uint8Array(0),
};

export function isEmptySnapshot(s: Snapshot): boolean {
  return s.metadata.index === 0;
}

export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

interface Header {
  from: NodeId;
  to: NodeId;
  /** 0 marks a local message (or a forwarded proposal/read), which any term accepts. */
  term: number;
}

/** Local: start an election now. `transfer` marks a leader-transfer campaign. */
export interface MsgHup extends Header { type: 'hup'; transfer: boolean }
/** Local (leader): broadcast heartbeats now. */
export interface MsgBeat extends Header { type: 'beat' }
/** Local (leader): step down unless a quorum was recently active. */
export interface MsgCheckQuorum extends Header { type: 'check-quorum' }
/** A proposal; local, or forwarded by a follower to its leader. */
export interface MsgProp extends Header { type: 'prop'; entries: EntryProposal[] }
export interface MsgApp extends Header {
  type: 'app';
  /** Index and term of the entry just before `entries`. */
  index: number;
  logTerm: number;
  entries: Entry[];
  commit: number;
}
export interface MsgAppResp extends Header {
  type: 'app-resp';
  /** Accepted: the last index now matching. Rejected: the `index` of the refused MsgApp. */
  index: number;
  reject: boolean;
  /** Rejected only: where the leader should probe next (fast backtracking). */
  rejectHint: number;
  /** Rejected only: the follower's term at `rejectHint`. */
  logTerm: number;
}
export interface MsgVote extends Header {
  type: 'vote' | 'pre-vote';
  index: number;
  logTerm: number;
  /** Leader transfer: voters grant even while they still trust a leader. */
  force: boolean;
}
export interface MsgVoteResp extends Header { type: 'vote-resp' | 'pre-vote-resp'; reject: boolean }
export interface MsgHeartbeat extends Header {
  type: 'heartbeat';
  commit: number;
  /** The pending ReadIndex request this heartbeat confirms leadership for, if any. */
  context: string | null;
  /** Leader's tick at send time, echoed back; grounds the leader lease. */
  leaseTick: number;
}
export interface MsgHeartbeatResp extends Header {
  type: 'heartbeat-resp';
  context: string | null;
  leaseTick: number;
}
export interface MsgSnap extends Header { type: 'snap'; snapshot: Snapshot }
/** Local (leader): the application reports how sending a snapshot went. */
export interface MsgSnapStatus extends Header { type: 'snap-status'; reject: boolean }
/** Local (leader): the application could not reach `from`. */
export interface MsgUnreachable extends Header { type: 'unreachable' }
/** Ask the leader to hand leadership to `from`. */
export interface MsgTransferLeader extends Header { type: 'transfer-leader' }
/** Leader to transferee: campaign now, ignoring the election timeout. */
export interface MsgTimeoutNow extends Header { type: 'timeout-now' }
export interface MsgReadIndex extends Header { type: 'read-index'; context: string }
export interface MsgReadIndexResp extends Header { type: 'read-index-resp'; context: string; index: number }

export type Message =
  | MsgHup
  | MsgBeat
  | MsgCheckQuorum
  | MsgProp
  | MsgApp
  | MsgAppResp
  | MsgVote
  | MsgVoteResp
  | MsgHeartbeat
  | MsgHeartbeatResp
  | MsgSnap
  | MsgSnapStatus
  | MsgUnreachable
  | MsgTransferLeader
  | MsgTimeoutNow
  | MsgReadIndex
  | MsgReadIndexResp;

export type MessageType = Message['type'];

/** Messages that only the local application may inject; a network must never deliver them. */
const LOCAL_ONLY: ReadonlySet<MessageType> = new Set<MessageType>([
  'hup',
  'beat',
  'check-quorum',
  'snap-status',
  'unreachable',
]);

export function isLocalOnly(type: MessageType): boolean {
  return LOCAL_ONLY.has(type);
}

export function isResponse(type: MessageType): boolean {
  return (
    type === 'app-resp' ||
    type === 'vote-resp' ||
    type === 'pre-vote-resp' ||
    type === 'heartbeat-resp' ||
    type === 'read-index-resp'
  );
}

/** Compile-time exhaustiveness: a new union member that is not handled fails to type-check. */
export function assertNever(value: never): never {
  throw new Error(`unhandled variant: ${JSON.stringify(value)}`);
}

/** Bytes an entry costs against size limits (payload plus a fixed header estimate). */
export const ENTRY_OVERHEAD_BYTES = 24;

export function entrySizeBytes(e: { data: Uint8Array }): number {
  return e.data.length + ENTRY_OVERHEAD_BYTES;
}
