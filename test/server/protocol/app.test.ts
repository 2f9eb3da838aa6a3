import { crc32 } from 'node:zlib';
import t from 'tap';
import { DEFAULT_BODY_LIMIT_BYTES, UNKNOWN_OPERATION_XML } from '../../../server/app.js';
import { dynamoHeaders, dynamoRequest, testApp } from './helpers.js';

/** DynamoDB's request id shape. */
const REQUEST_ID = /^[0-9A-Z]{52}$/;

t.test('a valid request reaches its handler and the response carries DynamoDB headers', async (t) => {
  const { app, recorder } = await testApp();
  t.teardown(() => app.close());
  const response = await dynamoRequest(app, 'ListTables', { Limit: 5 });
  t.equal(response.statusCode, 200);
  t.same(response.json(), { TableNames: [] });
  t.equal(response.headers['content-type'], 'application/x-amz-json-1.0');
  t.equal(response.headers['content-length'], String(response.rawPayload.length));
  t.equal(response.headers['x-amz-crc32'], String(crc32(response.rawPayload) >>> 0));
  const requestId = response.headers['x-amzn-requestid'];
  t.match(requestId, REQUEST_ID);
  t.equal(recorder.calls.length, 1);
  t.same(recorder.calls[0]!.body, { Limit: 5 });
  t.equal(recorder.calls[0]!.requestId, requestId, 'the handler sees the request id the client gets');
});

t.test('each response gets its own request id', async (t) => {
  const { app } = await testApp();
  t.teardown(() => app.close());
  const first = await dynamoRequest(app, 'ListTables', {});
  const second = await dynamoRequest(app, 'ListTables', {});
  t.not(first.headers['x-amzn-requestid'], second.headers['x-amzn-requestid']);
});

t.test('application/json requests get application/json responses', async (t) => {
  const { app } = await testApp();
  t.teardown(() => app.close());
  const ok = await dynamoRequest(app, 'ListTables', {}, { 'content-type': 'application/json; charset=utf-8' });
  t.equal(ok.statusCode, 200);
  t.equal(ok.headers['content-type'], 'application/json');
  const failed = await dynamoRequest(app, 'ListTables', '{', { 'content-type': 'application/json' });
  t.equal(failed.statusCode, 400);
  t.equal(failed.headers['content-type'], 'application/json');
});

t.test('missing, malformed and unknown targets are UnknownOperationException', async (t) => {
  const { app, recorder } = await testApp();
  t.teardown(() => app.close());
  const targets = ['DynamoDB_20120810.Nope', 'DynamoDB_20111205.ListTables', 'ListTables', 'DynamoDB_20120810.ListTables.x', '', 'DynamoDB_20120810.Query'];
  for (const target of targets) {
    const response = await app.inject({ method: 'POST', url: '/', headers: dynamoHeaders('X', { 'x-amz-target': target }), payload: '{}' });
    t.equal(response.statusCode, 400, target);
    t.same(response.json(), { __type: 'com.amazon.coral.service#UnknownOperationException' }, target);
  }
  const headers = dynamoHeaders('ListTables');
  delete headers['x-amz-target'];
  const missing = await app.inject({ method: 'POST', url: '/', headers, payload: '{}' });
  t.same(missing.json(), { __type: 'com.amazon.coral.service#UnknownOperationException' });
  t.equal(recorder.calls.length, 0);
});

t.test('a wrong content type or method is a bare 404 UnknownOperationException', async (t) => {
  const { app, recorder } = await testApp();
  t.teardown(() => app.close());
  for (const type of ['text/plain', 'application/xml', 'application/x-amz-json-1.1']) {
    const response = await dynamoRequest(app, 'ListTables', '{}', { 'content-type': type });
    t.equal(response.statusCode, 404, type);
    t.equal(response.body, UNKNOWN_OPERATION_XML);
    t.equal(response.headers['x-amz-crc32'], '3552371480');
  }
  for (const method of ['PUT', 'DELETE', 'PATCH'] as const) {
    const response = await app.inject({ method, url: '/', headers: dynamoHeaders('ListTables'), payload: '{}' });
    t.equal(response.statusCode, 404, method);
    t.equal(response.body, UNKNOWN_OPERATION_XML);
  }
  t.equal(recorder.calls.length, 0);
});

t.test('a URL fastify cannot decode is a bare 404 UnknownOperationException, and the path is otherwise ignored', async (t) => {
  const { app, recorder } = await testApp();
  t.teardown(() => app.close());
  const bad = await app.inject({ method: 'POST', url: '/%zz', headers: dynamoHeaders('ListTables'), payload: '{}' });
  t.equal(bad.statusCode, 404);
  t.equal(bad.body, UNKNOWN_OPERATION_XML);
  const elsewhere = await app.inject({ method: 'POST', url: '/some/path?x=1', headers: dynamoHeaders('ListTables'), payload: '{}' });
  t.equal(elsewhere.statusCode, 200);
  t.equal(recorder.calls.length, 1);
});

t.test('GET / answers the health line DynamoDB answers', async (t) => {
  const { app } = await testApp({}, { region: 'eu-west-1' });
  t.teardown(() => app.close());
  const response = await app.inject({ method: 'GET', url: '/' });
  t.equal(response.statusCode, 200);
  t.equal(response.body, 'healthy: dynamodb.eu-west-1.amazonaws.com ');
  t.equal(response.headers['x-amz-crc32'], String(crc32(response.rawPayload) >>> 0));
});

t.test('CORS preflights are answered without running anything', async (t) => {
  const { app, recorder } = await testApp();
  t.teardown(() => app.close());
  const response = await app.inject({
    method: 'OPTIONS',
    url: '/',
    headers: { origin: 'http://example.com', 'access-control-request-headers': 'x-amz-target', 'access-control-request-method': 'POST' },
  });
  t.equal(response.statusCode, 200);
  t.equal(response.headers['access-control-allow-origin'], '*');
  t.equal(response.headers['access-control-allow-headers'], 'x-amz-target');
  t.equal(response.headers['access-control-allow-methods'], 'POST');
  t.equal(recorder.calls.length, 0);
});

t.test('bad JSON, non-object JSON and empty bodies are SerializationExceptions', async (t) => {
  const { app, recorder } = await testApp();
  t.teardown(() => app.close());
  const bad = await dynamoRequest(app, 'ListTables', '{"Limit": ');
  t.equal(bad.statusCode, 400);
  t.same(bad.json(), { __type: 'com.amazon.coral.service#SerializationException' });
  // DynamoDB parses the body before it looks at the target.
  const badBeforeTarget = await dynamoRequest(app, 'Nope', 'nope');
  t.same(badBeforeTarget.json(), { __type: 'com.amazon.coral.service#SerializationException' });
  const list = await dynamoRequest(app, 'ListTables', '[]');
  t.same(list.json(), {
    __type: 'com.amazon.coral.service#SerializationException',
    Message: 'Unrecognized collection type class com.amazonaws.dynamodb.v20120810.ListTablesInput',
  });
  const scalar = await dynamoRequest(app, 'ListTables', '5');
  t.same(scalar.json(), { __type: 'com.amazon.coral.service#SerializationException', Message: 'Unexpected value type in payload' });
  const empty = await dynamoRequest(app, 'ListTables', '');
  t.equal(empty.statusCode, 400);
  t.same(empty.json(), { __type: 'com.amazon.coral.service#SerializationException' });
  t.equal(recorder.calls.length, 0);
});

t.test('JSON null reads as a request without members', async (t) => {
  const { app, recorder } = await testApp();
  t.teardown(() => app.close());
  const response = await dynamoRequest(app, 'ListTables', 'null');
  t.equal(response.statusCode, 200);
  t.same(recorder.calls[0]?.body, {});
});

t.test('bodies over the limit are refused with 413', async (t) => {
  const { app, recorder } = await testApp({}, { bodyLimitBytes: 2048 });
  t.teardown(() => app.close());
  const response = await dynamoRequest(app, 'ListTables', { ExclusiveStartTableName: 'a'.repeat(4096) });
  t.equal(response.statusCode, 413);
  t.same(response.json(), {
    __type: 'com.amazon.coral.service#RequestEntityTooLargeException',
    message: 'Request body must not exceed 2048 bytes',
  });
  t.equal(recorder.calls.length, 0);
  t.equal(DEFAULT_BODY_LIMIT_BYTES, 16 * 1024 * 1024);
});

t.test('the default limit admits a 1 MB body', async (t) => {
  const { app } = await testApp();
  t.teardown(() => app.close());
  const response = await dynamoRequest(app, 'PutItem', { TableName: 'abc', Item: { a: { S: 'x'.repeat(1024 * 1024) } } });
  t.equal(response.statusCode, 200);
});

t.test('requests without a usable signature are refused before validation', async (t) => {
  const { app, recorder } = await testApp();
  t.teardown(() => app.close());
  const headers = dynamoHeaders('ListTables');
  delete headers.authorization;
  const missing = await app.inject({ method: 'POST', url: '/', headers, payload: '{"Limit": 0}' });
  t.same(missing.json(), {
    __type: 'com.amazon.coral.service#MissingAuthenticationTokenException',
    message: 'Request is missing Authentication Token',
  });
  const incomplete = await dynamoRequest(app, 'ListTables', {}, { authorization: 'AWS4-HMAC-SHA256 Credential=a/b/c/d/e' });
  t.same(incomplete.json(), {
    __type: 'com.amazon.coral.service#IncompleteSignatureException',
    message:
      "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 Credential=a/b/c/d/e",
  });
  t.equal(recorder.calls.length, 0);
});

t.test('schema failures are answered without calling the handler', async (t) => {
  const { app, recorder } = await testApp();
  t.teardown(() => app.close());
  const invalid = await dynamoRequest(app, 'ListTables', { Limit: 0 });
  t.equal(invalid.statusCode, 400);
  t.same(invalid.json(), {
    __type: 'com.amazon.coral.validate#ValidationException',
    message: "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
  });
  const wrongType = await dynamoRequest(app, 'ListTables', { Limit: 'ten' });
  t.same(wrongType.json(), { __type: 'com.amazon.coral.service#SerializationException', Message: 'STRING_VALUE cannot be converted to Integer' });
  t.equal(recorder.calls.length, 0);
});

t.test('the handler gets the body as DynamoDB reads it: unknown and null members dropped', async (t) => {
  const { app, recorder } = await testApp();
  t.teardown(() => app.close());
  const response = await dynamoRequest(app, 'GetItem', {
    TableName: 'abc',
    Key: { id: { S: 'a', Extra: 1 } },
    ConsistentRead: 'true',
    ProjectionExpression: null,
    Unknown: { deep: true },
  });
  t.equal(response.statusCode, 200);
  t.same(recorder.calls[0]?.body, { TableName: 'abc', Key: { id: { S: 'a' } }, ConsistentRead: true });
});

t.test('unexpected failures are a 500 that leaks nothing', async (t) => {
  const { app } = await testApp({
    ListTables: async () => {
      throw new TypeError('secret internal detail');
    },
  });
  t.teardown(() => app.close());
  const response = await dynamoRequest(app, 'ListTables', {});
  t.equal(response.statusCode, 500);
  t.same(response.json(), { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' });
  t.notMatch(response.body, /secret/);
  t.match(response.headers['x-amzn-requestid'], REQUEST_ID);
});
