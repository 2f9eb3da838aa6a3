/**
 * Request ids shaped like DynamoDB's: 52 characters of the base32hex alphabet
 * (0-9, A-V), e.g. "4KBNVRGD25RG1KEO9UT4V3FQDJVV4KQNSO5AEMVJF66Q9ASUAAJG".
 * Clients and tools that match DynamoDB's format accept ours.
 */
import { randomBytes } from 'node:crypto';

export const REQUEST_ID_LENGTH = 52;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUV';

export function newRequestId(): string {
  const bytes = randomBytes(REQUEST_ID_LENGTH);
  let id = '';
  // 256 is a multiple of 32, so taking the low five bits keeps every character equally likely.
  for (const byte of bytes) id += ALPHABET[byte & 31];
  return id;
}
