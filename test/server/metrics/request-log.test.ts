import t from 'tap';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { dynamoRequest, testApp } from '../protocol/helpers.js';
import { DEFAULT_SLOW_REQUEST_MS } from '../../../server/app.js';

/** A pino logger at `level` whose lines are collected, parsed. */
function capturingLogger(level: string): { logger: FastifyBaseLogger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, sink) as unknown as FastifyBaseLogger, lines };
}

/** Longest wait for a log line: onResponse hooks may run just after inject() resolves. */
const LOG_WAIT_MS = 2_000;

async function waitFor(lines: Array<Record<string, unknown>>, predicate: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown> | undefined> {
  const deadline = Date.now() + LOG_WAIT_MS;
  for (;;) {
    const found = lines.find(predicate);
    if (found !== undefined || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

t.test('one debug line per request with its id and operation', async (t) => {
  const { logger, lines } = capturingLogger('debug');
  const { app } = await testApp({}, { logger });
  const response = await dynamoRequest(app, 'ListTables', {});
  const line = await waitFor(lines, (l) => l.msg === 'request');
  t.match(line, { level: 20, operation: 'ListTables', statusCode: 200, reqId: response.headers['x-amzn-requestid'] });
  t.type(line?.durationMs, 'number');
  t.equal(lines.filter((l) => l.msg === 'request').length, 1, 'one line per request');
  t.equal(lines.filter((l) => l.msg === 'slow request').length, 0, `not slow under ${DEFAULT_SLOW_REQUEST_MS} ms`);
});

t.test('requests over the threshold are warnings', async (t) => {
  const { logger, lines } = capturingLogger('info');
  const slowMs = 100;
  const { app } = await testApp(
    { GetItem: async () => new Promise((resolve) => setTimeout(() => resolve({}), slowMs * 2)) },
    { logger, slowRequestMs: slowMs },
  );
  await dynamoRequest(app, 'ListTables', {});
  t.equal((await dynamoRequest(app, 'GetItem', { TableName: 'slow-table', Key: { k: { S: 'x' } } })).statusCode, 200, 'the slow handler ran');
  const slow = await waitFor(lines, (l) => l.msg === 'slow request' && l.operation === 'GetItem');
  t.match(slow, { level: 40, operation: 'GetItem', slowRequestMs: slowMs });
  t.ok((slow?.durationMs as number) >= slowMs);
  t.equal(lines.filter((l) => l.msg === 'request').length, 0, 'debug lines are off at info');
  // On a loaded machine ListTables may be slow too; whatever is flagged must really be slow.
  for (const line of lines.filter((l) => l.msg === 'slow request')) t.ok((line.durationMs as number) > slowMs, `${String(line.operation)} was slow`);
});
