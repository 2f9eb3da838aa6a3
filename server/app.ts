/**
 * The HTTP front door: DynamoDB's JSON wire protocol over Fastify.
 *
 * Every request goes through the same steps DynamoDB takes, in its order, so
 * that a bad request gets the error DynamoDB would give it:
 *   method and content type -> JSON syntax -> X-Amz-Target -> signature ->
 *   empty body -> request schema (types, then constraints) -> operation.
 * Responses carry x-amzn-RequestId, x-amz-crc32 and an exact Content-Length.
 * Errors are mapped through the registry in server/errors.ts; anything
 * unexpected is logged and answered as a bare 500 InternalServerError.
 *
 * Every DynamoDB request ends in one debug log line (request id, operation,
 * status, duration), a warning when it took longer than `slowRequestMs`, and
 * one call of `onRequestDone` (the metrics hook). Operational routes
 * (/metrics, /health, ...) are added by the caller; GET on any other path
 * keeps answering DynamoDB's health line.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { validateRequest } from '../schemas/index.js';
import { SigV4Authenticator, type Credentials } from './auth/sigv4.js';
import { isKnownError, ProtocolError, toErrorResponse } from './errors.js';
import type { OperationRegistry } from './operations/registry.js';
import { isAcceptedMediaType, mediaType, responseContentType } from './protocol/content-type.js';
import { parseJsonBody, requestObject } from './protocol/json-body.js';
import { newRequestId } from './protocol/request-id.js';
import { REQUEST_ID_HEADER, sendJson, sendPayload } from './protocol/response.js';
import { parseTarget } from './protocol/target.js';

/**
 * DynamoDB's largest request is a BatchWriteItem of 25 items of 400 KB plus
 * names; DynamoDB caps request bodies at 16 MB, and so do we by default.
 */
export const DEFAULT_BODY_LIMIT_BYTES = 16 * 1024 * 1024;

/** How long a browser may cache a CORS preflight answer (DynamoDB's value). */
const CORS_MAX_AGE_SECONDS = 172800;

/** DynamoDB answers a wrong method or content type with this exact (non-JSON) body. */
export const UNKNOWN_OPERATION_XML = '<UnknownOperationException/>\n';
const UNKNOWN_OPERATION_PAYLOAD = Buffer.from(UNKNOWN_OPERATION_XML, 'utf8');

/** Requests slower than this are logged as warnings unless the caller says otherwise. */
export const DEFAULT_SLOW_REQUEST_MS = 1000;

/** What one DynamoDB protocol request came to, as the metrics see it. */
export interface RequestOutcome {
  /** The X-Amz-Target operation, or 'unknown' when the request never named a valid one. */
  operation: string;
  /** The DynamoDB error name (e.g. ResourceNotFoundException) when it failed. */
  errorName: string | undefined;
  statusCode: number;
  durationMs: number;
}

/** Where a request got to, filled in as `handle` learns it. */
interface RequestTrace {
  operation?: string;
  errorName?: string;
}

const UNKNOWN_OPERATION_LABEL = 'unknown';

export interface AppOptions {
  operations: OperationRegistry;
  /** Key pairs whose signatures are verified; absent or empty accepts any well-formed signature. */
  credentials?: readonly Credentials[];
  bodyLimitBytes?: number;
  /** A pino/fastify logger instance, fastify logger options, or a boolean. */
  logger?: FastifyBaseLogger | boolean | Record<string, unknown>;
  /** Named in the GET / health answer, as DynamoDB names its endpoint. */
  region?: string;
  /** Requests slower than this are logged at warn (default DEFAULT_SLOW_REQUEST_MS). */
  slowRequestMs?: number;
  /** Called once per DynamoDB protocol request when its response is sent. */
  onRequestDone?: (outcome: RequestOutcome) => void;
}

function isLoggerInstance(logger: AppOptions['logger']): logger is FastifyBaseLogger {
  return typeof logger === 'object' && logger !== null && typeof (logger as { child?: unknown }).child === 'function';
}

function fastifyLoggerOptions(logger: AppOptions['logger']): Record<string, unknown> {
  if (isLoggerInstance(logger)) return { loggerInstance: logger };
  return { logger: logger ?? false };
}

/** Requests of the DynamoDB protocol in flight; a WeakMap so a request never outlives its entry. */
const traces = new WeakMap<FastifyRequest, RequestTrace>();

/** `com.amazonaws.dynamodb.v20120810#ResourceNotFoundException` -> `ResourceNotFoundException`. */
function errorNameOf(body: Record<string, unknown>): string | undefined {
  const type = body.__type;
  return typeof type === 'string' ? type.slice(type.lastIndexOf('#') + 1) : undefined;
}

function sendError(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const { statusCode, body } = toErrorResponse(err);
  const trace = traces.get(request);
  if (trace !== undefined) trace.errorName = errorNameOf(body as Record<string, unknown>);
  if (!isKnownError(err) || statusCode >= 500) {
    request.log.error({ err }, 'request failed with an unexpected error');
  }
  return sendJson(reply, statusCode, body, responseContentType(mediaType(request.headers['content-type'])));
}

function setCorsHeaders(request: FastifyRequest, reply: FastifyReply): boolean {
  if (request.headers.origin === undefined) return false;
  reply.header('access-control-allow-origin', '*');
  if (request.method !== 'OPTIONS') return false;
  const requestHeaders = request.headers['access-control-request-headers'];
  const requestMethod = request.headers['access-control-request-method'];
  if (requestHeaders !== undefined) reply.header('access-control-allow-headers', requestHeaders);
  if (requestMethod !== undefined) reply.header('access-control-allow-methods', requestMethod);
  reply.header('access-control-max-age', String(CORS_MAX_AGE_SECONDS));
  return true;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const region = options.region ?? 'us-east-1';
  const bodyLimitBytes = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const operations = options.operations;
  const authenticator = new SigV4Authenticator(options.credentials ? { credentials: options.credentials } : {});
  const healthPayload = Buffer.from(`healthy: dynamodb.${region}.amazonaws.com `, 'utf8');
  const knownOperation = (name: string): boolean => Object.prototype.hasOwnProperty.call(operations, name);
  const slowRequestMs = options.slowRequestMs ?? DEFAULT_SLOW_REQUEST_MS;
  const onRequestDone = options.onRequestDone;

  const app = Fastify({
    ...fastifyLoggerOptions(options.logger),
    bodyLimit: bodyLimitBytes,
    genReqId: newRequestId,
    // Our request ids are ours; a client cannot choose them.
    requestIdHeader: false,
    // Fastify's two lines per request are off; our onResponse hook logs one, at debug.
    logController: new LogController({ disableRequestLogging: true }),
    // A URL fastify cannot even route (bad percent-encoding) is a request DynamoDB cannot route either.
    frameworkErrors: (_error, _request, reply) => {
      void sendPayload(reply, 404, UNKNOWN_OPERATION_PAYLOAD, 'text/plain');
    },
  }) as unknown as FastifyInstance;

  // We parse bodies ourselves: any content type is read as raw bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });

  app.addHook('onResponse', async (request, reply) => {
    const trace = traces.get(request);
    if (trace === undefined) return;
    const outcome: RequestOutcome = {
      operation: trace.operation ?? UNKNOWN_OPERATION_LABEL,
      errorName: trace.errorName,
      statusCode: reply.statusCode,
      durationMs: reply.elapsedTime,
    };
    // request.log already carries reqId (fastify binds it to every request's logger).
    const line = { operation: outcome.operation, statusCode: outcome.statusCode, errorName: outcome.errorName, durationMs: outcome.durationMs };
    if (outcome.durationMs > slowRequestMs) request.log.warn({ ...line, slowRequestMs }, 'slow request');
    else request.log.debug(line, 'request');
    onRequestDone?.(outcome);
  });

  app.setErrorHandler((error, request, reply) => {
    // Errors fastify raises while reading the request are client faults.
    const code = (error as { code?: string }).code;
    const status = (error as { statusCode?: number }).statusCode;
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(request, reply, new ProtocolError('RequestEntityTooLargeException', `Request body must not exceed ${bodyLimitBytes} bytes`));
    }
    if (typeof status === 'number' && status >= 400 && status < 500 && !isKnownError(error)) {
      return sendError(request, reply, new ProtocolError('SerializationException'));
    }
    return sendError(request, reply, error);
  });

  const handle = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    if (setCorsHeaders(request, reply)) return reply.code(200).header('content-length', '0').send();
    if (request.method === 'GET') return sendPayload(reply, 200, healthPayload, 'text/plain');
    const trace: RequestTrace = {};
    traces.set(request, trace);
    const raw = Buffer.isBuffer(request.body) ? request.body : undefined;
    const type = mediaType(request.headers['content-type']);
    if (request.method !== 'POST' || (raw !== undefined && raw.length > 0 && !isAcceptedMediaType(type))) {
      return sendPayload(reply, 404, UNKNOWN_OPERATION_PAYLOAD, 'text/plain');
    }
    try {
      const parsed = parseJsonBody(raw);
      const operation = parseTarget(request.headers['x-amz-target'], knownOperation);
      trace.operation = operation;
      await authenticator.authenticate({ method: request.method, url: request.url, headers: request.headers, body: raw ?? Buffer.alloc(0) });
      const body = requestObject(operation, parsed);
      validateRequest(operation, body);
      const handler = operations[operation]!;
      const result = await handler(body, { requestId: request.id, log: request.log });
      return sendJson(reply, 200, result, responseContentType(type));
    } catch (err) {
      return sendError(request, reply, err);
    }
  };

  app.all('/*', handle);
  app.setNotFoundHandler(handle);
  return app;
}
