/**
 * fast-check generators for key values and DynamoDB's own ordering of them,
 * computed independently of the encoder: UTF-8 bytes for S, raw bytes for B,
 * decimal.js for N.
 */
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import type { ScalarAttributeType } from '../../../engine/types.js';
import type { KeyScalarValue } from '../../../engine/keys/values.js';

/** Strings over all of Unicode (no lone surrogates), with NUL and 0xFF-adjacent characters likely. */
export const stringArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.string({ unit: fc.constantFrom('\u0000', '\u0001', 'a', 'b', '\u00ff', '\u{10ffff}'), maxLength: 5 }),
);

/** Binary values as DynamoDB receives them: canonical base64. */
export const bytesArb = fc.oneof(
  fc.uint8Array({ maxLength: 8 }),
  fc.array(fc.constantFrom(0x00, 0x01, 0xfe, 0xff), { maxLength: 5 }).map((a) => Uint8Array.from(a)),
);
export const base64Arb = bytesArb.map((bytes) => Buffer.from(bytes).toString('base64'));

/** Numbers in DynamoDB's whole range, written in scientific or plain notation. */
export const numberTextArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('0', '-0', '0.000', '1', '-1', '10', '100', '1.5', '-1.5', '1E+2', '1e-130', '-1e-130', '9.9999999999999999999999999999999999999E+125'),
  fc
    .record({
      negative: fc.boolean(),
      digits: fc.stringMatching(/^[1-9][0-9]{0,37}$/),
      exponent: fc.integer({ min: -130, max: 125 }),
      plain: fc.boolean(),
    })
    .map(({ negative, digits, exponent, plain }) => scientific(negative, digits, exponent, plain)),
  // Nearby values: shared digit prefixes and small exponents, where ordering bugs live.
  fc
    .record({
      negative: fc.boolean(),
      digits: fc.constantFrom('1', '11', '101', '12', '2', '9', '99', '1000001', '10000000000000000000000000000000000001'),
      exponent: fc.integer({ min: -3, max: 3 }),
      plain: fc.boolean(),
    })
    .map(({ negative, digits, exponent, plain }) => scientific(negative, digits, exponent, plain)),
);

function scientific(negative: boolean, digits: string, exponent: number, plain: boolean): string {
  const text = `${negative ? '-' : ''}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${exponent}`;
  return plain ? new Decimal(text).toFixed() : text;
}

export function valueArb(type: ScalarAttributeType): fc.Arbitrary<KeyScalarValue> {
  switch (type) {
    case 'S':
      return stringArb.map((S) => ({ S }));
    case 'B':
      return base64Arb.map((B) => ({ B }));
    case 'N':
      return numberTextArb.map((N) => ({ N }));
  }
}

export const typeArb = fc.constantFrom<ScalarAttributeType>('S', 'N', 'B');

/** DynamoDB's order of two values of one type: negative, zero or positive. */
export function dynamoCompare(a: KeyScalarValue, b: KeyScalarValue): number {
  if ('S' in a && 'S' in b) return Buffer.compare(Buffer.from(a.S, 'utf8'), Buffer.from(b.S, 'utf8'));
  if ('B' in a && 'B' in b) return Buffer.compare(Buffer.from(a.B, 'base64'), Buffer.from(b.B, 'base64'));
  if ('N' in a && 'N' in b) return new Decimal(a.N).cmp(b.N);
  throw new Error('values of different types');
}

/** The value as DynamoDB returns it: numbers in canonical plain form. */
export function canonical(value: KeyScalarValue): KeyScalarValue {
  if (!('N' in value)) return value;
  const decimal = new Decimal(value.N);
  return { N: decimal.isZero() ? '0' : decimal.toFixed() };
}

export function isPrefix(prefix: Buffer, of: Buffer): boolean {
  return prefix.length <= of.length && of.subarray(0, prefix.length).equals(prefix);
}
