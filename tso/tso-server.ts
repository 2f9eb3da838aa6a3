/**
 * Serves GetTimestamps(count) over TCP: each request is answered with one
 * contiguous range from the local oracle, or with the error that tells the
 * client where to go (NotLeader + leader hint) or to retry (Unavailable).
 * It listens on its own port, or (with `listen: false`) is handed sockets by
 * a PeerListener.
 */
import type { Socket } from 'node:net';
import { InboundEndpoint, type InboundListenOptions } from '../consensus/adapters/peer-listener.js';
import { FrameDecoder, FrameTooLargeError } from '../consensus/adapters/tcp-transport.js';
import type { TimestampRange } from './allocator.js';
import { TsoError, TsoNotLeaderError } from './errors.js';
import { decodeRequest, encodeResponse, MalformedTsoFrameError, MAX_TSO_FRAME_BYTES, type GetTimestampsResponse } from './wire.js';

/** A well-behaved client has one request in flight; more than this per connection is refused. */
export const MAX_REQUESTS_IN_FLIGHT_PER_CONNECTION = 64;

/** What the server asks for timestamps: the TsoOracle. */
export interface TimestampService {
  getTimestamps(count: number): Promise<TimestampRange>;
}

export interface TsoServerOptions extends InboundListenOptions {
  service: TimestampService;
}

export class TsoServer extends InboundEndpoint {
  constructor(private readonly opts: TsoServerOptions) {
    super(opts);
  }

  protected serve(socket: Socket): void {
    socket.setNoDelay(true);
    const decoder = new FrameDecoder(MAX_TSO_FRAME_BYTES);
    let inFlight = 0;
    socket.on('data', (chunk: Buffer) => {
      let bodies: Buffer[];
      try {
        bodies = decoder.push(chunk);
        for (const body of bodies) {
          const req = decodeRequest(body);
          if (inFlight >= MAX_REQUESTS_IN_FLIGHT_PER_CONNECTION) {
            socket.write(encodeResponse({ id: req.id, ok: false, code: 'Overloaded', leader: 0, message: 'too many requests in flight' }));
            continue;
          }
          inFlight++;
          void this.answer(req.id, req.count).then((res) => {
            inFlight--;
            if (!socket.destroyed) socket.write(encodeResponse(res));
          });
        }
      } catch (err) {
        if (err instanceof FrameTooLargeError || err instanceof MalformedTsoFrameError) {
          socket.destroy(); // a client speaking garbage is cut off
          return;
        }
        throw err;
      }
    });
  }

  private async answer(id: number, count: number): Promise<GetTimestampsResponse> {
    try {
      const range = await this.opts.service.getTimestamps(count);
      return { id, ok: true, first: range.first, count: range.count };
    } catch (err) {
      if (err instanceof TsoError) {
        const leader = err instanceof TsoNotLeaderError ? err.leader : 0;
        return { id, ok: false, code: err.code, leader, message: err.message };
      }
      // A bad count (AllocatorRangeError) or anything else: retrying cannot help.
      return { id, ok: false, code: 'Invalid', leader: 0, message: err instanceof Error ? err.message : 'failed' };
    }
  }
}
