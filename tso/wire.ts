/**
 * The GetTimestamps wire protocol between TSO clients and servers: frames of
 * a u32 big-endian length and a msgpackr body (the same framing as the Raft
 * TcpTransport, whose FrameDecoder splits the stream). A request names how
 * many timestamps it wants; the answer is one contiguous range, or an error
 * code with the leader hint. Timestamps travel as 8-byte big-endian buffers.
 */
import { pack, unpack } from 'msgpackr';
import { FRAME_HEADER_BYTES } from '../consensus/adapters/tcp-transport.js';
import type { TsoErrorCode } from './errors.js';
import { timestampFromBytes, timestampToBytes, type Timestamp } from './timestamp.js';

/** Requests and responses are tiny; anything bigger is garbage. */
export const MAX_TSO_FRAME_BYTES = 4096;

export interface GetTimestampsRequest {
  id: number;
  count: number;
}

export type GetTimestampsResponse =
  | { id: number; ok: true; first: Timestamp; count: number }
  | { id: number; ok: false; code: TsoErrorCode; leader: number; message: string };

export class MalformedTsoFrameError extends Error {
  readonly code = 'MalformedTsoFrame' as const;
}

export function frame(body: unknown): Buffer {
  const bytes = pack(body);
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  header.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([header, bytes]);
}

export function encodeRequest(req: GetTimestampsRequest): Buffer {
  return frame(req);
}

export function decodeRequest(body: Buffer): GetTimestampsRequest {
  const r = unpack(body) as Partial<GetTimestampsRequest>;
  if (typeof r.id !== 'number' || typeof r.count !== 'number') throw new MalformedTsoFrameError('bad GetTimestamps request');
  return { id: r.id, count: r.count };
}

export function encodeResponse(res: GetTimestampsResponse): Buffer {
  return frame(res.ok ? { ...res, first: timestampToBytes(res.first) } : res);
}

export function decodeResponse(body: Buffer): GetTimestampsResponse {
  const r = unpack(body) as { id?: unknown; ok?: unknown; first?: unknown; count?: unknown; code?: unknown; leader?: unknown; message?: unknown };
  if (typeof r.id !== 'number') throw new MalformedTsoFrameError('response without id');
  if (r.ok === true && r.first instanceof Uint8Array && typeof r.count === 'number') {
    return { id: r.id, ok: true, first: timestampFromBytes(r.first), count: r.count };
  }
  if (r.ok === false && typeof r.code === 'string' && typeof r.leader === 'number') {
    return { id: r.id, ok: false, code: r.code as TsoErrorCode, leader: r.leader, message: String(r.message) };
  }
  throw new MalformedTsoFrameError('bad GetTimestamps response');
}
