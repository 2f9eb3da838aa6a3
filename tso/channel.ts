/**
 * How a TSO client reaches the replicas of the TSO group: over TCP to each
 * replica's TsoServer, or, in embedded mode, straight to the local oracle.
 * Either way a call yields one range or throws a TsoError (transport
 * failures surface as TsoUnavailableError, so the client tries elsewhere).
 * Through a PeerListener, `preamble` (its protocol byte) starts each connection.
 */
import { connect, type Socket } from 'node:net';
import { FrameDecoder } from '../consensus/adapters/tcp-transport.js';
import type { TimestampRange } from './allocator.js';
import {
  TsoClosedError,
  TsoDeadlineError,
  TsoError,
  TsoInvalidRequestError,
  TsoNotLeaderError,
  TsoOverloadedError,
  TsoUnavailableError,
  TsoUnreachableError,
  type TsoErrorCode,
} from './errors.js';
import type { TimestampService } from './tso-server.js';
import { decodeResponse, encodeRequest, MAX_TSO_FRAME_BYTES, type GetTimestampsResponse } from './wire.js';

export interface TsoChannel {
  /** The replica ids the client may ask. */
  readonly replicas: readonly number[];
  getTimestamps(replica: number, count: number, timeoutMs: number): Promise<TimestampRange>;
  close(): void;
}

export interface ReplicaAddress {
  host: string;
  port: number;
}

export interface TcpTsoChannelOptions {
  /** Written first on every connection (the PeerListener's protocol byte). */
  preamble?: Buffer;
}

const errorFromCode: Record<Exclude<TsoErrorCode, 'NotLeader'>, new (message: string) => TsoError> = {
  Unavailable: TsoUnavailableError,
  Deadline: TsoDeadlineError,
  Overloaded: TsoOverloadedError,
  Closed: TsoUnavailableError, // that replica is shutting down; another may serve
  Invalid: TsoInvalidRequestError,
};

function toResult(res: GetTimestampsResponse): TimestampRange {
  if (res.ok) return { first: res.first, count: res.count };
  if (res.code === 'NotLeader') throw new TsoNotLeaderError(res.leader);
  throw new errorFromCode[res.code](res.message);
}

interface Waiting {
  resolve: (res: GetTimestampsResponse) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** One connection to one replica's TsoServer, requests matched to responses by id. */
class ReplicaConnection {
  private socket: Socket | undefined;
  private connected: Promise<void> | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;

  constructor(
    private readonly address: ReplicaAddress,
    private readonly preamble: Buffer | undefined,
  ) {}

  async request(count: number, timeoutMs: number): Promise<GetTimestampsResponse> {
    const id = this.nextId++;
    const answer = new Promise<GetTimestampsResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new TsoUnreachableError('TSO request timed out'));
      }, timeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
    });
    try {
      await this.connect();
    } catch {
      this.fail(new TsoUnreachableError(`cannot connect to ${this.address.host}:${this.address.port}`));
      return answer; // rejected just now
    }
    this.socket?.write(encodeRequest({ id, count }));
    return answer;
  }

  private connect(): Promise<void> {
    if (this.connected !== undefined) return this.connected;
    const socket = connect(this.address.port, this.address.host);
    socket.setNoDelay(true);
    if (this.preamble !== undefined) socket.write(this.preamble); // buffered until connected, ahead of every request
    this.socket = socket;
    const decoder = new FrameDecoder(MAX_TSO_FRAME_BYTES);
    this.connected = new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const body of decoder.push(chunk)) {
          const res = decodeResponse(body);
          const w = this.waiting.get(res.id);
          if (w === undefined) continue; // timed out already
          this.waiting.delete(res.id);
          clearTimeout(w.timer);
          w.resolve(res);
        }
      } catch {
        socket.destroy(); // garbage from the server: reconnect on the next request
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket === socket) {
        this.socket = undefined;
        this.connected = undefined;
      }
      this.fail(new TsoUnreachableError('connection to TSO replica closed'));
    });
    return this.connected;
  }

  private fail(err: Error): void {
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.waiting.clear();
  }

  close(): void {
    this.socket?.destroy();
    this.fail(new TsoClosedError('TSO channel closed'));
  }
}

export class TcpTsoChannel implements TsoChannel {
  readonly replicas: readonly number[];
  private readonly connections = new Map<number, ReplicaConnection>();

  constructor(addresses: ReadonlyMap<number, ReplicaAddress>, options: TcpTsoChannelOptions = {}) {
    this.replicas = [...addresses.keys()];
    for (const [id, address] of addresses) this.connections.set(id, new ReplicaConnection(address, options.preamble));
  }

  async getTimestamps(replica: number, count: number, timeoutMs: number): Promise<TimestampRange> {
    const conn = this.connections.get(replica);
    if (conn === undefined) throw new TsoUnreachableError(`unknown TSO replica ${replica}`);
    return toResult(await conn.request(count, timeoutMs));
  }

  close(): void {
    for (const conn of this.connections.values()) conn.close();
  }
}

/** Embedded mode: the one replica is in this process. */
export class LocalTsoChannel implements TsoChannel {
  readonly replicas: readonly number[];

  constructor(
    replica: number,
    private readonly service: TimestampService,
  ) {
    this.replicas = [replica];
  }

  getTimestamps(_replica: number, count: number): Promise<TimestampRange> {
    return this.service.getTimestamps(count);
  }

  close(): void {}
}
