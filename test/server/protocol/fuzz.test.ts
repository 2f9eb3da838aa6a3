import Fastify from 'fastify';
import t from 'tap';
import { buildApp } from '../../../server/app.js';
import { checkMalformedRequests, FuzzPropertyError } from './fuzz-property.js';
import { recordingRegistry, type Recorder } from './helpers.js';

t.test('malformed requests never reach a handler and always get a DynamoDB client error', async (t) => {
  const recorder: Recorder = { calls: [] };
  await checkMalformedRequests((instrument) => buildApp({ operations: instrument(recordingRegistry(recorder)), logger: false }));
  t.same(recorder.calls, []);
});

t.test('the same holds when signatures are verified', async (t) => {
  const recorder: Recorder = { calls: [] };
  await checkMalformedRequests(
    (instrument) =>
      buildApp({
        operations: instrument(recordingRegistry(recorder)),
        credentials: [{ accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' }],
        logger: false,
      }),
    { numRuns: 200 },
  );
  t.same(recorder.calls, []);
});

t.test('the property fails for an app that runs handlers on malformed requests', async (t) => {
  // A naive front door: no parsing, no validation, every request goes to PutItem.
  const naive = async (instrument: Parameters<Parameters<typeof checkMalformedRequests>[0]>[0]) => {
    const operations = instrument({ PutItem: async () => ({}) });
    const app = Fastify();
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    app.all('/*', async (request) => operations.PutItem!({ raw: request.body }, { requestId: 'x', log: request.log }));
    return app;
  };
  const failure = await checkMalformedRequests(naive, { numRuns: 20, seed: 7 }).then(
    () => undefined,
    (error: unknown) => error,
  );
  t.ok(failure instanceof Error, 'the property failed');
  // fast-check reports the shrunk counterexample; our own error rides along as the cause.
  const cause = (failure as { cause?: unknown } | undefined)?.cause;
  t.ok(cause instanceof FuzzPropertyError);
  t.match((cause as Error).message, /accepted a malformed request|handler PutItem ran/);
});
