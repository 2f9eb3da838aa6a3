/**
 * A property over malformed requests, reusable against any app: throw random
 * broken requests (unknown targets, bad headers and signatures, bad JSON,
 * non-object JSON, wrong member types, nested junk in AttributeValues,
 * missing or out-of-range members) and check that every answer is a
 * DynamoDB-shaped client error, that no operation handler ever runs, and that
 * the app still serves afterwards.
 *
 * The app factory receives `instrument`, which it must apply to its operation
 * registry so the property can see handler calls:
 *   checkMalformedRequests((instrument) => buildApp({ operations: instrument(ops) }))
 */
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { OperationHandler, OperationRegistry } from '../../../server/operations/registry.js';

export type AppFactory = (instrument: (operations: OperationRegistry) => OperationRegistry) => Promise<FastifyInstance>;

export interface FuzzOptions {
  numRuns?: number;
  seed?: number;
}

/** Enough runs to reach every generator branch many times, few enough to stay well under a second per hundred. */
export const DEFAULT_FUZZ_RUNS = 400;

const AUTHORIZATION =
  'AWS4-HMAC-SHA256 Credential=AKIDTEST/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00ff';
const TARGET_PREFIX = 'DynamoDB_20120810.';
const OPERATIONS = ['PutItem', 'GetItem', 'UpdateItem', 'DeleteItem', 'CreateTable', 'DescribeTable', 'DeleteTable', 'ListTables', 'TransactWriteItems'] as const;

const ERROR_TYPE = /^com\.amazon(aws\.dynamodb\.v20120810|\.coral\.(service|validate|availability))#[A-Za-z]+$/;
const UNKNOWN_OPERATION_XML = '<UnknownOperationException/>\n';

interface FuzzRequest {
  headers: Record<string, string>;
  payload: string;
  method: 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** Defaults to "/". */
  url?: string;
}

function validHeaders(operation: string): Record<string, string> {
  return {
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': `${TARGET_PREFIX}${operation}`,
    'x-amz-date': '20240101T000000Z',
    authorization: AUTHORIZATION,
  };
}

const operation = fc.constantFrom(...OPERATIONS);
const nonObjectJson = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.string(), fc.array(fc.jsonValue(), { maxLength: 4 }));

/** A value that is none of the JSON types DynamoDB expects at some member (used to break a member). */
const junk = fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.jsonValue(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue(), { maxKeys: 3 }));

/**
 * A nested AttributeValue with one member that can never deserialize: a
 * number in a string set, an object as a list, a string where a map goes...
 */
const brokenAttributeValue: fc.Arbitrary<unknown> = fc.letrec<{ broken: unknown }>((tie) => ({
  broken: fc.oneof(
    { depthSize: 'small' },
    fc.record({ S: fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string(), { maxLength: 2 }), fc.constant({})) }),
    fc.record({ N: fc.oneof(fc.integer(), fc.constant([]), fc.constant({})) }),
    fc.record({ SS: fc.oneof(fc.string(), fc.array(fc.integer(), { minLength: 1, maxLength: 3 })) }),
    fc.record({ B: fc.oneof(fc.constant('abc'), fc.constant('+/+='), fc.integer()) }),
    fc.record({ BOOL: fc.oneof(fc.constant('maybe'), fc.integer(), fc.constant({})) }),
    fc.record({ L: fc.oneof(fc.constant({}), fc.string(), fc.tuple(fc.record({ S: fc.string() }), tie('broken'))) }),
    fc.record({ M: fc.oneof(fc.constant([]), fc.string(), fc.record({ k: tie('broken') })) }),
    fc.oneof(fc.string(), fc.integer(), fc.constant([])),
  ),
})).broken;

/** Paths and query strings with stray percent signs, empty segments and signature parameters. */
const oddUrl = fc
  .array(fc.constantFrom('a', '%', 'zz', '/', '?', '=', '&', '%2F', 'X-Amz-Algorithm', 'X-Amz-Date', '..'), { maxLength: 8 })
  .map((parts) => `/${parts.join('')}`);

/** Each case is invalid by construction; the property checks that the app agrees. */
const malformedRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  // Odd URLs on requests that are broken anyway (DynamoDB ignores the path).
  fc.record({
    headers: operation.map(validHeaders),
    payload: fc.constantFrom('{', '[]', '', '{"TableName": 5, "Limit": "x", "TransactItems": 1}'),
    method: fc.constant('POST' as const),
    url: oddUrl,
  }),
  // Unknown or malformed targets.
  fc.record({
    headers: fc.string({ maxLength: 40 }).map((target) => ({ ...validHeaders('ListTables'), 'x-amz-target': target })),
    payload: fc.constant('{}'),
    method: fc.constant('POST' as const),
  }).filter((request) => !OPERATIONS.some((name) => request.headers['x-amz-target'] === `${TARGET_PREFIX}${name}`)),
  // Content types DynamoDB does not speak, or other methods.
  fc.record({
    headers: fc.tuple(operation, fc.constantFrom('text/plain', 'application/xml', 'application/x-amz-json-1.1', 'multipart/form-data', 'application/jsonx')).map(([op, type]) => ({
      ...validHeaders(op),
      'content-type': type,
    })),
    payload: fc.constant('{}'),
    method: fc.constant('POST' as const),
  }),
  fc.record({ headers: operation.map(validHeaders), payload: fc.constant('{}'), method: fc.constantFrom('PUT' as const, 'DELETE' as const, 'PATCH' as const) }),
  // Bodies that are not JSON (a trailing '{' never parses), or JSON but not an object.
  fc.record({ headers: operation.map(validHeaders), payload: fc.string({ maxLength: 60 }).map((text) => `${text}{`), method: fc.constant('POST' as const) }),
  fc.record({ headers: operation.map(validHeaders), payload: nonObjectJson.map((value) => JSON.stringify(value)), method: fc.constant('POST' as const) }),
  // Missing or malformed signatures.
  fc.record({
    headers: fc.tuple(operation, fc.constantFrom(undefined, '', 'AWS4-', 'Bearer token', 'AWS4-HMAC-SHA256 Credential=a', 'AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=host, Signature=1')).map(([op, auth]) => {
      const headers = validHeaders(op);
      if (auth === undefined) delete headers.authorization;
      else headers.authorization = auth;
      if (auth?.includes('Signature=1')) headers['x-amz-date'] = 'yesterday';
      return headers;
    }),
    payload: fc.constant('{"TableName":"abc"}'),
    method: fc.constant('POST' as const),
  }),
  // Items with nested junk in their AttributeValues.
  fc.record({
    headers: fc.constantFrom('PutItem', 'GetItem', 'DeleteItem', 'UpdateItem').map(validHeaders),
    payload: fc.tuple(fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.record({ S: fc.string() }), { maxKeys: 3 }), brokenAttributeValue).map(([good, broken]) =>
      JSON.stringify({ TableName: 'abc', Item: { ...good, zz: broken }, Key: { ...good, zz: broken } }),
    ),
    method: fc.constant('POST' as const),
  }),
  // Members of the wrong type, or missing and out-of-range members.
  fc.record({
    headers: fc.constantFrom('PutItem', 'GetItem', 'DescribeTable', 'CreateTable', 'DeleteItem', 'UpdateItem').map(validHeaders),
    payload: junk.map((value) => JSON.stringify({ TableName: typeof value === 'string' ? 1 : value, Item: {}, Key: {} })),
    method: fc.constant('POST' as const),
  }),
  fc.record({
    headers: fc.constant(validHeaders('PutItem')),
    payload: fc.oneof(fc.constant('{}'), fc.constant('{"TableName":"a;"}'), fc.constant('{"Item":{}}')).map((text) => text),
    method: fc.constant('POST' as const),
  }),
  fc.record({
    headers: fc.constant(validHeaders('ListTables')),
    payload: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 101 })).map((limit) => JSON.stringify({ Limit: limit })),
    method: fc.constant('POST' as const),
  }),
  fc.record({
    headers: fc.constant(validHeaders('TransactWriteItems')),
    payload: fc.oneof(
      fc.constant({ TransactItems: [] }),
      fc.array(fc.record({ Put: fc.record({ TableName: fc.constant('abc'), Item: brokenAttributeValue.map((broken) => ({ a: broken })) }) }), { minLength: 1, maxLength: 3 }).map(
        (items) => ({ TransactItems: items }),
      ),
      fc.integer({ min: 101, max: 120 }).map((count) => ({ TransactItems: Array.from({ length: count }, () => ({ Put: { TableName: 'abc', Item: {} } })) })),
    ).map((body) => JSON.stringify(body)),
    method: fc.constant('POST' as const),
  }),
);

export class FuzzPropertyError extends Error {
  constructor(message: string, readonly request: FuzzRequest, readonly response?: LightMyRequestResponse) {
    super(message);
    this.name = 'FuzzPropertyError';
  }
}

function checkResponse(request: FuzzRequest, response: LightMyRequestResponse): void {
  if (response.statusCode >= 500) throw new FuzzPropertyError(`server error ${response.statusCode}: ${response.body}`, request, response);
  if (response.statusCode < 400) throw new FuzzPropertyError(`accepted a malformed request (${response.statusCode})`, request, response);
  if (response.statusCode === 404 && response.body === UNKNOWN_OPERATION_XML) return;
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    throw new FuzzPropertyError(`error body is not JSON: ${response.body.slice(0, 200)}`, request, response);
  }
  const record = body as Record<string, unknown>;
  if (typeof record.__type !== 'string' || !ERROR_TYPE.test(record.__type)) {
    throw new FuzzPropertyError(`error body has no DynamoDB __type: ${response.body.slice(0, 200)}`, request, response);
  }
  for (const key of ['message', 'Message']) {
    if (key in record && typeof record[key] !== 'string') throw new FuzzPropertyError(`${key} is not a string`, request, response);
  }
  if (response.headers['x-amzn-requestid'] === undefined || response.headers['x-amz-crc32'] === undefined) {
    throw new FuzzPropertyError('missing x-amzn-RequestId or x-amz-crc32', request, response);
  }
}

/** Runs the property; rejects with fast-check's report (naming the shrunk request) on the first failure. */
export async function checkMalformedRequests(factory: AppFactory, options: FuzzOptions = {}): Promise<void> {
  const calls: string[] = [];
  const instrument = (operations: OperationRegistry): OperationRegistry => {
    const wrapped: Record<string, OperationHandler> = {};
    for (const [name, handler] of Object.entries(operations)) {
      wrapped[name] = (body, context) => {
        calls.push(name);
        return handler(body, context);
      };
    }
    return wrapped;
  };
  const app = await factory(instrument);
  try {
    await fc.assert(
      fc.asyncProperty(malformedRequest, async (request) => {
        const before = calls.length;
        const inject: InjectOptions = { method: request.method, url: request.url ?? '/', headers: request.headers, payload: request.payload };
        const response = await app.inject(inject);
        checkResponse(request, response);
        if (calls.length !== before) throw new FuzzPropertyError(`handler ${calls.at(-1)} ran for a malformed request`, request, response);
      }),
      { numRuns: options.numRuns ?? DEFAULT_FUZZ_RUNS, ...(options.seed !== undefined ? { seed: options.seed } : {}) },
    );
    // Still serving after all that.
    const health = await app.inject({ method: 'GET', url: '/' });
    if (health.statusCode !== 200) throw new Error(`app stopped serving: GET / answered ${health.statusCode}`);
  } finally {
    await app.close();
  }
}
