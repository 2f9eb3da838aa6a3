/**
 * TransactGetItems: up to 100 Gets over one or more tables, all read at one
 * snapshot timestamp, so the answer never mixes before and after a
 * transaction.
 */
import { ValidationError } from '../../engine/errors.js';
import { itemKeyOfKey } from '../../engine/items/item-key.js';
import type { Key } from '../../engine/types.js';
import type { OperationHandler } from './registry.js';
import type { OperationDeps } from './deps.js';
import { checkParameterMix, parseRequestExpressions, type ExpressionRequest } from './shared/expressions.js';
import { consumedCapacities, readUnits, type ReturnConsumedCapacity } from './shared/capacity.js';
import { checkAttributeValues } from './shared/items.js';
import { shapeItem } from './shared/projection.js';

interface TransactGetItemsRequest {
  TransactItems: Array<{ Get: ExpressionRequest & { TableName: string; Key: Key } }>;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
}

export function transactGetItems(deps: OperationDeps): OperationHandler {
  return async (raw) => {
    const request = raw as unknown as TransactGetItemsRequest;
    const gets = request.TransactItems.map(({ Get }) => {
      checkParameterMix(Get, ['ProjectionExpression'], []);
      checkAttributeValues(Get.Key);
      const parsed = parseRequestExpressions(Get, ['ProjectionExpression']);
      const table = deps.engine.catalog.require(Get.TableName);
      return { table, itemKey: itemKeyOfKey(table, Get.Key), projection: parsed.projection };
    });
    const seen = new Set<string>();
    for (const get of gets) {
      const id = get.itemKey.toString('latin1');
      if (seen.has(id)) throw new ValidationError('Transaction request cannot include multiple operations on one item');
      seen.add(id);
    }
    const readTs = await deps.engine.snapshotTimestamp();
    const items = await Promise.all(gets.map((get) => deps.engine.getItem(get.itemKey, readTs)));
    const response: Record<string, unknown> = {
      Responses: items.map((item, i) => (item === undefined ? {} : { Item: shapeItem(item, gets[i]!.projection, undefined) })),
    };
    const capacity = consumedCapacities(
      request.ReturnConsumedCapacity,
      () =>
        items.map((item, i) => ({ tableName: gets[i]!.table.name, units: 2 * readUnits(item, true) })),
    );
    if (capacity !== undefined) response.ConsumedCapacity = capacity;
    return response;
  };
}
