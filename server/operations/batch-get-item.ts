/**
 * BatchGetItem: up to 100 keys over one or more tables, each table with its
 * own projection and consistency. Keys past the 16 MB response limit come
 * back in UnprocessedKeys for the client to retry.
 */
import { ValidationError } from '../../engine/errors.js';
import { itemKeyOfKey } from '../../engine/items/item-key.js';
import type { Item, Key } from '../../engine/types.js';
import type { OperationHandler } from './registry.js';
import type { OperationDeps } from './deps.js';
import { checkParameterMix, parseRequestExpressions, type ExpressionRequest } from './shared/expressions.js';
import { consumedCapacities, readUnits, type ReturnConsumedCapacity } from './shared/capacity.js';
import { checkAttributeValues, checkDistinctNames } from './shared/items.js';
import { shapeItem } from './shared/projection.js';
import { itemSizeBytes } from '../../engine/attributes/size.js';

/** DynamoDB's limits for one BatchGetItem call. */
export const MAX_BATCH_GET_KEYS = 100;
export const MAX_BATCH_GET_RESPONSE_BYTES = 16 * 1024 * 1024;

interface TableKeys extends ExpressionRequest {
  Keys: Key[];
  AttributesToGet?: string[];
  ConsistentRead?: boolean;
}

interface BatchGetItemRequest {
  RequestItems: Record<string, TableKeys>;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
}

export function batchGetItem(deps: OperationDeps): OperationHandler {
  return async (raw) => {
    const request = raw as unknown as BatchGetItemRequest;
    const plans = Object.entries(request.RequestItems).map(([tableName, entry]) => {
      checkParameterMix(entry, ['ProjectionExpression'], ['AttributesToGet']);
      checkDistinctNames(entry.AttributesToGet);
      const parsed = parseRequestExpressions(entry, ['ProjectionExpression']);
      const seen = new Set<string>();
      for (const key of entry.Keys) {
        checkAttributeValues(key);
        const id = JSON.stringify(Object.keys(key).sort().map((name) => [name, key[name]]));
        if (seen.has(id)) throw new ValidationError('Provided list of item keys contains duplicates');
        seen.add(id);
      }
      return { tableName, entry, parsed };
    });
    const total = plans.reduce((sum, plan) => sum + plan.entry.Keys.length, 0);
    if (total > MAX_BATCH_GET_KEYS) throw new ValidationError('Too many items requested for the BatchGetItem call');
    const reads = plans.map((plan) => {
      const table = deps.engine.catalog.require(plan.tableName);
      return { ...plan, table, itemKeys: plan.entry.Keys.map((key) => itemKeyOfKey(table, key)) };
    });
    const responses: Record<string, Item[]> = {};
    const unprocessed: Record<string, TableKeys> = {};
    const measured: Array<{ tableName: string; item: Item | undefined; consistent: boolean }> = [];
    let bytes = 0;
    for (const read of reads) {
      const items = await Promise.all(read.itemKeys.map((itemKey) => deps.engine.getItem(itemKey)));
      const found: Item[] = [];
      const deferred: Key[] = [];
      items.forEach((item, i) => {
        if (bytes >= MAX_BATCH_GET_RESPONSE_BYTES) {
          deferred.push(read.entry.Keys[i]!);
          return;
        }
        measured.push({ tableName: read.table.name, item, consistent: read.entry.ConsistentRead === true });
        if (item === undefined) return;
        const shaped = shapeItem(item, read.parsed.projection, read.entry.AttributesToGet);
        bytes += itemSizeBytes(shaped);
        found.push(shaped);
      });
      responses[read.tableName] = found;
      if (deferred.length > 0) unprocessed[read.tableName] = { ...read.entry, Keys: deferred };
    }
    const response: Record<string, unknown> = { Responses: responses, UnprocessedKeys: unprocessed };
    const capacity = consumedCapacities(request.ReturnConsumedCapacity, () =>
      measured.map((r) => ({ tableName: r.tableName, units: readUnits(r.item, r.consistent) })),
    );
    if (capacity !== undefined) response.ConsumedCapacity = capacity;
    return response;
  };
}
