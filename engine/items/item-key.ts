/**
 * Key attributes of items: validation with DynamoDB's messages, and the
 * mapping from a table's key attributes to the encoded item key.
 */
import { ValidationError } from '../errors.js';
import { encodeItemKey } from '../keys/item-key.js';
import { hashKeyOf, rangeKeyOf, type KeyAttribute, type TableDefinition } from '../catalog/table.js';
import type { AttributeValue, Item, Key } from '../types.js';

/** DynamoDB's limits on key attribute sizes. */
export const MAX_PARTITION_KEY_BYTES = 2048;
export const MAX_SORT_KEY_BYTES = 1024;

const INVALID = 'One or more parameter values were invalid: ';

/** Validates the key attributes inside a full item (PutItem, Put in a transaction). */
export function itemKeyOfItem(table: TableDefinition, item: Item): Buffer {
  for (const [attribute, isHash] of keyAttributes(table)) {
    const value = item[attribute.name];
    if (value === undefined) throw new ValidationError(`${INVALID}Missing the key ${attribute.name} in the item`);
    const actual = typeOf(value);
    if (actual !== attribute.type) {
      throw new ValidationError(
        `${INVALID}Type mismatch for key ${attribute.name} expected: ${attribute.type} actual: ${actual}`,
      );
    }
    checkKeyValue(attribute, value, isHash, 'One or more parameter values are not valid. ');
  }
  return encodeKey(table, item);
}

/** Validates a `Key` parameter (GetItem, DeleteItem, UpdateItem, ...): exactly the key attributes. */
export function itemKeyOfKey(table: TableDefinition, key: Key): Buffer {
  const attributes = keyAttributes(table);
  if (Object.keys(key).length !== attributes.length) {
    throw new ValidationError('The provided key element does not match the schema');
  }
  for (const [attribute, isHash] of attributes) {
    const value = key[attribute.name];
    if (value === undefined || typeOf(value) !== attribute.type) {
      throw new ValidationError('The provided key element does not match the schema');
    }
    checkKeyValue(attribute, value, isHash, INVALID);
  }
  return encodeKey(table, key);
}

/** Just the key attributes of an item. */
export function keyOf(table: TableDefinition, item: Item): Key {
  const key: Key = {};
  for (const [attribute] of keyAttributes(table)) {
    const value = item[attribute.name];
    if (value !== undefined) key[attribute.name] = value;
  }
  return key;
}

export function isKeyAttribute(table: TableDefinition, name: string): boolean {
  return table.keySchema.some((k) => k.AttributeName === name);
}

function keyAttributes(table: TableDefinition): Array<[KeyAttribute, boolean]> {
  const out: Array<[KeyAttribute, boolean]> = [[hashKeyOf(table), true]];
  const range = rangeKeyOf(table);
  if (range !== undefined) out.push([range, false]);
  return out;
}

function encodeKey(table: TableDefinition, item: Item): Buffer {
  const hash = item[hashKeyOf(table).name] as AttributeValue;
  const range = rangeKeyOf(table);
  return encodeItemKey(table.tableId, hash, range === undefined ? undefined : item[range.name]);
}

function typeOf(value: AttributeValue): string {
  return Object.keys(value)[0] ?? '';
}

function checkKeyValue(attribute: KeyAttribute, value: AttributeValue, isHash: boolean, emptyPrefix: string): void {
  if (attribute.type === 'N') return;
  const raw = attribute.type === 'S' ? (value as { S: string }).S : (value as { B: string }).B;
  if (raw === '') {
    const kind = attribute.type === 'S' ? 'string' : 'binary';
    throw new ValidationError(
      `${emptyPrefix}The AttributeValue for a key attribute cannot contain an empty ${kind} value. Key: ${attribute.name}`,
    );
  }
  const bytes = attribute.type === 'S' ? Buffer.byteLength(raw, 'utf8') : Buffer.from(raw, 'base64').length;
  if (isHash && bytes > MAX_PARTITION_KEY_BYTES) {
    throw new ValidationError(`${INVALID}Size of hashkey has exceeded the maximum size limit of${MAX_PARTITION_KEY_BYTES} bytes`);
  }
  if (!isHash && bytes > MAX_SORT_KEY_BYTES) {
    throw new ValidationError(
      `${INVALID}Aggregated size of all range keys has exceeded the size limit of ${MAX_SORT_KEY_BYTES} bytes`,
    );
  }
}
