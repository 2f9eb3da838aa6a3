/**
 * The peer port on 127.0.0.1: each protocol byte reaches its acceptor with the
 * rest of the stream intact (whether it came in the protocol byte's chunk or
 * later), unknown or silent connections are cut off, close() ends everything,
 * and the Raft transport and the TSO server/channel run through one listener.
 */
import { connect, type Socket } from 'node:net';
import t, { type Test } from 'tap';
import { PEER_PROTOCOL, PeerListener, peerPreamble, type PeerProtocol } from '../../../consensus/adapters/peer-listener.js';
import { TcpTransport, type PeerAddress } from '../../../consensus/adapters/tcp-transport.js';
import type { Envelope } from '../../../consensus/host.js';
import type { NodeId } from '../../../consensus/messages.js';
import { TcpTsoChannel } from '../../../tso/channel.js';
import { TsoServer } from '../../../tso/tso-server.js';
import { waitFor } from '../../helpers/wait-for.js';

const HOST = '127.0.0.1';
const WAIT_LIMIT_MS = 5_000;
const POLL_MS = 5;
/** Long enough that the two writes arrive as separate chunks on loopback. */
const CHUNK_GAP_MS = 30;

async function until(what: string, condition: () => boolean): Promise<void> {
  await waitFor(what, async () => (condition() ? true : undefined), WAIT_LIMIT_MS, POLL_MS);
}

async function startListener(tt: Test, protocolTimeoutMs?: number): Promise<PeerListener> {
  const listener = new PeerListener({ host: HOST, port: 0, protocolTimeoutMs });
  await listener.start();
  tt.teardown(() => listener.close());
  return listener;
}

async function open(tt: Test, port: number): Promise<Socket> {
  const socket = connect(port, HOST);
  socket.on('error', () => undefined);
  tt.teardown(() => {
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve())));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What each acceptor read: the whole stream of every connection it was handed, per protocol. */
function recordStreams(listener: PeerListener): Map<PeerProtocol, string[]> {
  const streams = new Map<PeerProtocol, string[]>();
  for (const protocol of Object.values(PEER_PROTOCOL)) {
    streams.set(protocol, []);
    listener.register(protocol, (socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => streams.get(protocol)!.push(Buffer.concat(chunks).toString()));
    });
  }
  return streams;
}

t.test('each protocol reaches its acceptor with the bytes after the protocol byte intact', async (tt) => {
  const listener = await startListener(tt);
  const streams = recordStreams(listener);

  // The protocol byte and the payload in one write (one chunk on loopback).
  const raft = await open(tt, listener.port);
  raft.end(Buffer.concat([peerPreamble(PEER_PROTOCOL.raft), Buffer.from('raft-bytes')]));

  // The protocol byte alone, then the payload in two later chunks.
  const tso = await open(tt, listener.port);
  tso.write(peerPreamble(PEER_PROTOCOL.tso));
  await sleep(CHUNK_GAP_MS);
  tso.write('tso-');
  await sleep(CHUNK_GAP_MS);
  tso.end('bytes');

  // The protocol byte with the first part, the rest later.
  const rpc = await open(tt, listener.port);
  rpc.write(Buffer.concat([peerPreamble(PEER_PROTOCOL.rpc), Buffer.from('rpc-')]));
  await sleep(CHUNK_GAP_MS);
  rpc.end('bytes');

  await until('three streams', () => [...streams.values()].flat().length === 3);
  tt.same(streams.get(PEER_PROTOCOL.raft), ['raft-bytes']);
  tt.same(streams.get(PEER_PROTOCOL.tso), ['tso-bytes']);
  tt.same(streams.get(PEER_PROTOCOL.rpc), ['rpc-bytes']);
});

t.test('an unknown protocol byte or a silent connection is destroyed', async (tt) => {
  const protocolTimeoutMs = 100;
  const listener = await startListener(tt, protocolTimeoutMs);
  const streams = recordStreams(listener);

  const stranger = await open(tt, listener.port);
  stranger.write(Buffer.from([0x7f, 1, 2, 3]));
  await closed(stranger);

  const silent = await open(tt, listener.port);
  const openedAt = Date.now();
  await closed(silent);
  tt.ok(Date.now() - openedAt >= protocolTimeoutMs - 10, 'kept open until the protocol timeout');
  tt.same([...streams.values()].flat(), [], 'no acceptor saw them');
});

t.test('close() destroys handed-over and unidentified connections', async (tt) => {
  const listener = await startListener(tt);
  let handed = 0;
  listener.register(PEER_PROTOCOL.raft, () => handed++); // an acceptor that never closes anything
  tt.throws(() => listener.register(PEER_PROTOCOL.raft, () => undefined), 'one acceptor per protocol');

  const identified = await open(tt, listener.port);
  identified.write(peerPreamble(PEER_PROTOCOL.raft));
  await until('handed over', () => handed === 1);
  const unidentified = await open(tt, listener.port);
  await listener.close();
  await Promise.all([closed(identified), closed(unidentified)]);
  tt.pass('both closed');
});

function voteResponse(groupId: number, from: NodeId, to: NodeId): Envelope {
  return { groupId, message: { type: 'vote-resp', from, to, term: 1, reject: false } };
}

t.test('Raft and TSO share one peer port per node', async (tt) => {
  const ids = [1, 2];
  const listeners = new Map<NodeId, PeerListener>();
  const peers = new Map<NodeId, PeerAddress>();
  for (const id of ids) {
    const listener = await startListener(tt);
    listeners.set(id, listener);
    peers.set(id, { host: HOST, port: listener.port });
  }

  const received: [NodeId, NodeId, number][] = []; // to, from, groupId
  const transports = new Map<NodeId, TcpTransport>();
  for (const id of ids) {
    const transport = new TcpTransport({
      nodeId: id,
      listen: false,
      preamble: peerPreamble(PEER_PROTOCOL.raft),
      peers,
      onEnvelopes: (from, envelopes) => received.push(...envelopes.map((e): [NodeId, NodeId, number] => [id, from, e.groupId])),
    });
    tt.equal(await transport.start(), 0, 'no port of its own');
    tt.teardown(() => transport.close());
    listeners.get(id)!.register(PEER_PROTOCOL.raft, (socket) => transport.accept(socket));
    transports.set(id, transport);
  }

  const first = 1n << 40n;
  const server = new TsoServer({ service: { getTimestamps: async (count) => ({ first, count }) }, listen: false });
  tt.equal(await server.start(), 0, 'no port of its own');
  tt.teardown(() => server.close());
  listeners.get(2)!.register(PEER_PROTOCOL.tso, (socket) => server.accept(socket));
  const channel = new TcpTsoChannel(new Map([[2, peers.get(2)!]]), { preamble: peerPreamble(PEER_PROTOCOL.tso) });
  tt.teardown(() => channel.close());

  tt.ok(transports.get(1)!.send(2, [voteResponse(10, 1, 2), voteResponse(11, 1, 2)]));
  tt.ok(transports.get(2)!.send(1, [voteResponse(12, 2, 1)]));
  const range = await channel.getTimestamps(2, 5, WAIT_LIMIT_MS);
  await until('both directions delivered', () => received.length === 3);

  tt.same(
    received.sort((a, b) => a[2] - b[2]),
    [
      [2, 1, 10],
      [2, 1, 11],
      [1, 2, 12],
    ],
  );
  tt.same(range, { first, count: 5 }, 'the TSO answered on node 2 peer port');
});
