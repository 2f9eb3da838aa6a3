/**
 * Node-to-node request/response RPC over TCP: the same length-prefixed frames
 * as the Raft transport, msgpackr bodies (Buffers, bigints of any size, nested
 * objects, `undefined` fields round-trip). The client keeps one lazily opened
 * connection per peer with many requests in flight, matched to answers by id;
 * the server runs a handler per request and answers in completion order.
 * Both sides are bounded: the client refuses calls beyond `maxPending` per
 * peer, the server answers `Overloaded` beyond `maxInFlightPerConnection`,
 * and a peer that sends garbage or oversized frames is cut off.
 */
import { writeCoalesced } from './coalesce.js';
import { connect, type Socket } from 'node:net';
import { Packr } from 'msgpackr';
import { InboundEndpoint, type InboundListenOptions } from './peer-listener.js';
import { FrameDecoder, FrameTooLargeError, frameBody, type PeerAddress } from './tcp-transport.js';

export const DEFAULT_RPC_MAX_FRAME_BYTES = 32 * 1024 * 1024;
/** Per connection on the server: handlers running at once before requests are refused. */
export const DEFAULT_RPC_MAX_IN_FLIGHT_PER_CONNECTION = 1024;
/** Per peer on the client: calls awaiting an answer before new ones are refused. */
export const DEFAULT_RPC_MAX_PENDING = 1024;
/** Answers a client has not read yet (beyond the one being written); more means it stopped reading and is cut off. */
export const RPC_MAX_UNSENT_BYTES = 64 * 1024 * 1024;
/** After a failed connect, calls to that peer fail at once for this long, doubling up to the max. */
export const DEFAULT_RPC_RECONNECT_MIN_MS = 20;
export const DEFAULT_RPC_RECONNECT_MAX_MS = 1_000;

export type RpcErrorCode = 'RpcUnreachable' | 'RpcTimeout' | 'RpcOverloaded' | 'RpcClosed';

export abstract class RpcError extends Error {
  abstract readonly code: RpcErrorCode;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * The peer could not be reached, or the connection closed before the answer.
 * `maybeDelivered` says whether the request may have run: false when no
 * connection was ever made (a refused connect), true when one was lost.
 */
export class RpcUnreachableError extends RpcError {
  readonly code = 'RpcUnreachable' as const;

  constructor(
    message: string,
    readonly maybeDelivered = true,
  ) {
    super(message);
  }
}

/** No answer in time: the request may have run, or may still run. */
export class RpcTimeoutError extends RpcError {
  readonly code = 'RpcTimeout' as const;
}

/** Refused without running: too many calls pending here, or in flight at the server. */
export class RpcOverloadedError extends RpcError {
  readonly code = 'RpcOverloaded' as const;
}

/** The client was closed. */
export class RpcClosedError extends RpcError {
  readonly code = 'RpcClosed' as const;
}

/** Objects as msgpack maps (no shared record structures between processes); bigints stay bigints at any size. */
const packr = new Packr({ useRecords: false, useBigIntExtension: true, int64AsType: 'bigint' });

interface RpcRequest {
  id: number;
  from: number;
  method: string;
  payload: unknown;
}

/** Why the RPC layer itself refused a request (the handler did not run, or its answer could not travel). */
type RpcRefusal = 'Overloaded' | 'FrameTooLarge';

type RpcResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: unknown }
  | { id: number; ok: false; refused: RpcRefusal; message: string };

class MalformedRpcFrameError extends Error {
  readonly code = 'MalformedRpcFrame' as const;
}

function encodeMessage(message: RpcRequest | RpcResponse, maxFrameBytes: number): Buffer {
  return frameBody(packr.pack(message), maxFrameBytes);
}

/** msgpackr throws plain Errors on bytes it cannot parse: those are garbage from the peer. */
function unpackBody(body: Buffer): unknown {
  try {
    return packr.unpack(body);
  } catch (err) {
    throw new MalformedRpcFrameError(`undecodable RPC frame: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function decodeRequest(body: Buffer): RpcRequest {
  const r = unpackBody(body) as Partial<RpcRequest> | null;
  if (r === null || typeof r !== 'object' || typeof r.id !== 'number' || typeof r.from !== 'number' || typeof r.method !== 'string') {
    throw new MalformedRpcFrameError('bad RPC request');
  }
  return { id: r.id, from: r.from, method: r.method, payload: r.payload };
}

function decodeResponse(body: Buffer): RpcResponse {
  const r = unpackBody(body) as { id?: unknown; ok?: unknown; result?: unknown; error?: unknown; refused?: unknown; message?: unknown } | null;
  if (r === null || typeof r !== 'object' || typeof r.id !== 'number' || typeof r.ok !== 'boolean') {
    throw new MalformedRpcFrameError('bad RPC response');
  }
  if (r.ok) return { id: r.id, ok: true, result: r.result };
  if (r.refused === 'Overloaded' || r.refused === 'FrameTooLarge') return { id: r.id, ok: false, refused: r.refused, message: String(r.message) };
  return { id: r.id, ok: false, error: r.error };
}

/** Reads frames off `socket`; garbage or an oversized frame destroys it. */
function readFrames(socket: Socket, maxFrameBytes: number, onBody: (body: Buffer) => void): void {
  const decoder = new FrameDecoder(maxFrameBytes);
  socket.on('data', (chunk: Buffer) => {
    try {
      for (const body of decoder.push(chunk)) onBody(body);
    } catch (err) {
      if (!(err instanceof FrameTooLargeError || err instanceof MalformedRpcFrameError)) throw err;
      socket.destroy(); // a peer speaking garbage is cut off
    }
  });
}

// ---------------------------------------------------------------- server

export type RpcHandler = (method: string, payload: unknown, from: number) => Promise<unknown>;

export interface RpcServerOptions extends InboundListenOptions {
  handler: RpcHandler;
  /** Turns what a handler threw into a msgpackr-encodable value; the client's decodeError reverses it. */
  encodeError: (err: unknown) => unknown;
  maxFrameBytes?: number;
  maxInFlightPerConnection?: number;
}

export class RpcServer extends InboundEndpoint {
  private readonly maxFrameBytes: number;
  private readonly maxInFlight: number;

  constructor(private readonly opts: RpcServerOptions) {
    super(opts);
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_RPC_MAX_FRAME_BYTES;
    this.maxInFlight = opts.maxInFlightPerConnection ?? DEFAULT_RPC_MAX_IN_FLIGHT_PER_CONNECTION;
  }

  protected serve(socket: Socket): void {
    socket.setNoDelay(true);
    let inFlight = 0;
    readFrames(socket, this.maxFrameBytes, (body) => {
      const req = decodeRequest(body);
      if (inFlight >= this.maxInFlight) {
        this.reply(socket, { id: req.id, ok: false, refused: 'Overloaded', message: `more than ${this.maxInFlight} requests in flight` });
        return;
      }
      inFlight++;
      void this.run(req).then((res) => {
        inFlight--;
        this.reply(socket, res);
      });
    });
  }

  private async run(req: RpcRequest): Promise<RpcResponse> {
    try {
      return { id: req.id, ok: true, result: await this.opts.handler(req.method, req.payload, req.from) };
    } catch (err) {
      return { id: req.id, ok: false, error: this.opts.encodeError(err) };
    }
  }

  private reply(socket: Socket, res: RpcResponse): void {
    if (socket.destroyed) return;
    if (socket.writableLength > RPC_MAX_UNSENT_BYTES) {
      socket.destroy(); // the client stopped reading its answers
      return;
    }
    writeCoalesced(socket, this.encodeResponse(res));
  }

  /** An answer that cannot travel still answers the call: too large, or not encodable (the handler's bug). */
  private encodeResponse(res: RpcResponse): Buffer {
    try {
      return encodeMessage(res, this.maxFrameBytes);
    } catch (err) {
      if (err instanceof FrameTooLargeError) {
        return encodeMessage({ id: res.id, ok: false, refused: 'FrameTooLarge', message: `answer: ${err.message}` }, this.maxFrameBytes);
      }
      return encodeMessage({ id: res.id, ok: false, error: this.opts.encodeError(err) }, this.maxFrameBytes);
    }
  }
}

// ---------------------------------------------------------------- client

export interface RpcClientOptions {
  nodeId: number;
  peers: ReadonlyMap<number, PeerAddress>;
  /** Written first on every connection (the PeerListener's protocol byte). */
  preamble?: Buffer;
  /** Rebuilds the error a remote handler threw from what the server's encodeError made of it. */
  decodeError: (encoded: unknown) => Error;
  maxFrameBytes?: number;
  /** Per peer: calls awaiting an answer; more are refused with RpcOverloadedError. */
  maxPending?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

export interface RpcCallOptions {
  timeoutMs: number;
}

interface Pending {
  resolve: (result: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

interface ClientLimits {
  maxFrameBytes: number;
  maxPending: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
}

/** The connection to one peer: opened on the first call, reopened on a call after it failed. */
class PeerChannel {
  private socket: Socket | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private backoffMs: number;
  /** Until then calls fail at once: the last connect attempt failed. */
  private retryAtMs = 0;

  constructor(
    private readonly address: PeerAddress,
    private readonly opts: RpcClientOptions,
    private readonly limits: ClientLimits,
  ) {
    this.backoffMs = limits.reconnectMinMs;
  }

  call(method: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    if (this.pending.size >= this.limits.maxPending) {
      return Promise.reject(new RpcOverloadedError(`more than ${this.limits.maxPending} calls pending to ${this.where()}`));
    }
    if (this.socket === undefined && Date.now() < this.retryAtMs) {
      return Promise.reject(new RpcUnreachableError(`cannot connect to ${this.where()} (retrying after backoff)`, false));
    }
    const id = this.nextId++;
    let frame: Buffer;
    try {
      frame = encodeMessage({ id, from: this.opts.nodeId, method, payload }, this.limits.maxFrameBytes);
    } catch (err) {
      return Promise.reject(err as Error); // FrameTooLargeError, or a payload msgpackr cannot encode
    }
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RpcTimeoutError(`${method} to ${this.where()}: no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
    });
    writeCoalesced(this.connection(), frame);
    return answer;
  }

  private connection(): Socket {
    if (this.socket !== undefined) return this.socket;
    const socket = connect(this.address.port, this.address.host);
    socket.setNoDelay(true);
    // Writes before 'connect' are buffered in order: the preamble goes first.
    if (this.opts.preamble !== undefined) socket.write(this.opts.preamble);
    this.socket = socket;
    let connected = false;
    socket.on('connect', () => {
      connected = true;
      this.backoffMs = this.limits.reconnectMinMs;
    });
    readFrames(socket, this.limits.maxFrameBytes, (body) => this.answer(decodeResponse(body)));
    socket.on('error', () => undefined); // 'close' follows
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
      if (!connected) {
        this.retryAtMs = Date.now() + this.backoffMs;
        this.backoffMs = Math.min(this.backoffMs * 2, this.limits.reconnectMaxMs);
      }
      const why = connected ? 'connection closed before the answer' : 'cannot connect';
      this.failAll(new RpcUnreachableError(`${this.where()}: ${why}`, connected));
    });
    return socket;
  }

  private answer(res: RpcResponse): void {
    const p = this.pending.get(res.id);
    if (p === undefined) return; // timed out already
    this.pending.delete(res.id);
    clearTimeout(p.timer);
    if (res.ok) p.resolve(res.result);
    else if ('refused' in res) p.reject(res.refused === 'Overloaded' ? new RpcOverloadedError(res.message) : new FrameTooLargeError(res.message));
    else p.reject(this.remoteError(res.error));
  }

  private remoteError(encoded: unknown): Error {
    try {
      return this.opts.decodeError(encoded);
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }

  private where(): string {
    return `${this.address.host}:${this.address.port}`;
  }

  close(): void {
    this.failAll(new RpcClosedError('RPC client closed'));
    this.socket?.destroy();
    this.socket = undefined;
  }
}

export class RpcClient {
  private readonly channels = new Map<number, PeerChannel>();
  private readonly limits: ClientLimits;
  private closed = false;

  constructor(private readonly opts: RpcClientOptions) {
    this.limits = {
      maxFrameBytes: opts.maxFrameBytes ?? DEFAULT_RPC_MAX_FRAME_BYTES,
      maxPending: opts.maxPending ?? DEFAULT_RPC_MAX_PENDING,
      reconnectMinMs: opts.reconnectMinMs ?? DEFAULT_RPC_RECONNECT_MIN_MS,
      reconnectMaxMs: opts.reconnectMaxMs ?? DEFAULT_RPC_RECONNECT_MAX_MS,
    };
  }

  /**
   * Runs `method` on node `to` and resolves with its result. Rejects with
   * RpcUnreachableError / RpcTimeoutError (the request may have run),
   * RpcOverloadedError (it did not), RpcClosedError, FrameTooLargeError, or
   * what decodeError makes of the error the remote handler threw.
   */
  call(to: number, method: string, payload: unknown, { timeoutMs }: RpcCallOptions): Promise<unknown> {
    if (this.closed) return Promise.reject(new RpcClosedError('RPC client closed'));
    if (!(timeoutMs > 0)) return Promise.reject(new RangeError(`timeoutMs must be positive, got ${timeoutMs}`));
    let channel = this.channels.get(to);
    if (channel === undefined) {
      const address = this.opts.peers.get(to);
      if (address === undefined) return Promise.reject(new RpcUnreachableError(`unknown peer ${to}`));
      this.channels.set(to, (channel = new PeerChannel(address, this.opts, this.limits)));
    }
    return channel.call(method, payload, timeoutMs);
  }

  /** Fails every pending call with RpcClosedError and closes the connections. */
  close(): void {
    this.closed = true;
    for (const channel of this.channels.values()) channel.close();
    this.channels.clear();
  }
}
