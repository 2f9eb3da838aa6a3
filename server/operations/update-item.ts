/**
 * UpdateItem: applies an UpdateExpression to the current item (or to the key
 * alone when the item does not exist), optionally under a condition.
 */
import { itemKeyOfKey } from '../../engine/items/item-key.js';
import { projectItem, updatedPaths } from '../../engine/expressions/index.js';
import type { Key } from '../../engine/types.js';
import type { OperationHandler } from './registry.js';
import type { OperationDeps } from './deps.js';
import { checkParameterMix, parseRequestExpressions, type ExpressionRequest } from './shared/expressions.js';
import { consumedCapacity, writeUnits, type ReturnConsumedCapacity } from './shared/capacity.js';
import { legacyCondition, legacyUpdate, type LegacyRequest } from './shared/legacy.js';
import { checkAttributeValues, withConditionFailure, type ReturnValuesOnFailure } from './shared/items.js';
import { checkUpdateSparesKeys } from './shared/update-keys.js';

interface UpdateItemRequest extends ExpressionRequest, LegacyRequest {
  TableName: string;
  Key: Key;
  ReturnValues?: 'NONE' | 'ALL_OLD' | 'UPDATED_OLD' | 'ALL_NEW' | 'UPDATED_NEW';
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
  ReturnValuesOnConditionCheckFailure?: ReturnValuesOnFailure;
}

export function updateItem(deps: OperationDeps): OperationHandler {
  return async (raw) => {
    const request = raw as unknown as UpdateItemRequest;
    checkParameterMix(request, ['UpdateExpression', 'ConditionExpression'], ['AttributeUpdates', 'Expected']);
    checkAttributeValues(request.Key);
    const attributeUpdates = legacyUpdate(request);
    const expected = legacyCondition(request);
    const parsed = parseRequestExpressions(request, ['UpdateExpression', 'ConditionExpression']);
    const update = parsed.update ?? attributeUpdates;
    const condition = parsed.condition ?? expected;
    const table = deps.engine.catalog.require(request.TableName);
    const itemKey = itemKeyOfKey(table, request.Key);
    if (update !== undefined) checkUpdateSparesKeys(table, update);
    const write = {
      kind: 'update' as const,
      key: request.Key,
      ...(update ? { update } : {}),
      ...(condition ? { condition } : {}),
    };
    const outcome = await withConditionFailure(request.ReturnValuesOnConditionCheckFailure, () =>
      deps.engine.writeItem(table.tableId, itemKey, write),
    );
    const response: Record<string, unknown> = {};
    const paths = update === undefined ? undefined : updatedPaths(update);
    switch (request.ReturnValues) {
      case 'ALL_OLD':
        if (outcome.old !== undefined) response.Attributes = outcome.old;
        break;
      case 'ALL_NEW':
        if (outcome.new !== undefined) response.Attributes = outcome.new;
        break;
      case 'UPDATED_OLD':
      case 'UPDATED_NEW': {
        const source = request.ReturnValues === 'UPDATED_OLD' ? outcome.old : outcome.new;
        if (source !== undefined && paths !== undefined) {
          const projected = projectItem(source, paths);
          if (Object.keys(projected).length > 0) response.Attributes = projected;
        }
        break;
      }
      default:
        break;
    }
    const capacity = consumedCapacity(request.ReturnConsumedCapacity, () => ({
      tableName: table.name,
      units: writeUnits(outcome.old, outcome.new),
    }));
    if (capacity !== undefined) response.ConsumedCapacity = capacity;
    return response;
  };
}
