/**
 * The Raft protocol as a pure state machine, in the etcd-io/raft style: one
 * class whose `step` dispatches to a per-role function (follower, candidate
 * and pre-candidate, leader). It never does I/O: it appends what must be
 * persisted to its log, what must be sent to `msgs`, and time only moves when
 * the application calls `tick()`. RawNode wraps it with Ready/advance.
 */
import { decodeConfChange, type ConfChange } from './conf-change.js';
import {
  CompactedError,
  InvalidConfigError,
  NotLeaderError,
  ProposalDroppedError,
  SnapshotTemporarilyUnavailableError,
  invariant,
  type ConsensusError,
} from './errors.js';
import { RaftLog } from './log.js';
import {
  NONE,
  assertNever,
  isEmptySnapshot,
  type ConfState,
  type Entry,
  type EntryProposal,
  type HardState,
  type Message,
  type MsgApp,
  type MsgHeartbeat,
  type MsgReadIndex,
  type MsgSnap,
  type NodeId,
  type Snapshot,
} from './messages.js';
import { committedIndex, voteResult, type VoteResult } from './quorum/majority.js';
import type { RandomSource } from './random.js';
import { ReadOnlyQueue } from './read-only.js';
import type { Storage } from './storage.js';
import type { Progress } from './tracker/progress.js';
import { ProgressTracker, sortedIds } from './tracker/progress-tracker.js';

export type RaftRole = 'follower' | 'candidate' | 'pre-candidate' | 'leader';

/** How the leader confirms it is still the leader before answering a ReadIndex. */
export type ReadOnlyOption = 'safe' | 'lease-based';

/** Default limits; every queue and batch in the core has one. */
export const DEFAULT_MAX_MSG_BYTES = 1024 * 1024;
export const DEFAULT_MAX_INFLIGHT_MSGS = 256;
export const DEFAULT_MAX_APPLY_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_UNCOMMITTED_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_PENDING_READS = 1024;

export interface RaftConfig {
  /** This node's id; never NONE (0). */
  id: NodeId;
  /** Ticks without hearing from a leader before a follower campaigns (randomized in [n, 2n)). */
  electionTick: number;
  /** Ticks between leader heartbeats; must be < electionTick. */
  heartbeatTick: number;
  storage: Storage;
  /** Seeded randomness for election timeouts. */
  random: RandomSource;
  /** The last index the application applied before a restart. */
  applied?: number;
  /** Most bytes of entries in one MsgApp (at least one entry is always sent). */
  maxMsgBytes?: number;
  /** Most MsgApps in flight to one follower in replicate state. */
  maxInflightMsgs?: number;
  /** Most bytes of committed entries per Ready. */
  maxApplyBytes?: number;
  /** Most bytes of uncommitted entry payloads a leader accepts before dropping proposals. */
  maxUncommittedBytes?: number;
  /** Most ReadIndex requests waiting at the leader. */
  maxPendingReads?: number;
  /** Leader steps down when it has not heard from a quorum for an election timeout. */
  checkQuorum?: boolean;
  /** Run a pre-election so a partitioned node cannot disrupt the group by bumping the term. */
  preVote?: boolean;
  readOnly?: ReadOnlyOption;
  /** Lease length in ticks for lease-based reads; must be <= electionTick - 2 (default). */
  leaseTicks?: number;
  /** Followers refuse proposals (NotLeaderError) instead of forwarding them. */
  disableProposalForwarding?: boolean;
}

export interface SoftState {
  readonly lead: NodeId;
  readonly role: RaftRole;
}

/** A ReadIndex result: once the application has applied `index`, a read for `context` is linearizable. */
export interface ReadState {
  readonly index: number;
  readonly context: string;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A message as the core builds it; `send` fills in `from` and (for most types) `term`. */
type Outgoing = DistributiveOmit<Message, 'from' | 'term'> & { term?: number };

type CampaignKind = 'pre-election' | 'election' | 'transfer';

const EMPTY_DATA = new Uint8Array(0);

export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  role: RaftRole = 'follower';
  readonly log: RaftLog;
  readonly trk: ProgressTracker;
  /** Outbox; RawNode hands it to the application in the next Ready. */
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  leadTransferee: NodeId = NONE;
  /** Index of the latest conf-change entry the leader proposed; another waits until it is applied. */
  pendingConfIndex = 0;

  private readonly electionTimeout: number;
  private readonly heartbeatTimeout: number;
  private readonly maxMsgBytes: number;
  private readonly maxUncommittedBytes: number;
  private readonly maxPendingReads: number;
  private readonly checkQuorum: boolean;
  private readonly preVote: boolean;
  private readonly readOnlyOption: ReadOnlyOption;
  private readonly leaseTicks: number;
  private readonly disableProposalForwarding: boolean;
  private readonly random: RandomSource;

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  /** Ticks since this node last heard from a leader (or booted, with leases); votes are refused meanwhile. */
  private leaderContactElapsed: number;
  /** Monotonic tick count; heartbeats carry it so the leader can date its lease. */
  private ticks = 0;
  /** Set once TimeoutNow was sent: the transferee may win without waiting for leases to expire. */
  private leaseRevoked = false;
  private uncommittedBytes = 0;
  private readOnly: ReadOnlyQueue;
  /** ReadIndex requests that arrived before the leader committed an entry of its term. */
  private pendingReadRequests: MsgReadIndex[] = [];
  /** Index of the storage snapshot at start, whose membership seeded the tracker. */
  private readonly snapshotIndex: number;
  private stepRole: (m: Message) => void;
  private tickRole: () => void;

  constructor(config: RaftConfig) {
    validateConfig(config);
    this.id = config.id;
    this.electionTimeout = config.electionTick;
    this.heartbeatTimeout = config.heartbeatTick;
    this.maxMsgBytes = config.maxMsgBytes ?? DEFAULT_MAX_MSG_BYTES;
    this.maxUncommittedBytes = config.maxUncommittedBytes ?? DEFAULT_MAX_UNCOMMITTED_BYTES;
    this.maxPendingReads = config.maxPendingReads ?? DEFAULT_MAX_PENDING_READS;
    this.checkQuorum = config.checkQuorum ?? false;
    this.preVote = config.preVote ?? false;
    this.readOnlyOption = config.readOnly ?? 'safe';
    this.leaseTicks = config.leaseTicks ?? config.electionTick - 2;
    this.disableProposalForwarding = config.disableProposalForwarding ?? false;
    this.random = config.random;
    this.readOnly = new ReadOnlyQueue(this.maxPendingReads);
    // A restarted node may have promised a lease to a leader before crashing; it honours it for one election timeout.
    this.leaderContactElapsed = this.readOnlyOption === 'lease-based' ? 0 : this.electionTimeout;

    this.log = new RaftLog(config.storage, config.maxApplyBytes ?? DEFAULT_MAX_APPLY_BYTES);
    const { hardState, confState } = config.storage.initialState();
    this.snapshotIndex = config.storage.snapshot().metadata.index;
    this.trk = new ProgressTracker(config.maxInflightMsgs ?? DEFAULT_MAX_INFLIGHT_MSGS);
    this.trk.reset(confState, this.log.lastIndex() + 1);
    if (hardState.term !== 0 || hardState.vote !== NONE || hardState.commit !== 0) this.loadState(hardState);
    if (config.applied !== undefined && config.applied > 0) {
      this.log.appliedTo(config.applied);
      this.replayAppliedConfChanges();
    }
    this.stepRole = this.stepFollower;
    this.tickRole = this.tickElection;
    this.becomeFollower(this.term, NONE);
  }

  /**
   * Conf changes between the snapshot and `applied` were applied before a
   * restart and will not be handed out again: re-apply them to the tracker.
   */
  private replayAppliedConfChanges(): void {
    // The tracker was built from the snapshot's membership; only later changes need replaying.
    const from = Math.max(this.log.firstIndex(), this.snapshotIndex + 1);
    if (this.log.applied < from) return;
    for (const e of this.log.slice(from, this.log.applied + 1, Number.POSITIVE_INFINITY)) {
      if (e.type === 'conf-change') this.applyConfChangeEntry(e);
    }
  }

  private loadState(hs: HardState): void {
    invariant(
      hs.commit >= this.log.committed && hs.commit <= this.log.lastIndex(),
      () => `hard state commit ${hs.commit} outside [${this.log.committed}, ${this.log.lastIndex()}]`,
    );
    this.log.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  softState(): SoftState {
    return { lead: this.lead, role: this.role };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  private promotable(): boolean {
    return this.trk.isVoter(this.id);
  }

  // ---- time ----

  tick(): void {
    this.ticks++;
    this.leaderContactElapsed++;
    this.tickRole();
  }

  private tickElection = (): void => {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.step({ type: 'hup', transfer: false, from: this.id, to: this.id, term: 0 });
    }
  };

  private tickHeartbeat = (): void => {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.checkQuorum) this.step({ type: 'check-quorum', from: this.id, to: this.id, term: 0 });
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.role === 'leader' && this.leadTransferee !== NONE) this.abandonLeaderTransfer();
    }
    if (this.role !== 'leader') return;
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.step({ type: 'beat', from: this.id, to: this.id, term: 0 });
    }
  };

  // ---- role transitions ----

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.electionTimeout + this.random.nextInt(this.electionTimeout);
    this.abortLeaderTransfer();
    this.trk.resetVotes();
    const last = this.log.lastIndex();
    this.trk.reset(this.trk.confState(), last + 1);
    const self = this.trk.progress.get(this.id);
    if (self !== undefined) self.match = last;
    this.pendingConfIndex = 0;
    this.uncommittedBytes = 0;
    this.readOnly = new ReadOnlyQueue(this.maxPendingReads);
    this.pendingReadRequests = [];
    this.leaseRevoked = false;
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.stepRole = this.stepFollower;
    this.reset(term);
    this.tickRole = this.tickElection;
    this.lead = lead;
    this.role = 'follower';
  }

  private becomeCandidate(): void {
    invariant(this.role !== 'leader', () => 'leader cannot become candidate directly');
    this.stepRole = this.stepCandidate;
    this.reset(this.term + 1);
    this.tickRole = this.tickElection;
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomePreCandidate(): void {
    invariant(this.role !== 'leader', () => 'leader cannot become pre-candidate directly');
    // Term and vote stay: a pre-election changes nothing persistent.
    this.stepRole = this.stepCandidate;
    this.trk.resetVotes();
    this.tickRole = this.tickElection;
    this.lead = NONE;
    this.role = 'pre-candidate';
  }

  private becomeLeader(): void {
    invariant(this.role !== 'follower', () => 'follower cannot become leader directly');
    this.stepRole = this.stepLeader;
    this.reset(this.term);
    this.tickRole = this.tickHeartbeat;
    this.lead = this.id;
    this.role = 'leader';
    const self = this.trk.progress.get(this.id)!;
    self.becomeReplicate();
    self.recentActive = true;
    // Conf changes in the uncommitted tail may be pending; no new one until they apply.
    this.pendingConfIndex = this.log.lastIndex();
    // An empty entry of the new term commits everything before it (§5.4.2).
    invariant(this.appendEntries([{ type: 'normal', data: EMPTY_DATA }]), () => 'empty entry refused');
  }

  // ---- elections ----

  private hup(transfer: boolean): void {
    if (this.role === 'leader' || !this.promotable()) return;
    // A node that has not applied a committed conf change may not know the current membership.
    if (this.hasUnappliedConfChanges()) return;
    this.campaign(transfer ? 'transfer' : this.preVote ? 'pre-election' : 'election');
  }

  private hasUnappliedConfChanges(): boolean {
    if (this.log.committed <= this.log.applied) return false;
    const ents = this.log.slice(this.log.applied + 1, this.log.committed + 1, Number.POSITIVE_INFINITY);
    return ents.some((e) => e.type === 'conf-change');
  }

  private campaign(kind: CampaignKind): void {
    let term: number;
    let voteType: 'vote' | 'pre-vote';
    if (kind === 'pre-election') {
      this.becomePreCandidate();
      voteType = 'pre-vote';
      term = this.term + 1; // the term we would campaign in; not adopted yet
    } else {
      this.becomeCandidate();
      voteType = 'vote';
      term = this.term;
    }
    if (this.poll(this.id, true) === 'won') {
      // A single-voter group wins at once.
      if (kind === 'pre-election') this.campaign('election');
      else this.becomeLeader();
      return;
    }
    for (const id of sortedIds(this.trk.voters)) {
      if (id === this.id) continue;
      this.send({
        type: voteType,
        to: id,
        term,
        index: this.log.lastIndex(),
        logTerm: this.log.lastTerm(),
        force: kind === 'transfer',
      });
    }
  }

  private poll(id: NodeId, granted: boolean): VoteResult {
    this.trk.recordVote(id, granted);
    return this.trk.tallyVotes().result;
  }

  /** Whether this node still trusts a leader (or just booted), so must not help elect another. */
  private inLease(): boolean {
    return this.checkQuorum && (this.role === 'leader' || this.leaderContactElapsed < this.electionTimeout);
  }

  // ---- step ----

  /** Feed one message. Local proposals and reads that cannot be served throw a ConsensusError. */
  step(m: Message): void {
    if (m.term === 0) {
      // local message, or a forwarded proposal / read index
    } else if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'pre-vote') {
        // Ignore a disruptive candidate while we still trust a live leader (CheckQuorum lease).
        if (!m.force && this.inLease()) return;
      }
      if (m.type === 'pre-vote') {
        // A pre-vote never changes our term.
      } else if (m.type === 'pre-vote-resp' && !m.reject) {
        // We take the term only once a quorum grants the pre-vote.
      } else if (m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === 'heartbeat' || m.type === 'app')) {
        // A stale leader (e.g. after a partition) learns our term from this and steps down.
        this.send({ type: 'app-resp', to: m.from, index: 0, reject: false, rejectHint: 0, logTerm: 0 });
      } else if (m.type === 'pre-vote') {
        this.send({ type: 'pre-vote-resp', to: m.from, term: this.term, reject: true });
      }
      return;
    }

    switch (m.type) {
      case 'hup':
        this.hup(m.transfer);
        return;
      case 'vote':
      case 'pre-vote': {
        const respType = m.type === 'vote' ? 'vote-resp' : 'pre-vote-resp';
        const canVote =
          this.vote === m.from ||
          (this.vote === NONE && this.lead === NONE) ||
          (m.type === 'pre-vote' && m.term > this.term);
        const leaseAllows = m.force || this.vote === m.from || !this.inLease();
        if (canVote && leaseAllows && this.log.isUpToDate(m.index, m.logTerm)) {
          // The response carries the candidate's term so it counts in its election.
          this.send({ type: respType, to: m.from, term: m.term, reject: false });
          if (m.type === 'vote') {
            this.electionElapsed = 0;
            this.vote = m.from;
          }
        } else {
          this.send({ type: respType, to: m.from, term: this.term, reject: true });
        }
        return;
      }
      default:
        this.stepRole(m);
    }
  }

  /** A message this node cannot act on: local callers get the error, remote ones are ignored. */
  private drop(m: Message, error: ConsensusError): void {
    if (m.from === this.id) throw error;
  }

  private stepLeader = (m: Message): void => {
    switch (m.type) {
      case 'beat':
        this.bcastHeartbeat(this.readOnly.lastPendingContext());
        return;
      case 'check-quorum':
        if (!this.trk.quorumActive(this.id)) {
          this.becomeFollower(this.term, NONE);
          return;
        }
        for (const [id, pr] of this.trk.progress) if (id !== this.id) pr.recentActive = false;
        return;
      case 'prop':
        this.leaderPropose(m.entries, m);
        return;
      case 'read-index':
        this.leaderReadIndex(m);
        return;
      case 'app-resp':
      case 'heartbeat-resp':
      case 'snap-status':
      case 'unreachable':
      case 'transfer-leader': {
        const pr = this.trk.progress.get(m.from);
        if (pr === undefined) return; // not (or no longer) a member
        this.stepLeaderFromPeer(m, pr);
        return;
      }
      case 'hup':
      case 'vote':
      case 'pre-vote':
        return; // handled in step()
      case 'app':
      case 'heartbeat':
      case 'snap':
      case 'vote-resp':
      case 'pre-vote-resp':
      case 'timeout-now':
      case 'read-index-resp':
        return; // meaningless for a leader of this term (stale or duplicated)
      default:
        assertNever(m);
    }
  };

  private stepLeaderFromPeer(
    m: Extract<Message, { type: 'app-resp' | 'heartbeat-resp' | 'snap-status' | 'unreachable' | 'transfer-leader' }>,
    pr: Progress,
  ): void {
    switch (m.type) {
      case 'app-resp':
        pr.recentActive = true;
        if (m.reject) this.handleAppendRejection(m.from, pr, m.index, m.rejectHint, m.logTerm);
        else this.handleAppendAck(m.from, pr, m.index);
        return;
      case 'heartbeat-resp':
        this.handleHeartbeatResp(m.from, pr, m.context, m.leaseTick);
        return;
      case 'snap-status':
        if (pr.state !== 'snapshot') return;
        if (m.reject) pr.pendingSnapshot = 0;
        pr.becomeProbe();
        // Wait for the follower's response (or a heartbeat) before probing again.
        pr.probeSent = true;
        return;
      case 'unreachable':
        // Optimistic pipelining likely lost messages; fall back to probing.
        if (pr.state === 'replicate') pr.becomeProbe();
        return;
      case 'transfer-leader':
        this.startLeaderTransfer(m.from, pr);
        return;
      default:
        assertNever(m);
    }
  }

  private handleAppendRejection(from: NodeId, pr: Progress, rejected: number, hint: number, hintTerm: number): void {
    // Fast backtracking: skip every index whose term cannot match the follower's term at `hint`.
    const nextProbe = hintTerm > 0 ? this.log.findConflictByTerm(hint, hintTerm).index : hint;
    if (pr.maybeDecrTo(rejected, nextProbe)) {
      if (pr.state === 'replicate') pr.becomeProbe();
      this.sendAppend(from);
    }
  }

  private handleAppendAck(from: NodeId, pr: Progress, index: number): void {
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(index)) return;
    if (pr.state === 'probe') {
      pr.becomeReplicate();
    } else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === 'replicate') {
      pr.inflights.freeLE(index);
    }
    if (this.maybeCommit()) {
      this.releasePendingReads();
      this.bcastAppend();
    } else if (wasPaused) {
      this.sendAppend(from);
    }
    // Pipelining: keep sending while the inflight window has room.
    while (this.maybeSendAppend(from, false)) {
      // each iteration sends one more MsgApp
    }
    if (from === this.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(from);
  }

  private handleHeartbeatResp(from: NodeId, pr: Progress, context: string | null, leaseTick: number): void {
    pr.recentActive = true;
    pr.probeSent = false;
    // The follower is alive; if the window is full, messages were probably lost: let one more out.
    if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (leaseTick > pr.leaseAckTick) pr.leaseAckTick = leaseTick;
    if (pr.match < this.log.lastIndex()) this.sendAppend(from);
    if (context === null) return;
    const acks = this.readOnly.recvAck(from, context);
    if (acks === undefined) return;
    const votes = new Map<NodeId, boolean>();
    for (const id of acks) votes.set(id, true);
    if (voteResult(this.trk.voters, votes) !== 'won') return;
    for (const status of this.readOnly.advance(context)) this.respondToReadIndex(status.request, status.index);
  }

  private startLeaderTransfer(transferee: NodeId, pr: Progress): void {
    if (pr.isLearner) return;
    if (this.leadTransferee !== NONE) {
      if (this.leadTransferee === transferee) return; // already under way
      this.abortLeaderTransfer();
    }
    if (transferee === this.id) return;
    // The transfer must finish within an election timeout.
    this.electionElapsed = 0;
    this.leadTransferee = transferee;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(transferee);
    else this.sendAppend(transferee);
  }

  private leaderPropose(proposals: readonly EntryProposal[], m: Message): void {
    invariant(proposals.length > 0, () => 'empty proposal');
    if (!this.trk.progress.has(this.id)) {
      this.drop(m, new ProposalDroppedError('this node was removed from the group'));
      return;
    }
    if (this.leadTransferee !== NONE) {
      this.drop(m, new ProposalDroppedError(`leadership is being transferred to ${this.leadTransferee}`));
      return;
    }
    const confChanges = proposals.filter((p) => p.type === 'conf-change').length;
    if (confChanges > 0) {
      // One membership change at a time: the next waits until the previous one is applied.
      // Also not before an entry of this term is committed: otherwise a change left uncommitted by a
      // previous leader could combine with ours into two disjoint majorities (Ongaro, raft-dev 2015).
      if (confChanges > 1 || this.pendingConfIndex > this.log.applied || !this.committedEntryInCurrentTerm()) {
        this.drop(m, new ProposalDroppedError('a configuration change is already pending'));
        return;
      }
    }
    const first = this.log.lastIndex() + 1;
    if (!this.appendEntries(proposals)) {
      this.drop(m, new ProposalDroppedError('too many uncommitted bytes'));
      return;
    }
    if (confChanges > 0) {
      this.pendingConfIndex = first + proposals.findIndex((p) => p.type === 'conf-change');
    }
    this.bcastAppend();
  }

  private stepCandidate = (m: Message): void => {
    // Pre-candidates and candidates share this; only responses to our own kind of vote count.
    const myResp = this.role === 'pre-candidate' ? 'pre-vote-resp' : 'vote-resp';
    switch (m.type) {
      case 'prop':
        this.drop(m, new NotLeaderError(NONE));
        return;
      case 'read-index':
        this.drop(m, new NotLeaderError(NONE));
        return;
      case 'app':
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return;
      case 'heartbeat':
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case 'snap':
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case 'vote-resp':
      case 'pre-vote-resp': {
        if (m.type !== myResp) return;
        const result = this.poll(m.from, !m.reject);
        if (result === 'won') {
          if (this.role === 'pre-candidate') {
            this.campaign('election');
          } else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (result === 'lost') {
          // A pre-candidate that lost stays in its term; a candidate's term is already bumped.
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
      case 'hup':
      case 'vote':
      case 'pre-vote':
        return; // handled in step()
      case 'timeout-now':
      case 'beat':
      case 'check-quorum':
      case 'app-resp':
      case 'heartbeat-resp':
      case 'snap-status':
      case 'unreachable':
      case 'transfer-leader':
      case 'read-index-resp':
        return; // nothing to do without a leader
      default:
        assertNever(m);
    }
  };

  private stepFollower = (m: Message): void => {
    switch (m.type) {
      case 'prop':
        if (this.lead === NONE) this.drop(m, new NotLeaderError(NONE));
        else if (this.disableProposalForwarding) this.drop(m, new NotLeaderError(this.lead));
        else this.forward(m, this.lead);
        return;
      case 'read-index':
        if (this.lead === NONE) this.drop(m, new NotLeaderError(NONE));
        else this.forward(m, this.lead);
        return;
      case 'transfer-leader':
        if (this.lead !== NONE) this.forward(m, this.lead);
        return;
      case 'app':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return;
      case 'heartbeat':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case 'snap':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case 'timeout-now':
        // Leader transfer: campaign now, with votes that override leases.
        this.hup(true);
        return;
      case 'read-index-resp':
        this.readStates.push({ index: m.index, context: m.context });
        return;
      case 'hup':
      case 'vote':
      case 'pre-vote':
        return; // handled in step()
      case 'beat':
      case 'check-quorum':
      case 'app-resp':
      case 'vote-resp':
      case 'pre-vote-resp':
      case 'heartbeat-resp':
      case 'snap-status':
      case 'unreachable':
        return; // stale responses or leader-only local messages
      default:
        assertNever(m);
    }
  };

  // ---- follower handlers ----

  private handleAppendEntries(m: MsgApp): void {
    this.leaderContactElapsed = 0;
    if (m.index < this.log.committed) {
      this.send({ type: 'app-resp', to: m.from, index: this.log.committed, reject: false, rejectHint: 0, logTerm: 0 });
      return;
    }
    const last = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (last !== undefined) {
      this.send({ type: 'app-resp', to: m.from, index: last, reject: false, rejectHint: 0, logTerm: 0 });
      return;
    }
    // Reject with a hint: our last index at or below m.index whose term is <= m.logTerm.
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send({ type: 'app-resp', to: m.from, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term });
  }

  private handleHeartbeat(m: MsgHeartbeat): void {
    this.leaderContactElapsed = 0;
    this.log.commitTo(m.commit);
    this.send({ type: 'heartbeat-resp', to: m.from, context: m.context, leaseTick: m.leaseTick });
  }

  private handleSnapshot(m: MsgSnap): void {
    this.leaderContactElapsed = 0;
    const index = this.restore(m.snapshot) ? this.log.lastIndex() : this.log.committed;
    this.send({ type: 'app-resp', to: m.from, index, reject: false, rejectHint: 0, logTerm: 0 });
  }

  /** Install a snapshot unless our log already covers it; returns whether it was installed. */
  private restore(s: Snapshot): boolean {
    const { index, term, confState } = s.metadata;
    if (index <= this.log.committed) return false;
    if (this.role !== 'follower') {
      // Only a leader sends snapshots, and we are not following one: be safe and start over.
      this.becomeFollower(this.term + 1, NONE);
      return false;
    }
    // Unlike etcd, a snapshot that predates our own addition is accepted: the entries after it
    // (which add us) follow by replication. Refusing it would stall a node added after the
    // leader's latest snapshot until the leader happened to take a newer one.
    if (this.log.matchTerm(index, term)) {
      // Our log already has the snapshot's last entry: just fast-forward the commit.
      this.log.commitTo(index);
      return false;
    }
    this.log.restore(s);
    this.trk.reset(confState, this.log.lastIndex() + 1);
    this.trk.progress.get(this.id)?.maybeUpdate(this.log.lastIndex());
    return true;
  }

  // ---- leader: replication ----

  private send(m: Outgoing): void {
    const isVote = m.type === 'vote' || m.type === 'pre-vote' || m.type === 'vote-resp' || m.type === 'pre-vote-resp';
    let term: number;
    if (isVote) {
      invariant(m.term !== undefined && m.term !== 0, () => `${m.type} needs an explicit term`);
      term = m.term;
    } else {
      invariant(m.term === undefined, () => `${m.type} must not set a term`);
      term = this.term;
    }
    invariant(m.to !== this.id, () => `${m.type} addressed to self`);
    this.msgs.push({ ...m, from: this.id, term } as Message);
  }

  /** Pass a request on to the leader, keeping its origin (`from`) so the answer finds its way back. */
  private forward(m: Extract<Message, { type: 'prop' | 'read-index' | 'transfer-leader' }>, to: NodeId): void {
    this.msgs.push({ ...m, to, term: 0 });
  }

  private sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  /** Send entries (or an empty MsgApp carrying the commit index if `sendIfEmpty`), or a snapshot. */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.trk.progress.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    if (prevIndex < this.log.firstIndex() - 1) return this.sendSnapshot(to, pr);
    let prevTerm: number;
    let entries: Entry[];
    try {
      prevTerm = this.log.term(prevIndex);
      entries = this.log.entries(pr.next, this.maxMsgBytes);
    } catch (err) {
      if (err instanceof CompactedError) return this.sendSnapshot(to, pr);
      throw err;
    }
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({ type: 'app', to, index: prevIndex, logTerm: prevTerm, entries, commit: this.log.committed });
    const last = entries[entries.length - 1];
    if (last !== undefined) {
      if (pr.state === 'replicate') {
        pr.optimisticUpdate(last.index);
        pr.inflights.add(last.index);
      } else {
        pr.probeSent = true;
      }
    }
    return true;
  }

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    // Only to followers that answer: a snapshot is expensive.
    if (!pr.recentActive) return false;
    let snapshot: Snapshot;
    try {
      snapshot = this.log.snapshot();
    } catch (err) {
      if (err instanceof SnapshotTemporarilyUnavailableError) return false;
      throw err;
    }
    invariant(!isEmptySnapshot(snapshot), () => 'need a non-empty snapshot');
    this.send({ type: 'snap', to, snapshot });
    pr.becomeSnapshot(snapshot.metadata.index);
    return true;
  }

  private sendHeartbeat(to: NodeId, context: string | null): void {
    const pr = this.trk.progress.get(to)!;
    // Never tell a follower to commit beyond what it is known to hold.
    const commit = Math.min(pr.match, this.log.committed);
    this.send({ type: 'heartbeat', to, commit, context, leaseTick: this.ticks });
  }

  private sendTimeoutNow(to: NodeId): void {
    // The transferee's forced election may win while followers still honour our lease.
    this.leaseRevoked = true;
    this.send({ type: 'timeout-now', to });
  }

  private bcastAppend(): void {
    for (const id of this.trk.ids()) if (id !== this.id) this.sendAppend(id);
  }

  private bcastHeartbeat(context: string | null): void {
    for (const id of this.trk.ids()) if (id !== this.id) this.sendHeartbeat(id, context);
  }

  private maybeCommit(): boolean {
    return this.log.maybeCommit(this.trk.committed(), this.term);
  }

  private appendEntries(proposals: readonly EntryProposal[]): boolean {
    const bytes = proposals.reduce((n, p) => n + p.data.length, 0);
    // Always admit at least one batch, so a large entry cannot wedge an idle leader.
    if (this.uncommittedBytes > 0 && bytes > 0 && this.uncommittedBytes + bytes > this.maxUncommittedBytes) return false;
    this.uncommittedBytes += bytes;
    const first = this.log.lastIndex() + 1;
    const ents: Entry[] = proposals.map((p, i) => ({ term: this.term, index: first + i, type: p.type, data: p.data }));
    this.log.append(ents);
    this.trk.progress.get(this.id)!.maybeUpdate(this.log.lastIndex());
    this.maybeCommit();
    return true;
  }

  /** Called as committed entries are handed to the application. */
  reduceUncommittedSize(ents: readonly Entry[]): void {
    if (this.role !== 'leader') return;
    const bytes = ents.reduce((n, e) => n + e.data.length, 0);
    this.uncommittedBytes = Math.max(0, this.uncommittedBytes - bytes);
  }

  private abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
  }

  /**
   * A transfer that will not finish. If TimeoutNow went out, this leader's
   * lease is gone for the rest of its term (the transferee's forced election
   * may still win, however late the message arrives), and a leader without a
   * lease cannot serve lease reads ever again in this term. So it steps down:
   * the next election's new term makes any late TimeoutNow stale, and its
   * leader starts with a lease of its own.
   */
  private abandonLeaderTransfer(): void {
    this.abortLeaderTransfer();
    if (this.leaseRevoked) this.becomeFollower(this.term, NONE);
  }

  // ---- reads ----

  private committedEntryInCurrentTerm(): boolean {
    return this.log.termOrZero(this.log.committed) === this.term;
  }

  private leaderReadIndex(m: MsgReadIndex): void {
    if (this.trk.isSingleton()) {
      this.respondToReadIndex(m, this.log.committed);
      return;
    }
    if (!this.committedEntryInCurrentTerm()) {
      // Our commit index may lag the previous leader's until our first entry commits.
      if (this.pendingReadRequests.length >= this.maxPendingReads) {
        this.drop(m, new ProposalDroppedError('too many pending read requests'));
        return;
      }
      this.pendingReadRequests.push(m);
      return;
    }
    this.serveReadIndex(m);
  }

  private releasePendingReads(): void {
    if (this.pendingReadRequests.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const waiting = this.pendingReadRequests;
    this.pendingReadRequests = [];
    for (const m of waiting) this.serveReadIndex(m);
  }

  private serveReadIndex(m: MsgReadIndex): void {
    if (this.readOnlyOption === 'lease-based' && this.leaseValid()) {
      this.respondToReadIndex(m, this.log.committed);
      return;
    }
    // Safe path (also the fallback when the lease has lapsed): confirm leadership with a heartbeat quorum.
    if (this.readOnly.full()) {
      this.drop(m, new ProposalDroppedError('too many pending read requests'));
      return;
    }
    if (!this.readOnly.add(this.log.committed, m)) return;
    this.readOnly.recvAck(this.id, m.context);
    this.bcastHeartbeat(m.context);
  }

  /**
   * The lease holds while a quorum acknowledged a heartbeat sent less than
   * leaseTicks ago: those voters refuse other candidates for an election
   * timeout after receiving it, and leaseTicks < electionTimeout.
   */
  leaseValid(): boolean {
    if (this.role !== 'leader' || this.leaseRevoked || this.leadTransferee !== NONE) return false;
    const acked = committedIndex(
      this.trk.voters,
      (id) => (id === this.id ? this.ticks : this.trk.progress.get(id)?.leaseAckTick),
      Number.NEGATIVE_INFINITY,
    );
    return acked + this.leaseTicks > this.ticks;
  }

  private respondToReadIndex(m: MsgReadIndex, index: number): void {
    if (m.from === this.id || m.from === NONE) this.readStates.push({ index, context: m.context });
    else this.send({ type: 'read-index-resp', to: m.from, index, context: m.context });
  }

  // ---- membership ----

  /** Apply a committed ConfChange (the application calls this when it applies the entry). */
  applyConfChange(cc: ConfChange): ConfState {
    const next = Math.max(this.log.lastIndex(), 1);
    switch (cc.type) {
      case 'add-voter':
        this.trk.addVoter(cc.nodeId, next);
        break;
      case 'add-learner':
        this.trk.addLearner(cc.nodeId, next);
        break;
      case 'remove-voter':
        this.trk.remove(cc.nodeId);
        break;
      default:
        assertNever(cc.type);
    }
    const cs = this.trk.confState();
    if (this.role !== 'leader') return cs;
    if (!this.trk.isVoter(this.id)) {
      // Removed leader: step down; the remaining voters elect a successor.
      this.becomeFollower(this.term, NONE);
      return cs;
    }
    if (this.maybeCommit()) this.bcastAppend();
    else for (const id of this.trk.ids()) if (id !== this.id) this.maybeSendAppend(id, false);
    if (this.leadTransferee !== NONE && !this.trk.isVoter(this.leadTransferee)) this.abandonLeaderTransfer();
    return cs;
  }

  /** Decode and apply a committed conf-change entry. */
  applyConfChangeEntry(e: Entry): ConfState {
    invariant(e.type === 'conf-change', () => `entry ${e.index} is not a conf change`);
    return this.applyConfChange(decodeConfChange(e.data));
  }
}

function validateConfig(c: RaftConfig): void {
  if (c.id === NONE) throw new InvalidConfigError('id must not be 0');
  if (c.heartbeatTick <= 0) throw new InvalidConfigError('heartbeatTick must be positive');
  if (c.electionTick <= c.heartbeatTick) throw new InvalidConfigError('electionTick must exceed heartbeatTick');
  if ((c.maxInflightMsgs ?? DEFAULT_MAX_INFLIGHT_MSGS) <= 0) throw new InvalidConfigError('maxInflightMsgs must be positive');
  if (c.readOnly === 'lease-based') {
    if (c.checkQuorum !== true) throw new InvalidConfigError('lease-based reads require checkQuorum');
    const lease = c.leaseTicks ?? c.electionTick - 2;
    if (lease <= 0 || lease > c.electionTick - 2) {
      throw new InvalidConfigError(`leaseTicks must be in [1, electionTick - 2], got ${lease}`);
    }
  }
}
