/**
 * PutItem: replaces the whole item, optionally under a ConditionExpression.
 */
import { itemKeyOfItem } from '../../engine/items/item-key.js';
import type { Item } from '../../engine/types.js';
import type { OperationHandler } from './registry.js';
import type { OperationDeps } from './deps.js';
import { checkParameterMix, parseRequestExpressions, type ExpressionRequest } from './shared/expressions.js';
import type { ReturnConsumedCapacity } from './shared/capacity.js';
import { legacyCondition, type LegacyRequest } from './shared/legacy.js';
import { checkAttributeValues, checkReturnValuesAllOld, replaceResponse, responseNeedsOldItem, checkItemSize, withConditionFailure, type ReturnValuesOnFailure } from './shared/items.js';

interface PutItemRequest extends ExpressionRequest, LegacyRequest {
  TableName: string;
  Item: Item;
  ReturnValues?: string;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
  ReturnValuesOnConditionCheckFailure?: ReturnValuesOnFailure;
}

export function putItem(deps: OperationDeps): OperationHandler {
  return async (raw) => {
    const request = raw as unknown as PutItemRequest;
    checkParameterMix(request, ['ConditionExpression'], ['Expected']);
    checkAttributeValues(request.Item);
    checkReturnValuesAllOld(request.ReturnValues);
    checkItemSize(request.Item);
    const expected = legacyCondition(request);
    const parsed = parseRequestExpressions(request, ['ConditionExpression']);
    const condition = parsed.condition ?? expected;
    const table = deps.engine.catalog.require(request.TableName);
    const itemKey = itemKeyOfItem(table, request.Item);
    const write = { kind: 'put' as const, item: request.Item, ...(condition ? { condition } : {}) };
    const outcome = await withConditionFailure(request.ReturnValuesOnConditionCheckFailure, () =>
      deps.engine.writeItem(table.tableId, itemKey, write, responseNeedsOldItem(request)),
    );
    return replaceResponse(request, table.name, outcome);
  };
}
