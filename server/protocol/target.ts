/**
 * X-Amz-Target dispatch: "DynamoDB_20120810.<Operation>" names the operation.
 * A missing, malformed or unknown target (or an operation this server does not
 * implement) is DynamoDB's UnknownOperationException, which carries no message.
 */
import { ProtocolError } from '../errors.js';

/** The only API version we speak (the 2011-12-05 API is long deprecated). */
export const API_VERSION = 'DynamoDB_20120810';

export function parseTarget(header: string | string[] | undefined, known: (operation: string) => boolean): string {
  const value = Array.isArray(header) ? header[0] : header;
  const parts = (value ?? '').split('.');
  if (parts.length !== 2 || parts[0] !== API_VERSION || !known(parts[1]!)) {
    throw new ProtocolError('UnknownOperationException');
  }
  return parts[1]!;
}
