/**
 * Human-readable one-line renderings of entries and messages, for logs,
 * transcripts and simulator failure reports.
 */
import { decodeConfChange } from './conf-change.js';
import { assertNever, type Entry, type Message } from './messages.js';

const decoder = new TextDecoder();

export function describeEntry(e: Entry): string {
  if (e.type === 'conf-change') {
    const cc = decodeConfChange(e.data);
    return `${e.term}/${e.index} ${cc.type} ${cc.nodeId}`;
  }
  return `${e.term}/${e.index} ${JSON.stringify(decoder.decode(e.data))}`;
}

function describeEntries(ents: readonly Entry[]): string {
  return `[${ents.map(describeEntry).join(', ')}]`;
}

export function describeMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} term=${m.term}`;
  switch (m.type) {
    case 'hup':
      return m.transfer ? `${head} transfer` : head;
    case 'beat':
    case 'check-quorum':
    case 'unreachable':
    case 'transfer-leader':
    case 'timeout-now':
      return head;
    case 'prop':
      return `${head} entries=${m.entries.length}`;
    case 'app':
      return `${head} prev=${m.logTerm}/${m.index} commit=${m.commit} entries=${describeEntries(m.entries)}`;
    case 'app-resp':
      return m.reject
        ? `${head} index=${m.index} reject hint=${m.logTerm}/${m.rejectHint}`
        : `${head} index=${m.index}`;
    case 'vote':
    case 'pre-vote':
      return `${head} last=${m.logTerm}/${m.index}${m.force ? ' force' : ''}`;
    case 'vote-resp':
    case 'pre-vote-resp':
      return `${head}${m.reject ? ' reject' : ''}`;
    case 'heartbeat':
      return `${head} commit=${m.commit}${m.context === null ? '' : ` ctx=${m.context}`}`;
    case 'heartbeat-resp':
      return `${head}${m.context === null ? '' : ` ctx=${m.context}`}`;
    case 'snap': {
      const md = m.snapshot.metadata;
      return `${head} snapshot=${md.term}/${md.index} voters=[${md.confState.voters.join(',')}] learners=[${md.confState.learners.join(',')}]`;
    }
    case 'snap-status':
      return `${head}${m.reject ? ' reject' : ''}`;
    case 'read-index':
      return `${head} ctx=${m.context}`;
    case 'read-index-resp':
      return `${head} ctx=${m.context} index=${m.index}`;
    default:
      return assertNever(m);
  }
}
