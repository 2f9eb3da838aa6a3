/**
 * Request ids shaped like DynamoDB's: 52 characters of the base32hex alphabet
 * (0-9, A-V), e.g. "4KBNVRGD25RG1KEO9UT4V3FQDJVV4KQNSO5AEMVJF66Q9ASUAAJG".
 * Clients and tools that match DynamoDB's format accept ours.
 */
import { randomFillSync } from 'node:crypto';

export const REQUEST_ID_LENGTH = 52;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUV';
/** Random bytes are drawn this many at a time: one system call serves about 80 ids. */
const POOL_BYTES = REQUEST_ID_LENGTH * 80;

const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

export function newRequestId(): string {
  if (offset + REQUEST_ID_LENGTH > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  let id = '';
  // 256 is a multiple of 32, so taking the low five bits keeps every character equally likely.
  for (let i = offset; i < offset + REQUEST_ID_LENGTH; i++) id += ALPHABET[pool[i]! & 31];
  offset += REQUEST_ID_LENGTH;
  return id;
}
