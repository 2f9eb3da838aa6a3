/**
 * ExclusiveStartKey: where a Query or Scan resumes. For a table it is the
 * item's key; for an index it is the index key plus the table key, which is
 * exactly the entry key the index is ordered by.
 */
import { ValidationError } from '../../../engine/errors.js';
import { itemKeyOfKey } from '../../../engine/items/item-key.js';
import { indexEntryKey } from '../../../engine/items/secondary-index.js';
import type { TableDefinition } from '../../../engine/catalog/table.js';
import type { Key } from '../../../engine/types.js';
import type { ReadTarget } from './read-page.js';
import { itemKeySuccessor } from '../../../engine/keys/item-key.js';

export function startKeyOf(table: TableDefinition, target: ReadTarget, startKey: Key): Buffer {
  if (Object.keys(startKey).length !== target.keyAttributes.length) {
    throw new ValidationError(
      target.index === undefined
        ? 'The provided starting key is invalid: The provided key element does not match the schema'
        : 'The provided starting key is invalid',
    );
  }
  const tableKey: Key = {};
  for (const element of table.keySchema) {
    const value = startKey[element.AttributeName];
    if (value === undefined) throw new ValidationError('The provided starting key is invalid');
    tableKey[element.AttributeName] = value;
  }
  let itemKey: Buffer;
  try {
    itemKey = itemKeyOfKey(table, tableKey);
  } catch (error) {
    if (error instanceof ValidationError) throw new ValidationError(`The provided starting key is invalid: ${error.message}`);
    throw error;
  }
  if (target.index === undefined) return itemKey;
  const entryKey = indexEntryKey(table, target.index, startKey);
  if (entryKey === undefined) throw new ValidationError('The provided starting key is invalid');
  return entryKey;
}

/** The part of `span` after the start key (before it, backwards). */
export function resumeAfter(itemKey: Buffer, span: { start: Buffer; end: Buffer }, reverse: boolean): { start: Buffer; end: Buffer } {
  if (reverse) return { start: span.start, end: Buffer.compare(itemKey, span.end) < 0 ? itemKey : span.end };
  const after = itemKeySuccessor(itemKey);
  return { start: Buffer.compare(after, span.start) > 0 ? after : span.start, end: span.end };
}
