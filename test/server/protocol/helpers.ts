/**
 * Fixtures for the protocol tests: an app over a tiny recording registry (no
 * engine) and a request builder that sends what an SDK would, with a
 * well-formed (unverified) signature.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type AppOptions } from '../../../server/app.js';
import type { OperationHandler, OperationRegistry } from '../../../server/operations/registry.js';

export const FAKE_AUTHORIZATION =
  'AWS4-HMAC-SHA256 Credential=AKIDTEST/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0123abcd';

export interface Recorder {
  /** Bodies the handlers were called with, in order. */
  calls: Array<{ operation: string; body: Record<string, unknown>; requestId: string }>;
}

/** Every listed operation answers `{}` (ListTables answers an empty table list) and records its call. */
export function recordingRegistry(
  recorder: Recorder,
  overrides: Record<string, OperationHandler> = {},
  names: readonly string[] = ['ListTables', 'DescribeTable', 'CreateTable', 'DeleteTable', 'PutItem', 'GetItem', 'DeleteItem', 'UpdateItem', 'TransactWriteItems'],
): OperationRegistry {
  const registry: Record<string, OperationHandler> = {};
  for (const name of names) {
    const override = overrides[name];
    registry[name] = async (body, context) => {
      recorder.calls.push({ operation: name, body, requestId: context.requestId });
      if (override) return override(body, context);
      return name === 'ListTables' ? { TableNames: [] } : {};
    };
  }
  return registry;
}

export async function testApp(
  overrides: Record<string, OperationHandler> = {},
  options: Partial<AppOptions> = {},
): Promise<{ app: FastifyInstance; recorder: Recorder }> {
  const recorder: Recorder = { calls: [] };
  const app = await buildApp({ operations: recordingRegistry(recorder, overrides), logger: false, ...options });
  return { app, recorder };
}

export function dynamoHeaders(operation: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': `DynamoDB_20120810.${operation}`,
    'x-amz-date': '20240101T000000Z',
    authorization: FAKE_AUTHORIZATION,
    ...extra,
  };
}

/** POSTs `body` (an object is JSON-encoded, a string sent as is) as `operation`. */
export function dynamoRequest(
  app: FastifyInstance,
  operation: string,
  body: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  const options: InjectOptions = {
    method: 'POST',
    url: '/',
    headers: dynamoHeaders(operation, extraHeaders),
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  };
  return app.inject(options);
}
