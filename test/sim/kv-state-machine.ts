/**
 * A tiny replicated key-value state machine: the application the simulator
 * (and the benchmark) runs on top of Raft. Each value remembers the log index
 * that wrote it, so a read can be compared with the history of writes.
 */
import type { Entry } from '../../consensus/messages.js';

export interface KvCommand {
  readonly key: string;
  readonly value: string;
  /** Unique per client request, so the client can recognise its write when it applies. */
  readonly requestId: number;
}

export interface KvValue {
  readonly value: string;
  readonly index: number;
}

export class KvDecodeError extends Error {
  readonly code = 'KvDecode' as const;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeKvCommand(cmd: KvCommand): Uint8Array {
  return encoder.encode(JSON.stringify(cmd));
}

export function decodeKvCommand(data: Uint8Array): KvCommand {
  const parsed = JSON.parse(decoder.decode(data)) as Partial<KvCommand>;
  if (typeof parsed.key !== 'string' || typeof parsed.value !== 'string' || typeof parsed.requestId !== 'number') {
    throw new KvDecodeError('malformed kv command');
  }
  return parsed as KvCommand;
}

export class KvStateMachine {
  private data = new Map<string, KvValue>();
  appliedIndex = 0;

  /** Apply one committed entry; returns the command it carried, if any. */
  apply(e: Entry): KvCommand | undefined {
    this.appliedIndex = e.index;
    if (e.type !== 'normal' || e.data.length === 0) return undefined;
    const cmd = decodeKvCommand(e.data);
    this.data.set(cmd.key, { value: cmd.value, index: e.index });
    return cmd;
  }

  get(key: string): KvValue | undefined {
    return this.data.get(key);
  }

  snapshot(): Uint8Array {
    return encoder.encode(JSON.stringify({ appliedIndex: this.appliedIndex, data: [...this.data] }));
  }

  restore(bytes: Uint8Array, index: number): void {
    if (bytes.length === 0) {
      this.data = new Map();
    } else {
      const parsed = JSON.parse(decoder.decode(bytes)) as { data: [string, KvValue][] };
      this.data = new Map(parsed.data);
    }
    this.appliedIndex = index;
  }
}
