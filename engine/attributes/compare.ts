/**
 * Equality and ordering of AttributeValues as DynamoDB defines them: numbers
 * by numeric value, strings by their UTF-8 bytes, binary by unsigned bytes,
 * sets regardless of order, maps and lists deeply.
 */
import type { AttributeValue } from '../types.js';
import { decodeBinary } from './binary.js';
import { typeOf } from './datatype.js';
import { canonicalNumber, compareNumbers, numbersEqual } from './numbers.js';

/** Orders two strings by their UTF-8 bytes (which is code point order, not UTF-16 order). */
export function compareStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Orders two base64 binaries by their unsigned bytes. */
export function compareBinaries(a: string, b: string): number {
  return Buffer.compare(decodeBinary(a), decodeBinary(b));
}

/**
 * Orders two scalars (S, N, B) of the same type. Returns undefined when the
 * values are not comparable: different types, or types without an order.
 */
export function compareValues(a: AttributeValue, b: AttributeValue): number | undefined {
  if ('N' in a && 'N' in b) return compareNumbers(a.N, b.N);
  if ('S' in a && 'S' in b) return compareStrings(a.S, b.S);
  if ('B' in a && 'B' in b) return compareBinaries(a.B, b.B);
  return undefined;
}

export function valuesEqual(a: AttributeValue, b: AttributeValue): boolean {
  const type = typeOf(a);
  if (type !== typeOf(b)) return false;
  switch (type) {
    case 'S':
      return (a as { S: string }).S === (b as { S: string }).S;
    case 'N':
      return numbersEqual((a as { N: string }).N, (b as { N: string }).N);
    case 'B':
      return compareBinaries((a as { B: string }).B, (b as { B: string }).B) === 0;
    case 'BOOL':
      return (a as { BOOL: boolean }).BOOL === (b as { BOOL: boolean }).BOOL;
    case 'NULL':
      return true;
    case 'SS':
      return sameSet((a as { SS: string[] }).SS, (b as { SS: string[] }).SS);
    case 'NS':
      return sameSet((a as { NS: string[] }).NS.map(canonicalNumber), (b as { NS: string[] }).NS.map(canonicalNumber));
    case 'BS':
      return sameSet((a as { BS: string[] }).BS.map(canonicalBinary), (b as { BS: string[] }).BS.map(canonicalBinary));
    case 'L': {
      const left = (a as { L: AttributeValue[] }).L;
      const right = (b as { L: AttributeValue[] }).L;
      return left.length === right.length && left.every((v, i) => valuesEqual(v, right[i] as AttributeValue));
    }
    case 'M': {
      const left = (a as { M: Record<string, AttributeValue> }).M;
      const right = (b as { M: Record<string, AttributeValue> }).M;
      const keys = Object.keys(left);
      if (keys.length !== Object.keys(right).length) return false;
      return keys.every((k) => Object.hasOwn(right, k) && valuesEqual(left[k] as AttributeValue, right[k] as AttributeValue));
    }
    default: {
      const unreachable: never = type;
      return unreachable;
    }
  }
}

function canonicalBinary(text: string): string {
  return decodeBinary(text).toString('base64');
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const members = new Set(a);
  return b.every((x) => members.has(x));
}

/** The same value with every number in canonical form, as DynamoDB stores and returns it. */
export function canonicalize(value: AttributeValue): AttributeValue {
  if ('N' in value) return { N: canonicalNumber(value.N) };
  if ('NS' in value) return { NS: value.NS.map(canonicalNumber) };
  if ('L' in value) return { L: value.L.map(canonicalize) };
  if ('M' in value) return { M: canonicalizeMap(value.M) };
  return value;
}

function canonicalizeMap(map: Record<string, AttributeValue>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(map)) out[name] = canonicalize(value);
  return out;
}

/** An item with every number in canonical form. */
export function canonicalizeItem<T extends Record<string, AttributeValue>>(item: T): T {
  return canonicalizeMap(item) as T;
}
