/**
 * One peer port per node: every internal connection (Raft, TSO, node-to-node
 * RPC) arrives here. Its first byte names the protocol; the listener reads it,
 * puts back whatever arrived after it, and hands the socket to the acceptor
 * registered for that protocol, which then sees a clean stream. A connection
 * with an unknown byte, or silent for too long, is destroyed.
 * Also `InboundEndpoint`: the inbound side every such endpoint (Raft
 * transport, TSO server, RPC server) shares, whether it listens on a port of
 * its own or is handed sockets by a PeerListener.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { listen } from './listen.js';

/** The first byte of every peer connection. */
export const PEER_PROTOCOL = { raft: 0x01, tso: 0x02, rpc: 0x03 } as const;
export type PeerProtocol = (typeof PEER_PROTOCOL)[keyof typeof PEER_PROTOCOL];

/** How long a new connection may take to send its protocol byte. */
export const PEER_PROTOCOL_TIMEOUT_MS = 5_000;
/** Connections that have not sent their protocol byte yet; more are refused. */
export const MAX_UNIDENTIFIED_PEER_SOCKETS = 256;

const KNOWN_PROTOCOLS: ReadonlySet<number> = new Set(Object.values(PEER_PROTOCOL));

/** The bytes a client writes first on a connection to a PeerListener. */
export function peerPreamble(protocol: PeerProtocol): Buffer {
  return Buffer.from([protocol]);
}

export type PeerAcceptor = (socket: Socket) => void;

export interface InboundListenOptions {
  /** Where to listen (required unless `listen` is false); port 0 picks a free port (start() resolves with it). */
  host?: string;
  port?: number;
  /** false: start() opens no server; sockets come through accept() (from a PeerListener). Default true. */
  listen?: boolean;
}

/** A server of connections: from its own port, or handed over through accept(); close() ends them all. */
export abstract class InboundEndpoint {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private closed = false;

  constructor(private readonly listenOptions: InboundListenOptions) {}

  /** Serves one connection; 'error' is already handled (it is followed by 'close'). */
  protected abstract serve(socket: Socket): void;

  /** Start listening; resolves with the bound port (0 with `listen: false`: nothing to bind). */
  async start(): Promise<number> {
    if (this.listenOptions.listen === false) return 0;
    const { host, port } = this.listenOptions;
    if (host === undefined || port === undefined) throw new TypeError(`${this.constructor.name}: host and port are required to listen`);
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    return listen(server, port, host);
  }

  /** Takes one inbound connection, e.g. handed over by a PeerListener. */
  accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
    this.serve(socket);
  }

  /** Destroys every open connection and stops listening. */
  async close(): Promise<void> {
    this.closed = true;
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export interface PeerListenerOptions {
  host: string;
  /** 0 picks a free port (see `port` after start()). */
  port: number;
  protocolTimeoutMs?: number;
}

export class PeerListener extends InboundEndpoint {
  private boundPort: number | undefined;
  private readonly acceptors = new Map<number, PeerAcceptor>();
  private unidentified = 0;

  constructor(private readonly opts: PeerListenerOptions) {
    super(opts);
  }

  /** Routes connections that start with `protocol` to `accept`; one acceptor per protocol. */
  register(protocol: PeerProtocol, accept: PeerAcceptor): void {
    if (!KNOWN_PROTOCOLS.has(protocol)) throw new RangeError(`unknown peer protocol ${protocol}`);
    if (this.acceptors.has(protocol)) throw new Error(`peer protocol ${protocol} is already registered`);
    this.acceptors.set(protocol, accept);
  }

  /** Start listening; resolves with the bound port. */
  override async start(): Promise<number> {
    if (this.boundPort !== undefined) throw new Error('PeerListener already started');
    this.boundPort = await super.start();
    return this.boundPort;
  }

  get port(): number {
    if (this.boundPort === undefined) throw new Error('PeerListener not started');
    return this.boundPort;
  }

  /** Reads the protocol byte and hands the socket to that protocol's acceptor. */
  protected serve(socket: Socket): void {
    if (this.unidentified >= MAX_UNIDENTIFIED_PEER_SOCKETS) {
      socket.destroy();
      return;
    }
    this.unidentified++;
    let identified = false;
    const settle = (): void => {
      identified = true;
      this.unidentified--;
      clearTimeout(timer);
      socket.off('data', onFirstChunk);
    };
    const timer = setTimeout(() => {
      settle();
      socket.destroy();
    }, this.opts.protocolTimeoutMs ?? PEER_PROTOCOL_TIMEOUT_MS);
    const onFirstChunk = (chunk: Buffer): void => {
      // Paused before the listener goes, so nothing flows while no one listens.
      socket.pause();
      settle();
      const accept = this.acceptors.get(chunk[0]!);
      if (accept === undefined) {
        socket.destroy();
        return;
      }
      if (chunk.length > 1) socket.unshift(chunk.subarray(1));
      accept(socket);
      socket.resume();
    };
    socket.on('data', onFirstChunk);
    socket.on('close', () => {
      if (!identified) settle();
    });
  }
}
