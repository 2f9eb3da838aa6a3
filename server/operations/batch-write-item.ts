/**
 * BatchWriteItem: up to 25 unconditional puts and deletes over one or more
 * tables. Each is validated before any is written; then all are written
 * concurrently (the group committer makes them share fsyncs).
 */
import { ValidationError } from '../../engine/errors.js';
import { itemKeyOfItem, itemKeyOfKey } from '../../engine/items/item-key.js';
import type { ItemWrite } from '../../engine/items/item-write.js';
import type { Item, Key } from '../../engine/types.js';
import type { OperationHandler } from './registry.js';
import type { OperationDeps } from './deps.js';
import { consumedCapacities, writeUnits, type ReturnConsumedCapacity } from './shared/capacity.js';
import { checkAttributeValues, checkItemSize, responseNeedsOldItem } from './shared/items.js';

/** DynamoDB's limit of requests in one BatchWriteItem call. */
export const MAX_BATCH_WRITE_REQUESTS = 25;

interface WriteRequest {
  PutRequest?: { Item: Item };
  DeleteRequest?: { Key: Key };
}

interface BatchWriteItemRequest {
  RequestItems: Record<string, WriteRequest[]>;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
  ReturnItemCollectionMetrics?: string;
}

interface PlannedWrite {
  tableName: string;
  tableId: number;
  itemKey: Buffer;
  write: ItemWrite;
}

const KEY_MISMATCH = /Missing the key|Type mismatch for key/;

export function batchWriteItem(deps: OperationDeps): OperationHandler {
  return async (raw) => {
    const request = raw as unknown as BatchWriteItemRequest;
    let total = 0;
    for (const requests of Object.values(request.RequestItems)) {
      total += requests.length;
      for (const entry of requests) {
        if (entry.PutRequest === undefined && entry.DeleteRequest === undefined) {
          throw new ValidationError(
            'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
          );
        }
        if (entry.PutRequest !== undefined) {
          checkAttributeValues(entry.PutRequest.Item);
          checkItemSize(entry.PutRequest.Item);
        } else if (entry.DeleteRequest !== undefined) {
          checkAttributeValues(entry.DeleteRequest.Key);
        }
      }
    }
    if (total > MAX_BATCH_WRITE_REQUESTS) throw new ValidationError('Too many items requested for the BatchWriteItem call');
    const planned: PlannedWrite[] = [];
    for (const [tableName, requests] of Object.entries(request.RequestItems)) {
      const table = deps.engine.catalog.require(tableName);
      const seen = new Set<string>();
      for (const entry of requests) {
        const write = planWrite(table.name, table.tableId, entry, (item) => keyOfPut(table, item), (key) => itemKeyOfKey(table, key));
        const id = write.itemKey.toString('latin1');
        if (seen.has(id)) throw new ValidationError('Provided list of item keys contains duplicates');
        seen.add(id);
        planned.push(write);
      }
    }
    const outcomes = await Promise.all(planned.map((p) => deps.engine.writeItem(p.tableId, p.itemKey, p.write, responseNeedsOldItem(request))));
    const response: Record<string, unknown> = { UnprocessedItems: {} };
    const capacity = consumedCapacities(
      request.ReturnConsumedCapacity,
      () =>
        planned.map((p, i) => ({ tableName: p.tableName, units: writeUnits(outcomes[i]?.old, outcomes[i]?.new) })),
    );
    if (capacity !== undefined) response.ConsumedCapacity = capacity;
    return response;
  };
}

function keyOfPut(table: Parameters<typeof itemKeyOfItem>[0], item: Item): Buffer {
  try {
    return itemKeyOfItem(table, item);
  } catch (error) {
    // DynamoDB words a put's key problems as a key mismatch inside a batch.
    if (error instanceof ValidationError && KEY_MISMATCH.test(error.message)) {
      throw new ValidationError('The provided key element does not match the schema');
    }
    throw error;
  }
}

function planWrite(
  tableName: string,
  tableId: number,
  entry: WriteRequest,
  putKey: (item: Item) => Buffer,
  deleteKey: (key: Key) => Buffer,
): PlannedWrite {
  if (entry.PutRequest !== undefined) {
    return { tableName, tableId, itemKey: putKey(entry.PutRequest.Item), write: { kind: 'put', item: entry.PutRequest.Item } };
  }
  return { tableName, tableId, itemKey: deleteKey(entry.DeleteRequest!.Key), write: { kind: 'delete' } };
}
