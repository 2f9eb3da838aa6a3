/**
 * A request member of the wrong JSON type (a number where DynamoDB expects a
 * string, a list where it expects a map...). DynamoDB refuses these while
 * deserializing, before validation, as a SerializationException; the server
 * maps this class to that wire error (server/errors.ts).
 */
export class SerializationError extends Error {
  readonly code = 'SerializationException' as const;

  constructor(message: string) {
    super(message);
    this.name = 'SerializationError';
  }
}
