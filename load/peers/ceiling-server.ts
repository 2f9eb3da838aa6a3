/**
 * The HTTP ceiling of this stack: a bare Fastify 5 server that parses the
 * same DynamoDB JSON bodies and answers `{}` with the headers our server
 * sends (content type, request id, CRC32), doing no work at all.
 * Run as a child: `node dist/load/peers/ceiling-server.js --port <p>`.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';

const EMPTY_BODY = '{}';
/** CRC32 of `{}`, as our server computes it for the x-amz-crc32 header. */
const EMPTY_BODY_CRC32 = '2745614147';

const portIndex = process.argv.indexOf('--port');
const port = Number(process.argv[portIndex + 1]);
if (portIndex < 0 || !Number.isInteger(port)) throw new TypeError('usage: ceiling-server.js --port <port>');

const app = Fastify({ logger: false });
app.addContentTypeParser('application/x-amz-json-1.0', { parseAs: 'string' }, (_request, body, done) => {
  try {
    done(null, JSON.parse(body as string));
  } catch (error) {
    done(error as Error, undefined);
  }
});
app.post('/', async (_request, reply) => {
  reply
    .header('content-type', 'application/x-amz-json-1.0')
    .header('x-amzn-requestid', randomUUID())
    .header('x-amz-crc32', EMPTY_BODY_CRC32);
  return EMPTY_BODY;
});
await app.listen({ port, host: '127.0.0.1' });
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
