/**
 * Reading the request body as DynamoDB does: the raw bytes are parsed here (not
 * by fastify) so that malformed JSON is DynamoDB's SerializationException, and
 * a body that is JSON but not an object is refused with the deserializer's words.
 */
import { ProtocolError } from '../errors.js';
import { checkWireType } from '../../schemas/keywords.js';

/** Parses the body; an empty body is `undefined` (DynamoDB checks for it later). */
export function parseJsonBody(raw: Buffer | undefined): unknown {
  if (raw === undefined || raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    // DynamoDB answers bad JSON with a bare SerializationException.
    throw new ProtocolError('SerializationException');
  }
}

/** The request as an object: JSON null reads as no members, anything else must be an object. */
export function requestObject(operation: string, parsed: unknown): Record<string, unknown> {
  if (parsed === undefined) throw new ProtocolError('SerializationException');
  if (parsed === null) return {};
  const check = checkWireType(`Structure<${operation}Input>`, parsed);
  if (check.error !== undefined) throw new ProtocolError('SerializationException', check.error);
  return parsed as Record<string, unknown>;
}
