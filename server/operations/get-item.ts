/**
 * GetItem: reads one item at a fresh timestamp, with ProjectionExpression or
 * (legacy) AttributesToGet.
 */
import { itemKeyOfKey } from '../../engine/items/item-key.js';
import type { Key } from '../../engine/types.js';
import type { OperationHandler } from './registry.js';
import type { OperationDeps } from './deps.js';
import { checkParameterMix, parseRequestExpressions, type ExpressionRequest } from './shared/expressions.js';
import { consumedCapacity, readUnits, type ReturnConsumedCapacity } from './shared/capacity.js';
import { checkAttributeValues, checkDistinctNames } from './shared/items.js';
import { shapeItem } from './shared/projection.js';
import { checkKeyPathsScalar } from './shared/update-keys.js';

interface GetItemRequest extends ExpressionRequest {
  TableName: string;
  Key: Key;
  ConsistentRead?: boolean;
  AttributesToGet?: string[];
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
}

export function getItem(deps: OperationDeps): OperationHandler {
  return async (raw) => {
    const request = raw as unknown as GetItemRequest;
    checkParameterMix(request, ['ProjectionExpression'], ['AttributesToGet']);
    checkDistinctNames(request.AttributesToGet);
    checkAttributeValues(request.Key);
    const parsed = parseRequestExpressions(request, ['ProjectionExpression']);
    const table = deps.engine.catalog.require(request.TableName);
    const itemKey = itemKeyOfKey(table, request.Key);
    checkKeyPathsScalar(table, parsed.projection);
    const item = await deps.engine.getItem(itemKey);
    const response: Record<string, unknown> = {};
    if (item !== undefined) {
      response.Item = shapeItem(item, parsed.projection, request.AttributesToGet);
    }
    const capacity = consumedCapacity(request.ReturnConsumedCapacity, () => ({
      tableName: table.name,
      units: readUnits(item, request.ConsistentRead === true),
    }));
    if (capacity !== undefined) response.ConsumedCapacity = capacity;
    return response;
  };
}
