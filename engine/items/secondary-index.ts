/**
 * Secondary index entries. An index is its own span of the keyspace (its
 * `indexId` plays the part of a table id); an entry's key is the index key
 * followed by the table's primary key, so entries are unique per item and a
 * Query on the index walks them in index-key order. Entries are MVCC versions
 * like items, written in the same atomic batch as the item they mirror.
 */
import { ValidationError } from '../errors.js';
import { encodeItemKey } from '../keys/item-key.js';
import { encodeKeyComponent } from '../keys/values.js';
import { hashKeyOf, rangeKeyOf, type IndexDefinition, type KeyAttribute, type TableDefinition } from '../catalog/table.js';
import type { Mutation } from '../range/replica.js';
import type { AttributeValue, Item } from '../types.js';

/** The key attributes of an index: its own, then the table's (deduplicated). */
export function indexKeyAttributes(table: TableDefinition, index: IndexDefinition): KeyAttribute[] {
  const attributes = [hashKeyOf(table, index), rangeKeyOf(table, index), hashKeyOf(table), rangeKeyOf(table)];
  const seen = new Set<string>();
  return attributes.filter((a): a is KeyAttribute => a !== undefined && !seen.has(a.name) && seen.add(a.name) !== undefined);
}

/** The entry key of `item` in `index`, or undefined when the item lacks an index key (sparse index). */
export function indexEntryKey(table: TableDefinition, index: IndexDefinition, item: Item): Buffer | undefined {
  const hash = indexValue(item, hashKeyOf(table, index));
  if (hash === undefined) return undefined;
  const rangeAttribute = rangeKeyOf(table, index);
  const range = rangeAttribute === undefined ? undefined : indexValue(item, rangeAttribute);
  if (rangeAttribute !== undefined && range === undefined) return undefined;
  const parts = [encodeItemKey(index.indexId, hash, range), encodeKeyComponent(item[hashKeyOf(table).name]!)];
  const tableRange = rangeKeyOf(table);
  if (tableRange !== undefined) parts.push(encodeKeyComponent(item[tableRange.name]!));
  return Buffer.concat(parts);
}

/** What an index stores of an item: its keys plus the projected attributes. */
export function projectForIndex(table: TableDefinition, index: IndexDefinition, item: Item): Item {
  if (index.projection.ProjectionType === 'ALL') return item;
  const names = indexKeyAttributes(table, index).map((a) => a.name);
  if (index.projection.ProjectionType === 'INCLUDE') names.push(...(index.projection.NonKeyAttributes ?? []));
  const projected: Item = {};
  for (const name of names) {
    const value = item[name];
    if (value !== undefined) projected[name] = value;
  }
  return projected;
}

/** The index entries to write or delete when an item goes from `before` to `after`. */
export function indexMutations(table: TableDefinition, before: Item | undefined, after: Item | undefined, only?: number): Mutation[] {
  const mutations: Mutation[] = [];
  for (const index of table.indexes ?? []) {
    if (index.status === 'DELETING' || (only !== undefined && index.indexId !== only)) continue;
    const oldKey = before === undefined ? undefined : indexEntryKey(table, index, before);
    const newKey = after === undefined ? undefined : indexEntryKey(table, index, after);
    if (oldKey !== undefined && (newKey === undefined || !oldKey.equals(newKey))) mutations.push({ itemKey: oldKey, item: undefined });
    if (newKey !== undefined) mutations.push({ itemKey: newKey, item: projectForIndex(table, index, after!) });
  }
  return mutations;
}

/** Index key attributes present in an item must have the index's type and not be empty. */
export function checkIndexKeys(table: TableDefinition, item: Item): void {
  for (const index of table.indexes ?? []) {
    for (const attribute of [hashKeyOf(table, index), rangeKeyOf(table, index)]) {
      if (attribute === undefined) continue;
      const value = item[attribute.name];
      if (value === undefined) continue;
      const actual = Object.keys(value)[0];
      if (actual !== attribute.type) {
        throw new ValidationError(
          `One or more parameter values were invalid: Type mismatch for Index Key ${attribute.name} Expected: ${attribute.type} Actual: ${actual} IndexName: ${index.name}`,
        );
      }
      const raw = (value as Record<string, unknown>)[attribute.type];
      if (raw === '') {
        const kind = attribute.type === 'S' ? 'string' : 'binary';
        throw new ValidationError(
          `One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty ${kind} value. IndexName: ${index.name}, IndexKey: ${attribute.name}`,
        );
      }
    }
  }
}

function indexValue(item: Item, attribute: KeyAttribute): AttributeValue | undefined {
  const value = item[attribute.name];
  if (value === undefined || !(attribute.type in value)) return undefined;
  const raw = (value as Record<string, unknown>)[attribute.type];
  return raw === '' ? undefined : value;
}
