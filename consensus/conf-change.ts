/**
 * Membership changes, one node at a time. A ConfChange travels as the data of
 * a 'conf-change' entry and takes effect when the application applies it
 * (RawNode.applyConfChange). Promoting a learner is `add-voter` on a learner.
 */
import type { NodeId } from './messages.js';

export type ConfChangeType = 'add-voter' | 'remove-voter' | 'add-learner';

export interface ConfChange {
  readonly type: ConfChangeType;
  readonly nodeId: NodeId;
}

const TYPES: readonly ConfChangeType[] = ['add-voter', 'remove-voter', 'add-learner'];

export class ConfChangeDecodeError extends Error {
  readonly code = 'ConfChangeDecode' as const;
}

/** Fixed 5-byte encoding: type code then the node id (uint32, big-endian). */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  const out = new Uint8Array(5);
  out[0] = TYPES.indexOf(cc.type);
  new DataView(out.buffer).setUint32(1, cc.nodeId);
  return out;
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  const type = TYPES[data[0] ?? -1];
  if (data.length !== 5 || type === undefined) throw new ConfChangeDecodeError(`bad conf change of ${data.length} bytes`);
  return { type, nodeId: new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(1) };
}
