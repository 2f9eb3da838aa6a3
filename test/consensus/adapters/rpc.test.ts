/**
 * The node-to-node RPC on 127.0.0.1: payloads round-trip (Buffers, bigints of
 * any size, nested objects, undefined fields) through a PeerListener, answers
 * are matched by id when they come out of order, handler errors come back
 * decoded, and the failure modes surface as their error classes: timeout,
 * unreachable (server killed mid-call, then reconnected on the same port),
 * overload (server in-flight limit, client pending limit), oversized frames,
 * garbage, and close.
 */
import { connect } from 'node:net';
import t, { type Test } from 'tap';
import { freePort } from '../../../consensus/adapters/listen.js';
import { PEER_PROTOCOL, PeerListener, peerPreamble } from '../../../consensus/adapters/peer-listener.js';
import {
  RpcClient,
  RpcClosedError,
  RpcOverloadedError,
  RpcServer,
  RpcTimeoutError,
  RpcUnreachableError,
  type RpcClientOptions,
  type RpcHandler,
  type RpcServerOptions,
} from '../../../consensus/adapters/rpc.js';
import type { PeerAddress } from '../../../consensus/adapters/tcp-transport.js';

const HOST = '127.0.0.1';
const SERVER_ID = 2;
const CLIENT_ID = 1;
const TIMEOUT_MS = 5_000;
const RETRY_LIMIT = 50;
const RETRY_PAUSE_MS = 20;
/** The handler that answers after the caller's 50 ms timeout. */
const SLOW_MS = 500;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The error a handler throws, and what the client rebuilds from it. */
class RemoteError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const encodeError = (err: unknown): unknown =>
  err instanceof RemoteError ? { code: err.code, message: err.message } : { code: 'Internal', message: String(err) };
const decodeError = (encoded: unknown): Error => {
  const e = encoded as { code: string; message: string };
  return new RemoteError(e.code, e.message);
};

/** A gate a handler can wait on, opened by the test. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

async function startServer(tt: Test, handler: RpcHandler, port = 0, opts: Partial<RpcServerOptions> = {}): Promise<{ server: RpcServer; port: number }> {
  const server = new RpcServer({ handler, encodeError, host: HOST, port, ...opts });
  const bound = await server.start();
  tt.teardown(() => server.close());
  return { server, port: bound };
}

function startClient(tt: Test, port: number, opts: Partial<RpcClientOptions> = {}): RpcClient {
  const peers = new Map<number, PeerAddress>([[SERVER_ID, { host: HOST, port }]]);
  const client = new RpcClient({ nodeId: CLIENT_ID, peers, decodeError, ...opts });
  tt.teardown(() => client.close());
  return client;
}

t.test('payloads round-trip through a PeerListener', async (tt) => {
  const listener = new PeerListener({ host: HOST, port: 0 });
  const port = await listener.start();
  tt.teardown(() => listener.close());
  const seen: [string, number][] = [];
  const server = new RpcServer({
    handler: async (method, payload, from) => {
      seen.push([method, from]);
      return payload;
    },
    encodeError,
    listen: false,
  });
  tt.teardown(() => server.close());
  listener.register(PEER_PROTOCOL.rpc, (socket) => server.accept(socket));
  const client = startClient(tt, port, { preamble: peerPreamble(PEER_PROTOCOL.rpc) });

  const payload = {
    bytes: Buffer.from([0, 1, 2, 254, 255]),
    empty: Buffer.alloc(0),
    small: 7n,
    int64: -(1n << 63n),
    uint64: (1n << 64n) - 1n,
    huge: (1n << 200n) + 12345n,
    negativeHuge: -(1n << 100n),
    number: 2 ** 60,
    float: 1.5,
    text: 'héllo',
    missing: undefined,
    nested: { list: [1, 'two', { three: Buffer.from('3'), four: 4n }, null], deeper: { flag: true, gone: undefined } },
  };
  const result = (await client.call(SERVER_ID, 'echo', payload, { timeoutMs: TIMEOUT_MS })) as typeof payload;
  tt.same(seen, [['echo', CLIENT_ID]], 'method and caller id reach the handler');
  tt.ok(Buffer.isBuffer(result.bytes) && result.bytes.equals(payload.bytes), 'Buffer intact');
  tt.ok(Buffer.isBuffer(result.empty) && result.empty.length === 0, 'empty Buffer intact');
  for (const key of ['small', 'int64', 'uint64', 'huge', 'negativeHuge'] as const) {
    tt.equal(typeof result[key], 'bigint', `${key} is a bigint`);
    tt.equal(result[key], payload[key], `${key} value`);
  }
  tt.equal(typeof result.number, 'number', 'a large number stays a number');
  tt.equal(result.number, payload.number);
  tt.equal(result.float, 1.5);
  tt.equal(result.text, 'héllo');
  tt.ok('missing' in result && result.missing === undefined, 'undefined field kept');
  tt.ok('gone' in result.nested.deeper && result.nested.deeper.gone === undefined, 'nested undefined field kept');
  tt.equal(result.nested.list[2] !== null && typeof result.nested.list[2] === 'object' && result.nested.list[2].four, 4n);
  tt.same(result.nested.list[3], null);
  tt.equal(result.nested.deeper.flag, true);
});

t.test('concurrent calls are answered out of order and matched by id', async (tt) => {
  const { port } = await startServer(tt, async (_method, payload) => {
    const { n, delayMs } = payload as { n: number; delayMs: number };
    await sleep(delayMs);
    return { n, doubled: n * 2 };
  });
  const client = startClient(tt, port);
  const delays = [120, 10, 80, 40, 0, 100, 60, 20];
  const finished: number[] = [];
  const results = await Promise.all(
    delays.map(async (delayMs, n) => {
      const r = await client.call(SERVER_ID, 'sleep', { n, delayMs }, { timeoutMs: TIMEOUT_MS });
      finished.push(n);
      return r;
    }),
  );
  tt.same(
    results,
    delays.map((_, n) => ({ n, doubled: n * 2 })),
    'each call got its own answer',
  );
  tt.notSame(finished, [...finished].sort((a, b) => a - b), 'answers came back out of call order');
  tt.equal(finished[finished.length - 1], 0, 'the slowest finished last');
});

t.test('a handler error is rethrown as decodeError made it', async (tt) => {
  const { port } = await startServer(tt, (method) => {
    if (method === 'sync-throw') throw new RemoteError('Sync', 'thrown at once');
    return Promise.reject(new RemoteError('ConditionalCheckFailed', 'condition failed'));
  });
  const client = startClient(tt, port);
  await tt.rejects(client.call(SERVER_ID, 'async', {}, { timeoutMs: TIMEOUT_MS }), { code: 'ConditionalCheckFailed', message: 'condition failed' });
  const err = await client.call(SERVER_ID, 'sync-throw', {}, { timeoutMs: TIMEOUT_MS }).catch((e: unknown) => e);
  tt.ok(err instanceof RemoteError, 'decoded into the caller-side class');
  tt.match(err, { code: 'Sync', message: 'thrown at once' });
});

t.test('a call without an answer in time fails with RpcTimeoutError; the late answer is ignored', async (tt) => {
  const { port } = await startServer(tt, async (method) => {
    if (method === 'slow') await sleep(SLOW_MS);
    return method;
  });
  const client = startClient(tt, port);
  const startedAt = Date.now();
  await tt.rejects(client.call(SERVER_ID, 'slow', {}, { timeoutMs: 50 }), RpcTimeoutError);
  tt.ok(Date.now() - startedAt < SLOW_MS - 100, 'did not wait for the answer');
  tt.match(await client.call(SERVER_ID, 'slow', {}, { timeoutMs: 50 }).catch((e: unknown) => e), { code: 'RpcTimeout' });
  await sleep(SLOW_MS); // both late answers arrive
  tt.equal(await client.call(SERVER_ID, 'fast', {}, { timeoutMs: TIMEOUT_MS }), 'fast', 'the connection still works');
});

t.test('server killed mid-call: RpcUnreachableError, then calls succeed once it is back on the same port', async (tt) => {
  const port = await freePort(HOST);
  const hang = gate();
  tt.teardown(hang.open);
  const handler: RpcHandler = async (method) => {
    if (method === 'hang') await hang.wait;
    return method;
  };
  const first = await startServer(tt, handler, port);
  const client = startClient(tt, port, { reconnectMinMs: 10, reconnectMaxMs: 50 });
  tt.equal(await client.call(SERVER_ID, 'ping', {}, { timeoutMs: TIMEOUT_MS }), 'ping');

  const midCall = client.call(SERVER_ID, 'hang', {}, { timeoutMs: TIMEOUT_MS });
  await sleep(50); // the request reached the handler
  await first.server.close();
  await tt.rejects(midCall, RpcUnreachableError);
  await tt.rejects(client.call(SERVER_ID, 'ping', {}, { timeoutMs: TIMEOUT_MS }), RpcUnreachableError, 'nothing listens');

  await startServer(tt, handler, port);
  let answer: unknown;
  for (let i = 0; i < RETRY_LIMIT && answer === undefined; i++) {
    answer = await client.call(SERVER_ID, 'ping', {}, { timeoutMs: TIMEOUT_MS }).catch(async (err: unknown) => {
      if (!(err instanceof RpcUnreachableError)) throw err; // only backoff after the refused connect
      await sleep(RETRY_PAUSE_MS);
      return undefined;
    });
  }
  tt.equal(answer, 'ping', 'reconnected to the restarted server');
});

t.test('overload: the server refuses beyond its in-flight limit, the client beyond its pending limit', async (tt) => {
  const held = gate();
  tt.teardown(held.open);
  const { port } = await startServer(
    tt,
    async (method) => {
      if (method === 'hold') await held.wait;
      return method;
    },
    0,
    { maxInFlightPerConnection: 2 },
  );
  const client = startClient(tt, port, { maxPending: 4 });
  const holding = [client.call(SERVER_ID, 'hold', {}, { timeoutMs: TIMEOUT_MS }), client.call(SERVER_ID, 'hold', {}, { timeoutMs: TIMEOUT_MS })];
  await tt.rejects(client.call(SERVER_ID, 'quick', {}, { timeoutMs: TIMEOUT_MS }), RpcOverloadedError, 'server: answered at once');
  held.open();
  tt.same(await Promise.all(holding), ['hold', 'hold']);

  const local = startClient(tt, port, { maxPending: 1 });
  const pending = local.call(SERVER_ID, 'quick', {}, { timeoutMs: TIMEOUT_MS });
  await tt.rejects(local.call(SERVER_ID, 'quick', {}, { timeoutMs: TIMEOUT_MS }), RpcOverloadedError, 'client: refused locally');
  tt.equal(await pending, 'quick');
});

t.test('oversized frames: the sender fails that call, the receiver cuts off', async (tt) => {
  const maxFrameBytes = 1024;
  const big = Buffer.alloc(2 * maxFrameBytes);
  const { port } = await startServer(tt, async (method) => (method === 'big-answer' ? big : method), 0, { maxFrameBytes });

  const client = startClient(tt, port, { maxFrameBytes });
  await tt.rejects(client.call(SERVER_ID, 'echo', big, { timeoutMs: TIMEOUT_MS }), { code: 'FrameTooLarge' }, 'request too large to send');
  await tt.rejects(client.call(SERVER_ID, 'big-answer', {}, { timeoutMs: TIMEOUT_MS }), { code: 'FrameTooLarge' }, 'answer too large to send');
  tt.equal(await client.call(SERVER_ID, 'small', {}, { timeoutMs: TIMEOUT_MS }), 'small', 'other calls unaffected');

  const lax = startClient(tt, port, { maxFrameBytes: 4 * maxFrameBytes });
  await tt.rejects(lax.call(SERVER_ID, 'echo', big, { timeoutMs: TIMEOUT_MS }), RpcUnreachableError, 'the server hung up');
});

t.test('a peer sending garbage is cut off', async (tt) => {
  const { port } = await startServer(tt, async () => 'never');
  const socket = connect(port, HOST);
  socket.on('error', () => undefined);
  tt.teardown(() => {
    socket.destroy();
  });
  const garbage = Buffer.from([0, 0, 0, 3, 0xc1, 0xc1, 0xc1]); // a frame of never-used msgpack bytes
  socket.write(garbage);
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  tt.pass('closed by the server');
});

t.test('close() fails pending calls with RpcClosedError; unknown peers are unreachable', async (tt) => {
  const held = gate();
  tt.teardown(held.open);
  const { port } = await startServer(tt, async () => held.wait);
  const client = startClient(tt, port);
  const pending = client.call(SERVER_ID, 'hold', {}, { timeoutMs: TIMEOUT_MS });
  await tt.rejects(client.call(99, 'x', {}, { timeoutMs: TIMEOUT_MS }), RpcUnreachableError);
  client.close();
  await tt.rejects(pending, RpcClosedError);
  await tt.rejects(client.call(SERVER_ID, 'x', {}, { timeoutMs: TIMEOUT_MS }), { code: 'RpcClosed' });
});
