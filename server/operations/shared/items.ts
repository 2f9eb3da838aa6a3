/**
 * Request checks shared by the item operations.
 */
import { ConditionalCheckFailedError, ValidationError } from '../../../engine/errors.js';
import { validateItemAttributes } from '../../../engine/attributes/validate.js';
import { itemSizeBytes } from '../../../engine/attributes/size.js';
import { MAX_ITEM_BYTES } from '../../../engine/items/item-write.js';
import type { Item } from '../../../engine/types.js';
import type { WriteOutcome } from '../../../engine/items/item-write.js';
import { consumedCapacity, writeUnits, type ReturnConsumedCapacity } from './capacity.js';

export type ReturnValuesOnFailure = 'ALL_OLD' | 'NONE' | undefined;

/** Validates every attribute value of an item (or key) as DynamoDB does before anything else. */
export function checkAttributeValues(item: Item): void {
  validateItemAttributes(item);
}

/** AttributesToGet may not name one attribute twice. */
export function checkDistinctNames(names: readonly string[] | undefined): void {
  if (names === undefined) return;
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) {
      throw new ValidationError(`One or more parameter values were invalid: Duplicate value in attribute name: ${name}`);
    }
    seen.add(name);
  }
}

/**
 * The values of an ExclusiveStartKey. DynamoDB prefixes most of their
 * problems with "The provided starting key is invalid: ", but not all.
 */
export function checkStartKeyValues(key: Item): void {
  try {
    validateItemAttributes(key);
  } catch (error) {
    if (error instanceof ValidationError && !UNPREFIXED_START_KEY_PROBLEMS.test(error.message)) {
      throw new ValidationError(`The provided starting key is invalid: ${error.message}`);
    }
    throw error;
  }
}

const UNPREFIXED_START_KEY_PROBLEMS = /contains duplicates|number set|numeric value|significant digits|number with magnitude/;

export function checkItemSize(item: Item): void {
  if (itemSizeBytes(item) > MAX_ITEM_BYTES) {
    throw new ValidationError('Item size has exceeded the maximum allowed size');
  }
}

/** Whether a write's response needs the item it replaces (else the write may be blind). */
export function responseNeedsOldItem(request: { ReturnValues?: string; ReturnConsumedCapacity?: ReturnConsumedCapacity }): boolean {
  const capacity = request.ReturnConsumedCapacity;
  return request.ReturnValues === 'ALL_OLD' || capacity === 'TOTAL' || capacity === 'INDEXES';
}

/** PutItem and DeleteItem return at most the old item. */
export function checkReturnValuesAllOld(returnValues: string | undefined): void {
  if (returnValues !== undefined && returnValues !== 'ALL_OLD' && returnValues !== 'NONE') {
    throw new ValidationError('ReturnValues can only be ALL_OLD or NONE');
  }
}

/** The response of PutItem or DeleteItem: the old item when asked for, and the capacity used. */
export function replaceResponse(
  request: { ReturnValues?: string; ReturnConsumedCapacity?: ReturnConsumedCapacity },
  tableName: string,
  outcome: WriteOutcome,
): Record<string, unknown> {
  const response: Record<string, unknown> = {};
  if (request.ReturnValues === 'ALL_OLD' && outcome.old !== undefined) response.Attributes = outcome.old;
  const capacity = consumedCapacity(request.ReturnConsumedCapacity, () => ({ tableName, units: writeUnits(outcome.old, outcome.new) }));
  if (capacity !== undefined) response.ConsumedCapacity = capacity;
  return response;
}

/**
 * Runs a conditional write; on a failed condition, keeps the old item in the
 * error only when the request asked for it (ReturnValuesOnConditionCheckFailure).
 */
export async function withConditionFailure<T>(mode: ReturnValuesOnFailure, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof ConditionalCheckFailedError && mode !== 'ALL_OLD' && error.item !== undefined) {
      throw new ConditionalCheckFailedError(undefined);
    }
    throw error;
  }
}
