/**
 * The transcript tests' world: in-memory nodes, a mailbox of in-flight
 * messages, and commands that drive them step by step, each returning the
 * text that the transcript expects (etcd-raft's InteractionEnv, in spirit).
 */
import { decodeConfChange, type ConfChangeType } from '../../consensus/conf-change.js';
import { describeEntry, describeMessage } from '../../consensus/describe.js';
import { ConsensusError } from '../../consensus/errors.js';
import type { ConfState, Entry, Message, NodeId } from '../../consensus/messages.js';
import { RawNode } from '../../consensus/raw-node.js';
import type { RaftConfig, ReadOnlyOption } from '../../consensus/raft.js';
import { SeededRandom } from '../../consensus/random.js';
import { MemoryStorage } from '../../consensus/storage.js';

const ELECTION_TICK = 10;
const HEARTBEAT_TICK = 1;
/** A transcript that does not settle within this many rounds is a livelock, not a result. */
const MAX_STABILIZE_ROUNDS = 200;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface AppliedEntry {
  index: number;
  data: string;
}

interface TestNode {
  id: NodeId;
  node: RawNode;
  storage: MemoryStorage;
  config: Omit<RaftConfig, 'storage' | 'applied' | 'random'>;
  /** The state machine: the payloads applied so far. */
  applied: AppliedEntry[];
  /** Membership after each applied conf change, for snapshots at older indexes. */
  confHistory: { index: number; cs: ConfState }[];
}

export class TranscriptError extends Error {
  readonly code = 'TranscriptError' as const;
}

type Args = Map<string, string>;

export class InteractionEnv {
  private readonly nodes = new Map<NodeId, TestNode>();
  private mailbox: Message[] = [];
  private readonly isolated = new Set<NodeId>();

  run(command: string, positional: string[], named: Args): string {
    const out: string[] = [];
    switch (command) {
      case 'add-nodes':
        this.addNodes(Number(positional[0]), named, out);
        break;
      case 'campaign':
        this.guard(out, () => this.get(positional[0]).node.campaign());
        break;
      case 'propose':
        this.guard(out, () => this.get(positional[0]).node.propose(encoder.encode(positional[1] ?? '')));
        break;
      case 'propose-conf-change':
        this.guard(out, () =>
          this.get(positional[0]).node.proposeConfChange({
            type: positional[1] as ConfChangeType,
            nodeId: Number(positional[2]),
          }),
        );
        break;
      case 'read-index':
        this.guard(out, () => this.get(positional[0]).node.readIndex(positional[1] ?? ''));
        break;
      case 'transfer-leader':
        this.guard(out, () => this.get(positional[0]).node.transferLeader(Number(positional[1])));
        break;
      case 'tick':
        this.tick(this.get(positional[0]), Number(positional[1] ?? 1));
        break;
      case 'tick-heartbeat':
        this.tick(this.get(positional[0]), HEARTBEAT_TICK);
        break;
      case 'tick-election':
        this.tickUntilActive(this.get(positional[0]));
        break;
      case 'stabilize':
        this.stabilize(out);
        break;
      case 'process-ready':
        for (const id of positional) this.processReady(this.get(id), out);
        break;
      case 'deliver-msgs':
        for (const id of positional) this.deliver(Number(id), out);
        break;
      case 'isolate':
        for (const id of positional) this.isolated.add(Number(id));
        break;
      case 'heal':
        this.isolated.clear();
        break;
      case 'compact':
        this.compact(this.get(positional[0]), Number(positional[1]), out);
        break;
      case 'restart':
        this.restart(this.get(positional[0]));
        break;
      case 'raft-state':
        for (const n of this.sorted()) out.push(this.describeState(n));
        break;
      case 'status':
        this.status(this.get(positional[0]), out);
        break;
      case 'raft-log':
        this.raftLog(this.get(positional[0]), out);
        break;
      case 'applied':
        for (const id of positional) {
          const n = this.get(id);
          out.push(`${n.id}: ${n.applied.map((a) => `${a.index}:${a.data}`).join(' ')}`);
        }
        break;
      default:
        throw new TranscriptError(`unknown command ${command}`);
    }
    return out.length === 0 ? 'ok' : out.join('\n');
  }

  private get(id: string | undefined): TestNode {
    const n = this.nodes.get(Number(id));
    if (n === undefined) throw new TranscriptError(`no node ${id}`);
    return n;
  }

  private sorted(): TestNode[] {
    return [...this.nodes.values()].sort((a, b) => a.id - b.id);
  }

  /** Run an API call; a typed refusal is part of the transcript, not a failure. */
  private guard(out: string[], fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof ConsensusError)) throw err;
      out.push(`error: ${err.name}: ${err.message}`);
    }
  }

  private addNodes(count: number, named: Args, out: string[]): void {
    const first = this.nodes.size + 1;
    const ids = Array.from({ length: count }, (_, i) => first + i);
    const voters = named.has('voters') ? parseIds(named.get('voters')!) : named.has('join') ? [] : ids;
    const learners = named.has('learners') ? parseIds(named.get('learners')!) : [];
    for (const id of ids) {
      const config = {
        id,
        electionTick: ELECTION_TICK,
        heartbeatTick: HEARTBEAT_TICK,
        preVote: named.get('pre-vote') === 'true',
        checkQuorum: named.get('check-quorum') === 'true',
        readOnly: (named.get('read-only') ?? 'safe') as ReadOnlyOption,
        maxInflightMsgs: Number(named.get('max-inflight') ?? 256),
        disableProposalForwarding: named.get('forwarding') === 'false',
      };
      const storage = MemoryStorage.bootstrap(voters, learners);
      const n: TestNode = {
        id,
        config,
        storage,
        node: new RawNode({ ...config, storage, random: new SeededRandom(id) }),
        applied: [],
        confHistory: [{ index: 0, cs: { voters, learners } }],
      };
      this.nodes.set(id, n);
      out.push(`added node ${id} voters=[${voters.join(',')}] learners=[${learners.join(',')}]`);
    }
  }

  private tick(n: TestNode, count: number): void {
    for (let i = 0; i < count; i++) n.node.tick();
  }

  /** Tick until the node acts on a timeout (campaigns, or a leader checks quorum), at most 2 election timeouts. */
  private tickUntilActive(n: TestNode): void {
    const before = n.node.status();
    for (let i = 0; i < 2 * ELECTION_TICK; i++) {
      n.node.tick();
      const now = n.node.status();
      if (n.node.raft.msgs.length > 0 || now.softState.role !== before.softState.role) return;
    }
  }

  private stabilize(out: string[]): void {
    for (let round = 0; round < MAX_STABILIZE_ROUNDS; round++) {
      let busy = false;
      for (const n of this.sorted()) {
        if (n.node.hasReady()) {
          this.processReady(n, out);
          busy = true;
        }
      }
      for (const n of this.sorted()) {
        if (this.mailbox.some((m) => m.to === n.id)) {
          this.deliver(n.id, out);
          busy = true;
        }
      }
      if (!busy) return;
    }
    throw new TranscriptError(`no quiescence after ${MAX_STABILIZE_ROUNDS} rounds`);
  }

  private processReady(n: TestNode, out: string[]): void {
    if (!n.node.hasReady()) return;
    const rd = n.node.ready();
    out.push(`> ${n.id} handling Ready`);
    if (rd.softState !== undefined) out.push(`  lead=${rd.softState.lead} role=${rd.softState.role}`);
    if (rd.hardState !== undefined) {
      out.push(`  HardState term=${rd.hardState.term} vote=${rd.hardState.vote} commit=${rd.hardState.commit}`);
    }
    if (rd.snapshot !== undefined) {
      const md = rd.snapshot.metadata;
      out.push(`  Snapshot ${md.term}/${md.index} voters=[${md.confState.voters.join(',')}] learners=[${md.confState.learners.join(',')}]`);
    }
    if (rd.entries.length > 0) out.push('  Entries:', ...rd.entries.map((e) => `  ${describeEntry(e)}`));
    if (rd.committedEntries.length > 0) {
      out.push('  CommittedEntries:', ...rd.committedEntries.map((e) => `  ${describeEntry(e)}`));
    }
    if (rd.readStates.length > 0) {
      out.push('  ReadStates:', ...rd.readStates.map((r) => `  ctx=${r.context} index=${r.index}`));
    }
    if (rd.messages.length > 0) {
      out.push('  Messages:');
      for (const m of rd.messages) {
        const dropped = this.isolated.has(m.from) || this.isolated.has(m.to);
        out.push(`  ${describeMessage(m)}${dropped ? ' (dropped)' : ''}`);
        if (!dropped) this.mailbox.push(m);
      }
    }
    n.storage.persist(rd);
    if (rd.snapshot !== undefined) this.installSnapshot(n, rd.snapshot.data, rd.snapshot.metadata.index, rd.snapshot.metadata.confState);
    for (const e of rd.committedEntries) this.apply(n, e, out);
    n.node.advance(rd);
  }

  private apply(n: TestNode, e: Entry, out: string[]): void {
    if (e.type === 'conf-change') {
      const cs = n.node.applyConfChange(decodeConfChange(e.data));
      n.confHistory.push({ index: e.index, cs });
      out.push(`  ${n.id} applied conf change: voters=[${cs.voters.join(',')}] learners=[${cs.learners.join(',')}]`);
      return;
    }
    if (e.data.length > 0) n.applied.push({ index: e.index, data: decoder.decode(e.data) });
  }

  private installSnapshot(n: TestNode, data: Uint8Array, index: number, cs: ConfState): void {
    n.applied = data.length === 0 ? [] : (JSON.parse(decoder.decode(data)) as AppliedEntry[]);
    n.confHistory = [{ index, cs }];
  }

  private deliver(id: NodeId, out: string[]): void {
    const mine = this.mailbox.filter((m) => m.to === id);
    if (mine.length === 0) return;
    this.mailbox = this.mailbox.filter((m) => m.to !== id);
    const n = this.get(String(id));
    out.push(`> ${id} receiving messages`);
    for (const m of mine) {
      out.push(`  ${describeMessage(m)}`);
      this.guard(out, () => n.node.step(m));
    }
  }

  private compact(n: TestNode, index: number, out: string[]): void {
    const cs = [...n.confHistory].reverse().find((h) => h.index <= index)!.cs;
    const data = encoder.encode(JSON.stringify(n.applied.filter((a) => a.index <= index)));
    if (index > n.node.status().applied) throw new TranscriptError(`cannot compact ${index}: not applied`);
    n.storage.createSnapshot(index, cs, data);
    n.storage.compact(index);
    out.push(`${n.id}: log compacted to ${index}, first index ${n.storage.firstIndex()}`);
  }

  /** Crash and restart: everything not in storage is lost; the state machine restarts from the snapshot. */
  private restart(n: TestNode): void {
    this.mailbox = this.mailbox.filter((m) => m.to !== n.id);
    const snap = n.storage.snapshot();
    const index = snap.metadata.index;
    n.applied = index === 0 ? [] : (JSON.parse(decoder.decode(snap.data)) as AppliedEntry[]);
    n.confHistory = [{ index, cs: snap.metadata.confState }];
    n.node = new RawNode({ ...n.config, storage: n.storage, applied: index, random: new SeededRandom(n.id) });
  }

  private describeState(n: TestNode): string {
    const s = n.node.status();
    return `${n.id}: ${s.softState.role} term=${s.hardState.term} lead=${s.softState.lead} vote=${s.hardState.vote} commit=${s.hardState.commit} applied=${s.applied} last=${s.lastIndex}`;
  }

  private status(n: TestNode, out: string[]): void {
    out.push(this.describeState(n));
    if (n.node.status().softState.role !== 'leader') return;
    for (const id of n.node.raft.trk.ids()) out.push(`  ${id}: ${n.node.raft.trk.progress.get(id)!.describe()}`);
  }

  private raftLog(n: TestNode, out: string[]): void {
    const first = n.storage.firstIndex();
    const last = n.storage.lastIndex();
    if (last < first) out.push(`${n.id}: empty log (first ${first})`);
    else for (const e of n.storage.entries(first, last + 1, Number.POSITIVE_INFINITY)) out.push(describeEntry(e));
  }
}

function parseIds(s: string): number[] {
  return s === '' ? [] : s.split(',').map(Number);
}
