/**
 * Binary attribute values travel and rest as base64 text (their wire form).
 * This module owns the checks on that text and its conversion to bytes.
 */

const BASE64_ALPHABET = /^[A-Za-z0-9+/]*={0,2}$/;

/** The message for text that is not canonical base64, or undefined when it is. */
export function base64Problem(text: string): string | undefined {
  if (text.length % 4 !== 0) {
    return `Base64 encoded length is expected a multiple of 4 bytes but found: ${text.length}`;
  }
  // Round-tripping rejects stray characters and non-zero padding bits alike.
  if (!BASE64_ALPHABET.test(text) || Buffer.from(text, 'base64').toString('base64') !== text) {
    return 'Invalid last non-pad Base64 character dectected';
  }
  return undefined;
}

export function decodeBinary(text: string): Buffer {
  return Buffer.from(text, 'base64');
}

export function binaryLengthBytes(text: string): number {
  return decodeBinary(text).length;
}
