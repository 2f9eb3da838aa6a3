/**
 * The ordered key of an item (DESIGN.md section 4):
 *
 *   tableId (4 bytes BE) | hash32(pk) (4 bytes) | pk component | [sk component]
 *
 * hash32 is the first 4 bytes of the MD5 of the encoded partition key: it
 * spreads a table's partitions over the whole keyspace (so pre-split ranges
 * share the load), while all items of one partition stay contiguous and
 * sorted by sort key, so a Query is one span.
 *
 * Item keys are prefix-free: components are self-delimiting and a table's key
 * schema fixes how many there are, so no item key is a prefix of another. The
 * MVCC layer relies on this when it appends a timestamp to an item key.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../errors.js';
import type { AttributeValue, ScalarAttributeType } from '../types.js';
import { prefixEnd, type KeySpan } from './key-span.js';
import { MalformedKeyError } from './malformed-key-error.js';
import { decodeKeyComponent, encodeKeyComponent, escapeBytes, keyScalarType, type KeyScalarValue } from './values.js';

export const TABLE_ID_BYTES = 4;
export const PARTITION_HASH_BYTES = 4;
/** The largest table id: one below 2^32 - 1, so every table's span has an end. */
export const MAX_TABLE_ID = 0xfffffffe;
/** DynamoDB's largest parallel-scan TotalSegments. */
export const MAX_TOTAL_SEGMENTS = 1_000_000;
const HASH_SPACE = 2 ** (8 * PARTITION_HASH_BYTES);

export interface DecodedItemKey {
  tableId: number;
  hashKey: KeyScalarValue;
  rangeKey?: KeyScalarValue;
}

/** A Query's condition on the sort key, in KeyConditionExpression terms. */
export type SortKeyCondition =
  | { op: 'EQ' | 'LT' | 'LE' | 'GT' | 'GE'; value: AttributeValue }
  | { op: 'BETWEEN'; low: AttributeValue; high: AttributeValue }
  | { op: 'BEGINS_WITH'; prefix: AttributeValue };

export function encodeItemKey(tableId: number, hashKey: AttributeValue, rangeKey?: AttributeValue): Buffer {
  const head = partitionPrefix(tableId, hashKey);
  return rangeKey === undefined ? head : Buffer.concat([head, encodeKeyComponent(rangeKey)]);
}

export function decodeItemKey(buf: Buffer, hashType: ScalarAttributeType, rangeType?: ScalarAttributeType): DecodedItemKey {
  const headBytes = TABLE_ID_BYTES + PARTITION_HASH_BYTES;
  if (buf.length <= headBytes) throw new MalformedKeyError('item key shorter than its header');
  const tableId = buf.readUInt32BE(0);
  const hash = decodeKeyComponent(buf, headBytes, hashType);
  let end = hash.end;
  const decoded: DecodedItemKey = { tableId, hashKey: hash.value };
  if (rangeType !== undefined) {
    const range = decodeKeyComponent(buf, end, rangeType);
    decoded.rangeKey = range.value;
    end = range.end;
  }
  if (end !== buf.length) throw new MalformedKeyError('trailing bytes after the item key');
  return decoded;
}

/** Every item of the table. */
export function tableSpan(tableId: number): KeySpan {
  checkTableId(tableId);
  return { start: tableIdBytes(tableId), end: tableIdBytes(tableId + 1) };
}

/**
 * Segment `segment` of `totalSegments` equal slices of the table's hash space:
 * a parallel Scan segment, or the span of one pre-split range.
 */
export function tableSegmentSpan(tableId: number, segment: number, totalSegments: number): KeySpan {
  if (!Number.isInteger(totalSegments) || totalSegments < 1 || totalSegments > MAX_TOTAL_SEGMENTS) {
    throw new RangeError(`totalSegments must be an integer in 1..${MAX_TOTAL_SEGMENTS}`);
  }
  if (!Number.isInteger(segment) || segment < 0 || segment >= totalSegments) {
    throw new RangeError('segment must be an integer in 0..totalSegments-1');
  }
  const whole = tableSpan(tableId);
  const boundary = (i: number): Buffer => hashBoundary(tableId, Math.floor((i * HASH_SPACE) / totalSegments));
  return {
    start: segment === 0 ? whole.start : boundary(segment),
    end: segment === totalSegments - 1 ? whole.end : boundary(segment + 1),
  };
}

/** Every item with this partition key (a Query with no sort key condition). */
export function partitionSpan(tableId: number, hashKey: AttributeValue): KeySpan {
  const start = partitionPrefix(tableId, hashKey);
  return { start, end: keyAfterPrefix(start) };
}

/** The items of one partition whose sort key satisfies `condition`. */
export function sortKeySpan(tableId: number, hashKey: AttributeValue, condition: SortKeyCondition): KeySpan {
  const partition = partitionSpan(tableId, hashKey);
  const at = (value: AttributeValue): Buffer => Buffer.concat([partition.start, encodeKeyComponent(value)]);
  switch (condition.op) {
    case 'EQ': {
      const key = at(condition.value);
      return { start: key, end: itemKeySuccessor(key) };
    }
    case 'LT':
      return { start: partition.start, end: at(condition.value) };
    case 'LE':
      return { start: partition.start, end: itemKeySuccessor(at(condition.value)) };
    case 'GT':
      return { start: itemKeySuccessor(at(condition.value)), end: partition.end };
    case 'GE':
      return { start: at(condition.value), end: partition.end };
    case 'BETWEEN':
      return nonInverted(at(condition.low), itemKeySuccessor(at(condition.high)));
    case 'BEGINS_WITH': {
      const start = Buffer.concat([partition.start, escapeBytes(prefixBytes(condition.prefix))]);
      return { start, end: keyAfterPrefix(start) };
    }
  }
}

/**
 * The smallest key after `itemKey` that is not an extension of it: the start
 * of a scan that resumes after an item (ExclusiveStartKey). Because item keys
 * are prefix-free, [itemKey, successor) holds that item (and its MVCC
 * versions) and nothing else.
 */
export function itemKeySuccessor(itemKey: Buffer): Buffer {
  return keyAfterPrefix(itemKey);
}

function partitionPrefix(tableId: number, hashKey: AttributeValue): Buffer {
  checkTableId(tableId);
  const component = encodeKeyComponent(hashKey);
  const hash = createHash('md5').update(component).digest().subarray(0, PARTITION_HASH_BYTES);
  return Buffer.concat([tableIdBytes(tableId), hash, component]);
}

function checkTableId(tableId: number): void {
  if (!Number.isInteger(tableId) || tableId < 0 || tableId > MAX_TABLE_ID) {
    throw new RangeError(`tableId must be an integer in 0..${MAX_TABLE_ID}`);
  }
}

/** Unchecked: a span's end is tableId + 1, which may be MAX_TABLE_ID + 1 (still 4 bytes). */
function tableIdBytes(tableId: number): Buffer {
  const out = Buffer.allocUnsafe(TABLE_ID_BYTES);
  out.writeUInt32BE(tableId, 0);
  return out;
}

function hashBoundary(tableId: number, hash: number): Buffer {
  const out = Buffer.allocUnsafe(TABLE_ID_BYTES + PARTITION_HASH_BYTES);
  out.writeUInt32BE(tableId, 0);
  out.writeUInt32BE(hash, TABLE_ID_BYTES);
  return out;
}

/** Every key here starts with a table id <= MAX_TABLE_ID, so an end always exists. */
function keyAfterPrefix(prefix: Buffer): Buffer {
  const end = prefixEnd(prefix);
  if (end === undefined) throw new RangeError('a key under a valid table id always has a successor');
  return end;
}

function prefixBytes(prefix: AttributeValue): Buffer {
  if ('S' in prefix) return Buffer.from(prefix.S, 'utf8');
  if ('B' in prefix) return Buffer.from(prefix.B, 'base64');
  throw new ValidationError(
    `Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: ${keyScalarType(prefix) ?? Object.keys(prefix)[0]}`,
  );
}

/** BETWEEN with low > high holds nothing: an empty span, never an inverted one. */
function nonInverted(start: Buffer, end: Buffer): KeySpan {
  return Buffer.compare(start, end) <= 0 ? { start, end } : { start, end: start };
}
