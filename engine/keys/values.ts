/**
 * Order-preserving, self-delimiting encoding of one key component (S, N or B),
 * in the spirit of FoundationDB's tuple layer and CockroachDB's key encoding:
 * for two values of one type, the byte order of their encodings equals
 * DynamoDB's order of the values, and no encoding is a prefix of another, so a
 * component can be followed by more bytes without changing any comparison.
 *
 * S and B: the bytes (UTF-8 for S, which is how DynamoDB orders strings) with
 *   0x00 escaped as 0x00 0xFF, then the terminator 0x00 0x01. The terminator
 *   sorts below every escaped byte, so "a" < "a\0" < "ab".
 * N: a class byte (negative < zero < positive); zero is the class byte alone.
 *   Otherwise the decimal exponent (one byte, DynamoDB's whole range -130..125)
 *   and the significant digits two per byte (pair + 1, so 1..100), then a 0x00
 *   terminator that sorts below every digit pair. Negative numbers store those
 *   bytes inverted (0xFF - b): a larger magnitude then sorts lower, and the
 *   terminator becomes 0xFF, which sorts above every inverted digit pair.
 * The component's type is not encoded: a table's key schema fixes it.
 */
import { Decimal } from 'decimal.js';
import { ValidationError } from '../errors.js';
import type { AttributeValue, ScalarAttributeType } from '../types.js';
import { MalformedKeyError } from './malformed-key-error.js';

/** DynamoDB's number limits. */
export const MAX_NUMBER_DIGITS = 38;
export const MIN_NUMBER_EXPONENT = -130;
export const MAX_NUMBER_EXPONENT = 125;

const ESCAPE = 0x00;
const ESCAPED_ZERO = 0xff;
const TERMINATOR = 0x01;

const NUMBER_NEGATIVE = 0x01;
const NUMBER_ZERO = 0x02;
const NUMBER_POSITIVE = 0x03;
const DIGITS_END = 0x00;
const INVERT = 0xff;

const NUMBER_SYNTAX = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export type KeyScalarValue = { S: string } | { N: string } | { B: string };

export interface DecodedComponent {
  value: KeyScalarValue;
  /** Offset just past the component. */
  end: number;
}

/** The type of a key attribute value, or undefined when it is not S, N or B. */
export function keyScalarType(value: AttributeValue): ScalarAttributeType | undefined {
  if ('S' in value) return 'S';
  if ('N' in value) return 'N';
  if ('B' in value) return 'B';
  return undefined;
}

export function encodeKeyComponent(value: AttributeValue): Buffer {
  if ('S' in value) return encodeBytes(Buffer.from(value.S, 'utf8'));
  if ('B' in value) return encodeBytes(Buffer.from(value.B, 'base64'));
  if ('N' in value) return encodeNumber(value.N);
  throw new ValidationError('Key attributes must be scalars of type S, N or B');
}

export function decodeKeyComponent(buf: Buffer, offset: number, type: ScalarAttributeType): DecodedComponent {
  switch (type) {
    case 'S': {
      const { bytes, end } = decodeBytes(buf, offset);
      return { value: { S: bytes.toString('utf8') }, end };
    }
    case 'B': {
      const { bytes, end } = decodeBytes(buf, offset);
      return { value: { B: bytes.toString('base64') }, end };
    }
    case 'N':
      return decodeNumber(buf, offset);
  }
}

/**
 * The escaped bytes without the terminator: every encoding of a value that
 * starts with `bytes` starts with this (what begins_with on a sort key seeks).
 */
export function escapeBytes(bytes: Buffer): Buffer {
  let zeros = 0;
  for (const b of bytes) if (b === ESCAPE) zeros++;
  const out = Buffer.allocUnsafe(bytes.length + zeros);
  let at = 0;
  for (const b of bytes) {
    out[at++] = b;
    if (b === ESCAPE) out[at++] = ESCAPED_ZERO;
  }
  return out;
}

function encodeBytes(bytes: Buffer): Buffer {
  return Buffer.concat([escapeBytes(bytes), Buffer.of(ESCAPE, TERMINATOR)]);
}

function decodeBytes(buf: Buffer, offset: number): { bytes: Buffer; end: number } {
  const out: number[] = [];
  let at = offset;
  for (;;) {
    const b = buf[at++];
    if (b === undefined) throw new MalformedKeyError('unterminated string or binary component');
    if (b !== ESCAPE) {
      out.push(b);
      continue;
    }
    const next = buf[at++];
    if (next === TERMINATOR) return { bytes: Buffer.from(out), end: at };
    if (next !== ESCAPED_ZERO) throw new MalformedKeyError('bad escape in string or binary component');
    out.push(ESCAPE);
  }
}

/** A validated number as sign, scientific exponent and significant digits (no trailing zeros). */
export interface ParsedNumber {
  negative: boolean;
  exponent: number;
  digits: string;
}

/** Parses a DynamoDB number, refusing what DynamoDB refuses, with its messages; undefined for zero. */
export function parseKeyNumber(text: string): ParsedNumber | undefined {
  if (!NUMBER_SYNTAX.test(text)) {
    throw new ValidationError(`The parameter cannot be converted to a numeric value: ${text}`);
  }
  const decimal = new Decimal(text);
  if (decimal.isZero()) return undefined;
  const [mantissa = '', exponentText = '0'] = decimal.abs().toExponential().split('e');
  const digits = mantissa.replace('.', '').replace(/0+$/, '');
  const exponent = Number(exponentText);
  if (digits.length > MAX_NUMBER_DIGITS) {
    throw new ValidationError('Attempting to store more than 38 significant digits in a Number');
  }
  if (exponent > MAX_NUMBER_EXPONENT) {
    throw new ValidationError('Number overflow. Attempting to store a number with magnitude larger than supported range');
  }
  if (exponent < MIN_NUMBER_EXPONENT) {
    throw new ValidationError('Number underflow. Attempting to store a number with magnitude smaller than supported range');
  }
  return { negative: decimal.isNegative(), exponent, digits };
}

function encodeNumber(text: string): Buffer {
  const parsed = parseKeyNumber(text);
  if (parsed === undefined) return Buffer.of(NUMBER_ZERO);
  const { negative, exponent, digits } = parsed;
  const pairs = Math.ceil(digits.length / 2);
  const out = Buffer.allocUnsafe(2 + pairs + 1);
  out[0] = negative ? NUMBER_NEGATIVE : NUMBER_POSITIVE;
  out[1] = exponent - MIN_NUMBER_EXPONENT;
  for (let i = 0; i < pairs; i++) {
    const high = digits.charCodeAt(2 * i) - 48;
    const low = 2 * i + 1 < digits.length ? digits.charCodeAt(2 * i + 1) - 48 : 0;
    out[2 + i] = high * 10 + low + 1;
  }
  out[2 + pairs] = DIGITS_END;
  if (negative) for (let i = 1; i < out.length; i++) out[i] = INVERT - (out[i] as number);
  return out;
}

function decodeNumber(buf: Buffer, offset: number): DecodedComponent {
  const kind = buf[offset];
  if (kind === NUMBER_ZERO) return { value: { N: '0' }, end: offset + 1 };
  if (kind !== NUMBER_NEGATIVE && kind !== NUMBER_POSITIVE) throw new MalformedKeyError('bad number class byte');
  const negative = kind === NUMBER_NEGATIVE;
  const read = (at: number): number => {
    const b = buf[at];
    if (b === undefined) throw new MalformedKeyError('unterminated number component');
    return negative ? INVERT - b : b;
  };
  const exponent = read(offset + 1) + MIN_NUMBER_EXPONENT;
  let digits = '';
  let at = offset + 2;
  for (let b = read(at); b !== DIGITS_END; b = read(++at)) {
    if (b > 100) throw new MalformedKeyError('bad digit pair in number component');
    digits += String(b - 1).padStart(2, '0');
  }
  digits = digits.replace(/0+$/, '');
  if (digits.length === 0) throw new MalformedKeyError('number component without digits');
  return { value: { N: canonicalNumber(negative, exponent, digits) }, end: at + 1 };
}

/** DynamoDB's canonical form: plain notation, no trailing zeros ("1E+2" -> "100"). */
function canonicalNumber(negative: boolean, exponent: number, digits: string): string {
  let plain: string;
  if (exponent < 0) plain = `0.${'0'.repeat(-exponent - 1)}${digits}`;
  else if (exponent >= digits.length - 1) plain = digits + '0'.repeat(exponent - digits.length + 1);
  else plain = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  return negative ? `-${plain}` : plain;
}
