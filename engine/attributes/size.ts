/**
 * Item size as DynamoDB counts it ("Item sizes and formats", developer guide):
 * each attribute costs the UTF-8 length of its name plus its value's size.
 * Strings: UTF-8 bytes. Binary: raw bytes. Numbers: 1 byte per base-100
 * digit pair plus 1 (and 1 more if negative). NULL and BOOL: 1 byte.
 * Sets: the sum of their elements. Lists and maps: 3 bytes plus 1 byte per
 * element plus the elements (and, for maps, their key names).
 */
import type { AttributeValue, Item } from '../types.js';
import { binaryLengthBytes } from './binary.js';
import { numberShape } from './numbers.js';

const CONTAINER_OVERHEAD_BYTES = 3;
const CONTAINER_ELEMENT_BYTES = 1;
const SCALAR_FLAG_BYTES = 1;

export function itemSizeBytes(item: Item): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) total += attributeValueSizeBytes(name, value);
  return total;
}

/** One attribute: its name plus its value. */
export function attributeValueSizeBytes(name: string, value: AttributeValue): number {
  return Buffer.byteLength(name, 'utf8') + valueSizeBytes(value);
}

export function valueSizeBytes(value: AttributeValue): number {
  if ('S' in value) return Buffer.byteLength(value.S, 'utf8');
  if ('N' in value) return numberSizeBytes(value.N);
  if ('B' in value) return binaryLengthBytes(value.B);
  if ('SS' in value) return sum(value.SS.map((s) => Buffer.byteLength(s, 'utf8')));
  if ('NS' in value) return sum(value.NS.map(numberSizeBytes));
  if ('BS' in value) return sum(value.BS.map(binaryLengthBytes));
  if ('L' in value) {
    return CONTAINER_OVERHEAD_BYTES + sum(value.L.map((v) => CONTAINER_ELEMENT_BYTES + valueSizeBytes(v)));
  }
  if ('M' in value) {
    const entries = Object.entries(value.M);
    return CONTAINER_OVERHEAD_BYTES + sum(entries.map(([k, v]) => CONTAINER_ELEMENT_BYTES + attributeValueSizeBytes(k, v)));
  }
  return SCALAR_FLAG_BYTES; // NULL and BOOL
}

/**
 * DynamoDB stores numbers as base-100 digits aligned on the decimal point
 * (like Oracle NUMBER): one byte per digit pair actually spanned, one for
 * the exponent, and one terminator for negatives.
 */
export function numberSizeBytes(text: string): number {
  const shape = numberShape(text);
  if (shape.zero) return 1;
  const highest = shape.exponent;
  const lowest = shape.exponent - shape.digits + 1;
  const pairs = Math.floor(highest / 2) - Math.floor(lowest / 2) + 1;
  return 1 + pairs + (shape.negative ? 1 : 0);
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
