/**
 * The TCP transport on 127.0.0.1 with random ports: frames round-trip with
 * binary payloads intact, a peer that restarts is reconnected to with the
 * queued frames delivered, queues are bounded, and the frame codec handles
 * split and coalesced chunks.
 */
import t, { type Test } from 'tap';
import {
  FrameDecoder,
  TcpTransport,
  decodeFrame,
  encodeFrame,
  type PeerAddress,
  type TcpTransportLimits,
} from '../../../consensus/adapters/tcp-transport.js';
import type { Envelope } from '../../../consensus/host.js';
import { freePort } from '../../../consensus/adapters/listen.js';
import type { NodeId } from '../../../consensus/messages.js';

const HOST = '127.0.0.1';
const WAIT_LIMIT_MS = 5_000;

function appEnvelope(groupId: number, payload: string): Envelope {
  return {
    groupId,
    message: {
      type: 'app',
      from: 1,
      to: 2,
      term: 3,
      index: 4,
      logTerm: 3,
      commit: 4,
      entries: [{ term: 3, index: 5, type: 'normal', data: new TextEncoder().encode(payload) }],
    },
  };
}

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function payloadOf(e: Envelope): string {
  if (e.message.type !== 'app') return '';
  return new TextDecoder().decode(e.message.entries[0]!.data);
}

/** A sender that ignores what it receives, listening on a random port. */
async function startSender(tt: Test, peers: Map<NodeId, PeerAddress>, limits: Partial<TcpTransportLimits>): Promise<TcpTransport> {
  const transport = new TcpTransport({ nodeId: 1, host: HOST, port: 0, peers, onEnvelopes: () => undefined, limits });
  await transport.start();
  tt.teardown(() => transport.close());
  return transport;
}

t.test('frame codec survives arbitrary chunking', async (tt) => {
  const a = encodeFrame(1, [appEnvelope(7, 'x')], 1024);
  const b = encodeFrame(1, [appEnvelope(8, 'y'), appEnvelope(9, 'z')], 1024);
  const stream = Buffer.concat([a, b]);
  const decoder = new FrameDecoder(1024);
  const bodies: Buffer[] = [];
  for (let i = 0; i < stream.length; i += 3) bodies.push(...decoder.push(stream.subarray(i, i + 3)));
  tt.equal(bodies.length, 2);
  tt.same(decodeFrame(bodies[1]!).envelopes.map(payloadOf), ['y', 'z']);
  tt.throws(() => encodeFrame(1, [appEnvelope(1, 'x'.repeat(2000))], 1024), { code: 'FrameTooLarge' });
});

t.test('batches round-trip, and a restarted peer is reconnected to', async (tt) => {
  const received: [NodeId, Envelope[]][] = [];
  const peers = new Map<NodeId, PeerAddress>();
  const b = new TcpTransport({ nodeId: 2, host: HOST, port: 0, peers, onEnvelopes: (from, e) => received.push([from, e]) });
  const portB = await b.start();
  peers.set(2, { host: HOST, port: portB });
  const a = await startSender(tt, peers, { reconnectMinMs: 10, reconnectMaxMs: 50 });

  tt.ok(a.send(2, [appEnvelope(10, 'one'), appEnvelope(11, 'two')]));
  await waitFor(() => received.length === 1);
  tt.equal(received[0]![0], 1, 'sender id');
  tt.same(received[0]![1].map((e) => e.groupId), [10, 11], 'all groups in one frame');
  tt.same(received[0]![1].map(payloadOf), ['one', 'two'], 'binary payloads intact');

  await b.close();
  const b2 = new TcpTransport({ nodeId: 2, host: HOST, port: portB, peers, onEnvelopes: (from, e) => received.push([from, e]) });
  // Sends while the peer is down (or the old connection is dying) queue and reconnect with backoff.
  for (let i = 0; i < 20 && received.length < 2; i++) {
    a.send(2, [appEnvelope(12, `after-restart-${i}`)]);
    if (i === 2) await b2.start();
    await new Promise((r) => setTimeout(r, 50));
  }
  tt.teardown(() => b2.close());
  await waitFor(() => received.length >= 2);
  tt.match(payloadOf(received[1]![1][0]!), /^after-restart-/, 'delivered after the restart');
  tt.ok(a.stats.connects >= 2, 'reconnected');
});

t.test('the send queue to a peer that is down keeps only its newest frames', async (tt) => {
  const port = await freePort(); // nothing listens here yet
  const peers = new Map<NodeId, PeerAddress>([[9, { host: HOST, port }]]);
  const a = await startSender(tt, peers, { maxQueuedFramesWhileDown: 4, reconnectMinMs: 20, reconnectMaxMs: 20 });
  const results = Array.from({ length: 10 }, (_, i) => a.send(9, [appEnvelope(1, `m${i}`)]));
  tt.same(results, Array(10).fill(true), 'every frame is taken');
  tt.equal(a.stats.dropped, 6, 'the six oldest were dropped');
  tt.notOk(a.send(42, [appEnvelope(1, 'unknown peer')]), 'unknown peers are refused');

  // When the peer comes up, it gets the newest frames, not the stale ones.
  const received: string[] = [];
  const b = new TcpTransport({ nodeId: 9, host: HOST, port, peers: new Map(), onEnvelopes: (_from, e) => received.push(...e.map(payloadOf)) });
  await b.start();
  tt.teardown(() => b.close());
  await waitFor(() => received.length >= 4);
  tt.same(received, ['m6', 'm7', 'm8', 'm9'], 'the newest four, in order');
});

t.test('a large frame split into thousands of chunks decodes intact', async (tt) => {
  const body = Buffer.alloc(8 * 1024 * 1024, 7);
  const frame = Buffer.concat([Buffer.from([0, 0x80, 0, 0]), body]); // 8 MiB body
  const decoder = new FrameDecoder(16 * 1024 * 1024);
  const CHUNK_BYTES = 1024;
  const frames: Buffer[] = [];
  for (let i = 0; i < frame.length; i += CHUNK_BYTES) frames.push(...decoder.push(frame.subarray(i, i + CHUNK_BYTES)));
  tt.equal(frames.length, 1);
  tt.ok(frames[0]!.equals(body), 'the body intact');
});
