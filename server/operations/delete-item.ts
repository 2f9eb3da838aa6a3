/**
 * DeleteItem: writes a tombstone, optionally under a ConditionExpression.
 */
import { itemKeyOfKey } from '../../engine/items/item-key.js';
import type { Key } from '../../engine/types.js';
import type { OperationHandler } from './registry.js';
import type { OperationDeps } from './deps.js';
import { checkParameterMix, parseRequestExpressions, type ExpressionRequest } from './shared/expressions.js';
import type { ReturnConsumedCapacity } from './shared/capacity.js';
import { legacyCondition, type LegacyRequest } from './shared/legacy.js';
import { checkAttributeValues, checkReturnValuesAllOld, replaceResponse, responseNeedsOldItem, withConditionFailure, type ReturnValuesOnFailure } from './shared/items.js';

interface DeleteItemRequest extends ExpressionRequest, LegacyRequest {
  TableName: string;
  Key: Key;
  ReturnValues?: string;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
  ReturnValuesOnConditionCheckFailure?: ReturnValuesOnFailure;
}

export function deleteItem(deps: OperationDeps): OperationHandler {
  return async (raw) => {
    const request = raw as unknown as DeleteItemRequest;
    checkParameterMix(request, ['ConditionExpression'], ['Expected']);
    checkAttributeValues(request.Key);
    checkReturnValuesAllOld(request.ReturnValues);
    const expected = legacyCondition(request);
    const parsed = parseRequestExpressions(request, ['ConditionExpression']);
    const condition = parsed.condition ?? expected;
    const table = deps.engine.catalog.require(request.TableName);
    const itemKey = itemKeyOfKey(table, request.Key);
    const write = { kind: 'delete' as const, ...(condition ? { condition } : {}) };
    const outcome = await withConditionFailure(request.ReturnValuesOnConditionCheckFailure, () =>
      deps.engine.writeItem(table.tableId, itemKey, write, responseNeedsOldItem(request)),
    );
    return replaceResponse(request, table.name, outcome);
  };
}
