/**
 * The one registry of errors a client can see: name, HTTP status, wire type
 * prefix, message key and default message, as DynamoDB answers them. The
 * engine throws typed EngineErrors (engine/errors.ts), the protocol layer throws
 * ProtocolErrors (below); `toErrorResponse` turns either into the status code
 * and JSON body DynamoDB would send. Anything else is a failure of ours and
 * becomes a 500 InternalServerError that leaks nothing.
 */
import {
  ConditionalCheckFailedError,
  EngineError,
  TransactionCanceledError,
} from '../engine/errors.js';
import { SerializationError } from '../schemas/serialization-error.js';

/** Wire type prefixes (`__type` is `<prefix>#<Name>`), as DynamoDB uses them. */
export const DYNAMODB_PREFIX = 'com.amazonaws.dynamodb.v20120810';
/** Errors raised by the request-handling framework itself, before the service. */
export const CORAL_SERVICE_PREFIX = 'com.amazon.coral.service';
/** DynamoDB reports request validation failures under the validation framework. */
export const CORAL_VALIDATE_PREFIX = 'com.amazon.coral.validate';
export const CORAL_AVAILABILITY_PREFIX = 'com.amazon.coral.availability';

export interface ErrorSpec {
  readonly statusCode: number;
  readonly prefix: string;
  /** DynamoDB spells the message field `message` for most errors, `Message` for a few. */
  readonly messageKey: 'message' | 'Message';
  /** Used when the thrown error carries no message; undefined means "send none". */
  readonly defaultMessage?: string;
}

function spec(statusCode: number, prefix: string, defaultMessage?: string, messageKey: 'message' | 'Message' = 'message'): ErrorSpec {
  return defaultMessage === undefined ? { statusCode, prefix, messageKey } : { statusCode, prefix, messageKey, defaultMessage };
}

export const ERROR_REGISTRY = {
  // Service errors (the operations and the engine).
  ValidationException: spec(400, CORAL_VALIDATE_PREFIX, 'The request is invalid'),
  ResourceNotFoundException: spec(400, DYNAMODB_PREFIX, 'Requested resource not found'),
  ResourceInUseException: spec(400, DYNAMODB_PREFIX, 'Resource in use'),
  TableNotFoundException: spec(400, DYNAMODB_PREFIX, 'Table not found'),
  ConditionalCheckFailedException: spec(400, DYNAMODB_PREFIX, 'The conditional request failed'),
  TransactionCanceledException: spec(400, DYNAMODB_PREFIX, 'Transaction cancelled', 'Message'),
  TransactionConflictException: spec(400, DYNAMODB_PREFIX, 'Transaction is ongoing for the item'),
  TransactionInProgressException: spec(400, DYNAMODB_PREFIX, 'The transaction with the given request token is already in progress.'),
  IdempotentParameterMismatchException: spec(
    400,
    DYNAMODB_PREFIX,
    'The request uses the same client token as a previous, but non-identical request.',
  ),
  LimitExceededException: spec(400, DYNAMODB_PREFIX, 'Limit exceeded'),
  ProvisionedThroughputExceededException: spec(
    400,
    DYNAMODB_PREFIX,
    'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  ),
  RequestLimitExceeded: spec(400, DYNAMODB_PREFIX, 'Throughput exceeds the current throughput limit for your account.'),
  ItemCollectionSizeLimitExceededException: spec(400, DYNAMODB_PREFIX, 'Item collection size limit exceeded'),
  InternalServerError: spec(500, DYNAMODB_PREFIX, 'Internal server error'),
  // Protocol errors (framing, parsing, authentication).
  SerializationException: spec(400, CORAL_SERVICE_PREFIX, undefined, 'Message'),
  UnknownOperationException: spec(400, CORAL_SERVICE_PREFIX),
  MissingAuthenticationTokenException: spec(400, CORAL_SERVICE_PREFIX, 'Request is missing Authentication Token'),
  UnrecognizedClientException: spec(400, CORAL_SERVICE_PREFIX, 'The security token included in the request is invalid.'),
  InvalidSignatureException: spec(
    400,
    CORAL_SERVICE_PREFIX,
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  ),
  IncompleteSignatureException: spec(400, CORAL_SERVICE_PREFIX, 'The request signature does not conform to AWS standards.'),
  AccessDeniedException: spec(400, CORAL_SERVICE_PREFIX, 'Access denied', 'Message'),
  ThrottlingException: spec(400, CORAL_AVAILABILITY_PREFIX, 'Rate of requests exceeds the allowed throughput.'),
  ServiceUnavailableException: spec(503, CORAL_AVAILABILITY_PREFIX, 'Service unavailable'),
  /** Our answer to a body over the limit (DynamoDB closes with a bare 413). */
  RequestEntityTooLargeException: spec(413, CORAL_SERVICE_PREFIX, 'Request entity too large'),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorName = keyof typeof ERROR_REGISTRY;

/** Names the protocol layer raises itself (never the engine). */
export type ProtocolErrorName =
  | 'SerializationException'
  | 'UnknownOperationException'
  | 'MissingAuthenticationTokenException'
  | 'UnrecognizedClientException'
  | 'InvalidSignatureException'
  | 'IncompleteSignatureException'
  | 'AccessDeniedException'
  | 'RequestEntityTooLargeException';

/** An error of the wire protocol or of authentication, raised before any operation runs. */
export class ProtocolError extends Error {
  /** SerializationException and UnknownOperationException often travel without a message. */
  readonly hasMessage: boolean;

  constructor(
    readonly code: ProtocolErrorName,
    message?: string,
  ) {
    super(message ?? ERROR_REGISTRY[code].defaultMessage ?? code);
    this.name = code;
    this.hasMessage = message !== undefined || ERROR_REGISTRY[code].defaultMessage !== undefined;
  }
}

export interface ErrorResponse {
  statusCode: number;
  body: Record<string, unknown>;
}

export function errorBody(name: ErrorName, message: string | undefined, extra?: Record<string, unknown>): ErrorResponse {
  const entry: ErrorSpec = ERROR_REGISTRY[name];
  const body: Record<string, unknown> = { __type: `${entry.prefix}#${name}` };
  if (message !== undefined) body[entry.messageKey] = message;
  return { statusCode: entry.statusCode, body: extra ? { ...body, ...extra } : body };
}

/** True when the error is a known, client-visible one (anything else is logged as a bug). */
export function isKnownError(err: unknown): err is EngineError | ProtocolError | SerializationError {
  return err instanceof ProtocolError || err instanceof SerializationError || (err instanceof EngineError && err.code in ERROR_REGISTRY);
}

/** Maps any thrown value to DynamoDB's status code and body; unknown values become a bare 500. */
export function toErrorResponse(err: unknown): ErrorResponse {
  if (err instanceof ProtocolError) {
    return errorBody(err.code, err.hasMessage ? err.message : undefined);
  }
  if (err instanceof SerializationError) {
    return errorBody(err.code, err.message);
  }
  if (err instanceof TransactionCanceledError) {
    return errorBody(err.code, err.message, { CancellationReasons: err.reasons });
  }
  if (err instanceof ConditionalCheckFailedError) {
    return errorBody(err.code, err.message, err.item !== undefined ? { Item: err.item } : undefined);
  }
  if (err instanceof EngineError && err.code in ERROR_REGISTRY) {
    const entry: ErrorSpec = ERROR_REGISTRY[err.code];
    return errorBody(err.code, err.message || entry.defaultMessage);
  }
  return errorBody('InternalServerError', ERROR_REGISTRY.InternalServerError.defaultMessage);
}
