/**
 * The host-to-host transport over TCP: one outgoing connection per peer,
 * carrying length-prefixed frames (u32 big-endian length, then a msgpackr
 * body `{ from, envelopes }`), each frame holding every message one flush
 * sends to that peer, for all groups. Delivery is best effort, which Raft
 * tolerates: a full queue drops its oldest frames (a fresh message is worth
 * more to Raft than a stale one), a broken connection loses what it had in
 * flight, a peer that is down is queued only its few newest frames (a
 * restarted node is not flooded with what its leaders sent while it was
 * away), and reconnects use exponential backoff.
 * It listens on its own port, or (with `listen: false`) is handed inbound
 * sockets by a PeerListener, in which case `preamble` (the protocol byte)
 * starts every outgoing connection.
 */
import { writeCoalesced } from './coalesce.js';
import { connect, type Socket } from 'node:net';
import { InboundEndpoint, type InboundListenOptions } from './peer-listener.js';
import { pack, unpack } from 'msgpackr';
import type { Envelope, HostTransport } from '../host.js';
import type { NodeId } from '../messages.js';

export const FRAME_HEADER_BYTES = 4;
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_QUEUED_FRAMES = 1024;
/** Frames kept for a peer while no connection to it is up (the newest ones). */
export const DEFAULT_MAX_QUEUED_FRAMES_WHILE_DOWN = 32;
export const DEFAULT_MAX_QUEUED_BYTES = 128 * 1024 * 1024;
export const DEFAULT_RECONNECT_MIN_MS = 50;
export const DEFAULT_RECONNECT_MAX_MS = 2_000;

export interface PeerAddress {
  host: string;
  port: number;
}

export interface TcpTransportLimits {
  maxFrameBytes: number;
  /** Per peer: frames waiting for the socket to drain; the oldest are dropped beyond it. */
  maxQueuedFrames: number;
  /** Per peer, while no connection is up: frames waiting for one (the newest are kept). */
  maxQueuedFramesWhileDown: number;
  maxQueuedBytes: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
}

export interface TcpTransportOptions extends InboundListenOptions {
  nodeId: NodeId;
  /** Written first on every outgoing connection (the PeerListener's protocol byte). */
  preamble?: Buffer;
  peers: ReadonlyMap<NodeId, PeerAddress>;
  onEnvelopes: (from: NodeId, envelopes: Envelope[]) => void;
  limits?: Partial<TcpTransportLimits>;
}

export interface TransportStats {
  framesSent: number;
  framesReceived: number;
  dropped: number;
  connects: number;
}

export class FrameTooLargeError extends Error {
  readonly code = 'FrameTooLarge' as const;
}

export class MalformedFrameError extends Error {
  readonly code = 'MalformedFrame' as const;
}

/** Prefixes an encoded body with its length; refuses bodies over `maxFrameBytes`. */
export function frameBody(body: Buffer, maxFrameBytes: number): Buffer {
  if (body.length > maxFrameBytes) throw new FrameTooLargeError(`frame of ${body.length} bytes exceeds ${maxFrameBytes}`);
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  header.writeUInt32BE(body.length, 0);
  return Buffer.concat([header, body]);
}

export function encodeFrame(from: NodeId, envelopes: readonly Envelope[], maxFrameBytes: number): Buffer {
  return frameBody(pack({ from, envelopes }), maxFrameBytes);
}

/**
 * Splits a byte stream into frame bodies. Chunks are kept as they arrive and
 * each byte is copied at most once, when its frame is complete: appending
 * every chunk to one growing buffer instead costs the square of a frame's
 * size (a 64 MiB frame read in 64 KiB chunks is ~32 GB of copying, tens of
 * seconds with the event loop blocked, and every group on the node loses its
 * leader meanwhile).
 */
export class FrameDecoder {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  /** The body length of the frame being read, once its header is in. */
  private frameLength: number | undefined;

  constructor(private readonly maxFrameBytes: number) {}

  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.bytes += chunk.length;
    }
    const frames: Buffer[] = [];
    for (;;) {
      if (this.frameLength === undefined) {
        if (this.bytes < FRAME_HEADER_BYTES) break;
        const length = this.take(FRAME_HEADER_BYTES).readUInt32BE(0);
        if (length > this.maxFrameBytes) throw new FrameTooLargeError(`incoming frame of ${length} bytes`);
        this.frameLength = length;
      }
      if (this.bytes < this.frameLength) break;
      frames.push(this.take(this.frameLength));
      this.frameLength = undefined;
    }
    return frames;
  }

  /** The next `n` buffered bytes (n <= this.bytes): a view when one chunk holds them, else one copy. */
  private take(n: number): Buffer {
    this.bytes -= n;
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const head = this.chunks[0]!;
      const used = Math.min(head.length, n - filled);
      head.copy(out, filled, 0, used);
      filled += used;
      if (used === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(used);
    }
    return out;
  }
}

export function decodeFrame(body: Buffer): { from: NodeId; envelopes: Envelope[] } {
  const decoded = unpack(body) as { from?: unknown; envelopes?: unknown };
  if (typeof decoded.from !== 'number' || !Array.isArray(decoded.envelopes)) {
    throw new MalformedFrameError('frame lacks from/envelopes');
  }
  return { from: decoded.from, envelopes: decoded.envelopes as Envelope[] };
}

/** The outgoing side towards one peer. */
class PeerLink {
  private socket: Socket | undefined;
  private connecting = false;
  private writable = false;
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private backoffMs: number;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly address: PeerAddress,
    private readonly limits: TcpTransportLimits,
    private readonly stats: TransportStats,
    private readonly preamble: Buffer | undefined,
  ) {
    this.backoffMs = limits.reconnectMinMs;
  }

  /** Queues `frame`, dropping the oldest frames beyond the bounds; false if the frame itself cannot be queued. */
  enqueue(frame: Buffer): boolean {
    if (this.closed || frame.length > this.limits.maxQueuedBytes) {
      this.stats.dropped++;
      return false;
    }
    this.queue.push(frame);
    this.queuedBytes += frame.length;
    this.trimQueue();
    if (this.writable) this.drainQueue();
    else this.ensureConnecting();
    return true;
  }

  /** Drops the oldest queued frames beyond the bound that applies now (connected or not). */
  private trimQueue(): void {
    const connected = this.socket !== undefined && !this.connecting;
    const maxFrames = connected ? this.limits.maxQueuedFrames : this.limits.maxQueuedFramesWhileDown;
    while (this.queue.length > maxFrames || this.queuedBytes > this.limits.maxQueuedBytes) {
      this.queuedBytes -= this.queue.shift()!.length;
      this.stats.dropped++;
    }
  }

  private ensureConnecting(): void {
    if (this.socket !== undefined || this.connecting || this.timer !== undefined || this.closed) return;
    this.connecting = true;
    const socket = connect(this.address.port, this.address.host);
    socket.setNoDelay(true);
    this.socket = socket;
    socket.on('connect', () => {
      this.connecting = false;
      this.writable = this.preamble === undefined || socket.write(this.preamble);
      this.backoffMs = this.limits.reconnectMinMs;
      this.stats.connects++;
      this.drainQueue();
    });
    socket.on('drain', () => {
      this.writable = true;
      this.drainQueue();
    });
    socket.on('error', () => {
      // 'close' follows and schedules the reconnect.
    });
    socket.on('close', () => {
      this.socket = undefined;
      this.connecting = false;
      this.writable = false;
      this.trimQueue();
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.closed || this.queue.length === 0) return; // reconnect lazily, when there is something to send
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.ensureConnecting();
    }, this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, this.limits.reconnectMaxMs);
  }

  private drainQueue(): void {
    while (this.writable && this.socket !== undefined && this.queue.length > 0) {
      const frame = this.queue.shift()!;
      this.queuedBytes -= frame.length;
      this.stats.framesSent++;
      // write() returning false means the kernel buffer is full: wait for 'drain'.
      this.writable = writeCoalesced(this.socket, frame);
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.socket?.destroy();
    this.queue = [];
    this.queuedBytes = 0;
  }
}

export class TcpTransport extends InboundEndpoint implements HostTransport {
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly limits: TcpTransportLimits;
  readonly stats: TransportStats = { framesSent: 0, framesReceived: 0, dropped: 0, connects: 0 };

  constructor(private readonly opts: TcpTransportOptions) {
    super(opts);
    this.limits = {
      maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
      maxQueuedFrames: DEFAULT_MAX_QUEUED_FRAMES,
      maxQueuedFramesWhileDown: DEFAULT_MAX_QUEUED_FRAMES_WHILE_DOWN,
      maxQueuedBytes: DEFAULT_MAX_QUEUED_BYTES,
      reconnectMinMs: DEFAULT_RECONNECT_MIN_MS,
      reconnectMaxMs: DEFAULT_RECONNECT_MAX_MS,
      ...opts.limits,
    };
  }

  protected serve(socket: Socket): void {
    const decoder = new FrameDecoder(this.limits.maxFrameBytes);
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const body of decoder.push(chunk)) {
          const { from, envelopes } = decodeFrame(body);
          this.stats.framesReceived++;
          this.opts.onEnvelopes(from, envelopes);
        }
      } catch (err) {
        if (err instanceof FrameTooLargeError || err instanceof MalformedFrameError) {
          socket.destroy(); // a peer speaking garbage is cut off; it reconnects
          return;
        }
        throw err;
      }
    });
  }

  /** Queue one frame with all of `envelopes` for `to`; false if it was dropped. */
  send(to: NodeId, envelopes: readonly Envelope[]): boolean {
    const address = this.opts.peers.get(to);
    if (address === undefined) {
      this.stats.dropped++;
      return false;
    }
    let frame: Buffer;
    try {
      frame = encodeFrame(this.opts.nodeId, envelopes, this.limits.maxFrameBytes);
    } catch (err) {
      if (!(err instanceof FrameTooLargeError)) throw err;
      this.stats.dropped++;
      return false;
    }
    let link = this.links.get(to);
    if (link === undefined) this.links.set(to, (link = new PeerLink(address, this.limits, this.stats, this.opts.preamble)));
    return link.enqueue(frame);
  }

  override async close(): Promise<void> {
    for (const link of this.links.values()) link.close();
    this.links.clear();
    await super.close();
  }
}
