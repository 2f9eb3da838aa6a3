/**
 * RawNode: the application's handle on one Raft group. The application
 * drives it in a loop:
 *   1. tick() on a timer; step(m) for every message received;
 *      propose()/readIndex()/... for client requests.
 *   2. if hasReady(): rd = ready(), then in this order:
 *      persist rd.snapshot, rd.entries and rd.hardState to Storage (synced if rd.mustSync);
 *      send rd.messages; apply rd.snapshot and rd.committedEntries to the
 *      state machine (calling applyConfChange for conf-change entries);
 *      serve rd.readStates once applied >= their index;
 *      advance(rd).
 * Nothing here does I/O; the core stays deterministic.
 */
import { encodeConfChange, type ConfChange } from './conf-change.js';
import { InvalidMessageError, invariant } from './errors.js';
import {
  NONE,
  hardStateEqual,
  isLocalOnly,
  isResponse,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type Snapshot,
} from './messages.js';
import { Raft, type RaftConfig, type ReadState, type SoftState } from './raft.js';

export interface Ready {
  /** Set when leader or role changed since the last Ready. Volatile, need not be persisted. */
  readonly softState: SoftState | undefined;
  /** Set when term, vote or commit changed; persist before sending messages. */
  readonly hardState: HardState | undefined;
  readonly readStates: readonly ReadState[];
  /** Entries to append to stable storage before sending messages. */
  readonly entries: readonly Entry[];
  /** A snapshot to install into storage and the state machine. */
  readonly snapshot: Snapshot | undefined;
  /** Committed entries to apply to the state machine, in order. */
  readonly committedEntries: readonly Entry[];
  /**
   * Messages to send after entries and hard state are persisted; except that
   * when `appendsMayPrecedePersist` is set, the 'app' and 'heartbeat'
   * messages may be sent before (or while) this Ready is persisted.
   */
  readonly messages: readonly Message[];
  /**
   * Set for a leader whose term and vote did not change in this Ready: its
   * appends and heartbeats may go out while the Ready is being persisted, so
   * the followers' writes overlap the leader's (Raft thesis 10.2.1; etcd's
   * raft allows the same). Safe as long as Readys are handled one at a time:
   * the leader counts its own copy toward commit at append time, but a
   * commit index reaches other nodes only in a message of a LATER Ready,
   * which is handed out after this one's write completed; and the commit of
   * an entry sent here needs an acknowledgement that arrives after this
   * Ready's messages were built.
   */
  readonly appendsMayPrecedePersist: boolean;
  /** Whether the writes must be synced (new entries, or term/vote changed). */
  readonly mustSync: boolean;
}

/** Whether `m` of `rd` may be sent before `rd` is persisted (see Ready.appendsMayPrecedePersist). */
export function sendableBeforePersist(rd: Ready, m: Message): boolean {
  return rd.appendsMayPrecedePersist && (m.type === 'app' || m.type === 'heartbeat');
}

export interface Status {
  readonly id: NodeId;
  readonly hardState: HardState;
  readonly softState: SoftState;
  readonly applied: number;
  readonly lastIndex: number;
  readonly leadTransferee: NodeId;
}

export class RawNode {
  readonly raft: Raft;
  private prevSoftState: SoftState;
  private prevHardState: HardState;

  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    this.prevSoftState = this.raft.softState();
    this.prevHardState = this.raft.hardState();
  }

  tick(): void {
    this.raft.tick();
  }

  /** Start an election now (skipping the timeout; still a pre-election if PreVote is on). */
  campaign(): void {
    this.raft.step({ type: 'hup', transfer: false, from: this.raft.id, to: this.raft.id, term: 0 });
  }

  /** Propose `data`. Throws NotLeaderError (no leader, or forwarding disabled) or ProposalDroppedError. */
  propose(data: Uint8Array): void {
    this.raft.step({ type: 'prop', from: this.raft.id, to: NONE, term: 0, entries: [{ type: 'normal', data }] });
  }

  proposeConfChange(cc: ConfChange): void {
    this.raft.step({
      type: 'prop',
      from: this.raft.id,
      to: NONE,
      term: 0,
      entries: [{ type: 'conf-change', data: encodeConfChange(cc) }],
    });
  }

  /** Deliver a message from the network. */
  step(m: Message): void {
    if (isLocalOnly(m.type)) throw new InvalidMessageError(`${m.type} cannot arrive from the network`);
    // A response from a node we do not track (e.g. removed) carries nothing we can use.
    if (isResponse(m.type) && m.type !== 'read-index-resp' && !this.raft.trk.progress.has(m.from)) return;
    this.raft.step(m);
  }

  /** Apply a committed conf change; returns the new membership (to store with snapshots). */
  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /**
   * Request a linearizable read point. The answer arrives as a ReadState with
   * the same `context` in a later Ready (the context must be unique).
   */
  readIndex(context: string): void {
    this.raft.step({ type: 'read-index', from: this.raft.id, to: NONE, term: 0, context });
  }

  /** Ask the leader to hand leadership to `transferee`. */
  transferLeader(transferee: NodeId): void {
    this.raft.step({ type: 'transfer-leader', from: transferee, to: this.raft.id, term: 0 });
  }

  reportUnreachable(id: NodeId): void {
    this.raft.step({ type: 'unreachable', from: id, to: this.raft.id, term: 0 });
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    this.raft.step({ type: 'snap-status', from: id, to: this.raft.id, term: 0, reject: !ok });
  }

  hasReady(): boolean {
    const r = this.raft;
    const soft = r.softState();
    if (soft.lead !== this.prevSoftState.lead || soft.role !== this.prevSoftState.role) return true;
    if (!hardStateEqual(r.hardState(), this.prevHardState)) return true;
    if (r.log.unstable.snapshot !== undefined) return true;
    if (r.msgs.length > 0 || r.log.unstableEntries().length > 0 || r.log.hasNextCommittedEntries()) return true;
    return r.readStates.length > 0;
  }

  /** Everything the application must do now. Call advance() with it when done. */
  ready(): Ready {
    const r = this.raft;
    const soft = r.softState();
    const hard = r.hardState();
    const softChanged = soft.lead !== this.prevSoftState.lead || soft.role !== this.prevSoftState.role;
    const hardChanged = !hardStateEqual(hard, this.prevHardState);
    const entries = [...r.log.unstableEntries()];
    const rd: Ready = {
      softState: softChanged ? soft : undefined,
      hardState: hardChanged ? hard : undefined,
      readStates: r.readStates,
      entries,
      snapshot: r.log.unstable.snapshot,
      committedEntries: r.log.nextCommittedEntries(),
      messages: r.msgs,
      mustSync:
        entries.length > 0 || hard.term !== this.prevHardState.term || hard.vote !== this.prevHardState.vote,
      appendsMayPrecedePersist:
        r.role === 'leader' && hard.term === this.prevHardState.term && hard.vote === this.prevHardState.vote,
    };
    r.msgs = [];
    r.readStates = [];
    if (softChanged) this.prevSoftState = soft;
    if (hardChanged) this.prevHardState = hard;
    return rd;
  }

  /** The application has persisted, sent and applied everything in `rd`. */
  advance(rd: Ready): void {
    const r = this.raft;
    const lastCommitted = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastCommitted !== undefined) {
      r.log.appliedTo(lastCommitted.index);
      r.reduceUncommittedSize(rd.committedEntries);
    } else if (rd.snapshot !== undefined) {
      r.log.appliedTo(rd.snapshot.metadata.index);
    }
    const lastEntry = rd.entries[rd.entries.length - 1];
    if (lastEntry !== undefined) r.log.stableTo(lastEntry.index, lastEntry.term);
    if (rd.snapshot !== undefined) r.log.stableSnapTo(rd.snapshot.metadata.index);
    invariant(r.log.applied <= r.log.committed, () => 'applied beyond committed');
  }

  status(): Status {
    const r = this.raft;
    return {
      id: r.id,
      hardState: r.hardState(),
      softState: r.softState(),
      applied: r.log.applied,
      lastIndex: r.log.lastIndex(),
      leadTransferee: r.leadTransferee,
    };
  }
}
