/**
 * TransactWriteItems: up to 100 Put/Update/Delete/ConditionCheck actions over
 * one or more tables, all or nothing, with ClientRequestToken idempotency.
 * Each action is validated like its single-item operation before anything is
 * evaluated; the engine then commits all of them atomically or cancels with
 * one reason per action.
 */
import { ValidationError } from '../../engine/errors.js';
import { itemKeyOfItem, itemKeyOfKey } from '../../engine/items/item-key.js';
import type { ItemWrite } from '../../engine/items/item-write.js';
import type { TransactAction } from '../../engine/txn/transact-write.js';
import { RequestTokens } from '../../engine/txn/request-tokens.js';
import { itemSizeBytes } from '../../engine/attributes/size.js';
import type { Item, Key } from '../../engine/types.js';
import type { OperationHandler } from './registry.js';
import type { OperationDeps } from './deps.js';
import { checkParameterMix, parseRequestExpressions, type ExpressionRequest } from './shared/expressions.js';
import { consumedCapacities, writeUnits, type ReturnConsumedCapacity } from './shared/capacity.js';
import { checkAttributeValues, checkItemSize, type ReturnValuesOnFailure } from './shared/items.js';
import { checkUpdateSparesKeys } from './shared/update-keys.js';

/** DynamoDB's limits for one transaction. */
export const MAX_TRANSACT_ACTIONS = 100;
export const MAX_TRANSACT_BYTES = 4 * 1024 * 1024;

interface ActionBase extends ExpressionRequest {
  TableName: string;
  ReturnValuesOnConditionCheckFailure?: ReturnValuesOnFailure;
}

interface TransactItem {
  Put?: ActionBase & { Item: Item };
  Update?: ActionBase & { Key: Key; UpdateExpression: string };
  Delete?: ActionBase & { Key: Key };
  ConditionCheck?: ActionBase & { Key: Key; ConditionExpression: string };
}

interface TransactWriteItemsRequest {
  TransactItems: TransactItem[];
  ClientRequestToken?: string;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
}

interface PreparedAction extends TransactAction {
  tableName: string;
}

export function transactWriteItems(deps: OperationDeps): OperationHandler {
  return async (raw) => {
    const request = raw as unknown as TransactWriteItemsRequest;
    const actions = request.TransactItems.map((item) => prepareAction(deps, item));
    checkDistinctItems(actions);
    checkTotalSize(request.TransactItems);
    const token =
      request.ClientRequestToken === undefined
        ? undefined
        : { value: request.ClientRequestToken, fingerprint: RequestTokens.fingerprint(request.TransactItems) };
    const result = await deps.engine.transactWrite(actions, token === undefined ? {} : { token });
    const response: Record<string, unknown> = {};
    const capacity = consumedCapacities(
      request.ReturnConsumedCapacity,
      () =>
        actions.map((action, i) => {
          const outcome = result.outcomes[i];
          const units = result.replayed ? 1 : writeUnits(outcome?.old, outcome?.new);
          return { tableName: action.tableName, units: 2 * units };
        }),
    );
    if (capacity !== undefined) response.ConsumedCapacity = capacity;
    return response;
  };
}

function prepareAction(deps: OperationDeps, item: TransactItem): PreparedAction {
  const kinds = (['Put', 'Update', 'Delete', 'ConditionCheck'] as const).filter((kind) => item[kind] !== undefined);
  if (kinds.length !== 1) {
    throw new ValidationError(
      'TransactItems can only contain one of Check, Put, Update or Delete',
    );
  }
  const kind = kinds[0]!;
  const action = item[kind]!;
  const returnOldOnFailure = action.ReturnValuesOnConditionCheckFailure === 'ALL_OLD';
  switch (kind) {
    case 'Put': {
      const put = item.Put!;
      checkParameterMix(put, ['ConditionExpression'], []);
      checkAttributeValues(put.Item);
      checkItemSize(put.Item);
      const parsed = parseRequestExpressions(put, ['ConditionExpression']);
      const table = deps.engine.catalog.require(put.TableName);
      const write: ItemWrite = { kind: 'put', item: put.Item, ...(parsed.condition ? { condition: parsed.condition } : {}) };
      return { tableName: table.name, tableId: table.tableId, itemKey: itemKeyOfItem(table, put.Item), write, returnOldOnFailure };
    }
    case 'Delete': {
      const del = item.Delete!;
      checkParameterMix(del, ['ConditionExpression'], []);
      checkAttributeValues(del.Key);
      const parsed = parseRequestExpressions(del, ['ConditionExpression']);
      const table = deps.engine.catalog.require(del.TableName);
      const write: ItemWrite = { kind: 'delete', ...(parsed.condition ? { condition: parsed.condition } : {}) };
      return { tableName: table.name, tableId: table.tableId, itemKey: itemKeyOfKey(table, del.Key), write, returnOldOnFailure };
    }
    case 'Update': {
      const update = item.Update!;
      checkParameterMix(update, ['UpdateExpression', 'ConditionExpression'], []);
      checkAttributeValues(update.Key);
      const parsed = parseRequestExpressions(update, ['UpdateExpression', 'ConditionExpression']);
      const table = deps.engine.catalog.require(update.TableName);
      const itemKey = itemKeyOfKey(table, update.Key);
      if (parsed.update !== undefined) checkUpdateSparesKeys(table, parsed.update);
      const write: ItemWrite = {
        kind: 'update',
        key: update.Key,
        ...(parsed.update ? { update: parsed.update } : {}),
        ...(parsed.condition ? { condition: parsed.condition } : {}),
      };
      return { tableName: table.name, tableId: table.tableId, itemKey, write, returnOldOnFailure };
    }
    case 'ConditionCheck': {
      const check = item.ConditionCheck!;
      checkParameterMix(check, ['ConditionExpression'], []);
      checkAttributeValues(check.Key);
      const parsed = parseRequestExpressions(check, ['ConditionExpression']);
      const table = deps.engine.catalog.require(check.TableName);
      if (parsed.condition === undefined) {
        throw new ValidationError('The expression can not be empty;');
      }
      const write: ItemWrite = { kind: 'check', condition: parsed.condition };
      return { tableName: table.name, tableId: table.tableId, itemKey: itemKeyOfKey(table, check.Key), write, returnOldOnFailure };
    }
  }
}

function checkDistinctItems(actions: readonly PreparedAction[]): void {
  const seen = new Set<string>();
  for (const action of actions) {
    const id = action.itemKey.toString('latin1');
    if (seen.has(id)) {
      throw new ValidationError('Transaction request cannot include multiple operations on one item');
    }
    seen.add(id);
  }
}

function checkTotalSize(items: readonly TransactItem[]): void {
  let bytes = 0;
  for (const item of items) {
    if (item.Put !== undefined) bytes += itemSizeBytes(item.Put.Item);
    for (const action of [item.Update, item.Delete, item.ConditionCheck]) {
      if (action !== undefined) bytes += itemSizeBytes(action.Key);
    }
  }
  if (bytes > MAX_TRANSACT_BYTES) {
    throw new ValidationError('Transaction request cannot exceed 4 MB');
  }
}
