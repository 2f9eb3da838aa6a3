/**
 * The contract between the protocol layer (server/app.ts) and the operations.
 * The app parses the body, authenticates, validates the request against the
 * operation's JSON Schema, then calls the handler with the validated request.
 * A handler returns the response body or throws an EngineError.
 */
import type { FastifyBaseLogger } from 'fastify';

export interface OperationContext {
  requestId: string;
  log: FastifyBaseLogger;
}

export type OperationHandler = (
  request: Record<string, unknown>,
  context: OperationContext,
) => Promise<Record<string, unknown>>;

/** Operation name (the part of X-Amz-Target after the dot) to handler. */
export type OperationRegistry = Readonly<Record<string, OperationHandler>>;
