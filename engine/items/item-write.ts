/**
 * One write to one item, as a serializable description, and its evaluation
 * against the item's current version. The same evaluation serves PutItem,
 * DeleteItem, UpdateItem and every action of TransactWriteItems; in a cluster
 * it runs on the range leader, under the item's latch.
 */
import { ConditionalCheckFailedError, ValidationError } from '../errors.js';
import { applyUpdate, evaluateCondition, type ConditionAst, type UpdateAst } from '../expressions/index.js';
import { itemSizeBytes } from '../attributes/size.js';
import { canonicalizeItem } from '../attributes/compare.js';
import type { Item, Key } from '../types.js';

/** DynamoDB's maximum item size. */
export const MAX_ITEM_BYTES = 400 * 1024;

export type ItemWrite =
  | { kind: 'put'; item: Item; condition?: ConditionAst }
  | { kind: 'delete'; condition?: ConditionAst }
  | { kind: 'update'; key: Key; update?: UpdateAst; condition?: ConditionAst }
  | { kind: 'check'; condition: ConditionAst };

export interface WriteOutcome {
  /** The item before the write (undefined if it did not exist). */
  old: Item | undefined;
  /** The item after the write (undefined if deleted or absent). */
  new: Item | undefined;
  /** Whether a new version must be written (false for ConditionCheck). */
  writes: boolean;
}

/**
 * Evaluates `write` against `current`. Throws ConditionalCheckFailedError (with
 * the current item, for ReturnValuesOnConditionCheckFailure) when the
 * condition does not hold, and ValidationError when the update cannot apply.
 */
export function evaluateItemWrite(write: ItemWrite, current: Item | undefined): WriteOutcome {
  if (write.condition !== undefined && !evaluateCondition(write.condition, current)) {
    throw new ConditionalCheckFailedError(current);
  }
  switch (write.kind) {
    case 'put':
      // Stored numbers are canonical ("1.50" is stored and returned as "1.5"), as in DynamoDB.
      return { old: current, new: canonicalizeItem(write.item), writes: true };
    case 'delete':
      return { old: current, new: undefined, writes: true };
    case 'check':
      return { old: current, new: current, writes: false };
    case 'update': {
      const base: Item = current ?? { ...write.key };
      const updated = write.update === undefined ? base : applyUpdate(write.update, base);
      if (itemSizeBytes(updated) > MAX_ITEM_BYTES) {
        throw new ValidationError('Item size to update has exceeded the maximum allowed size');
      }
      return { old: current, new: canonicalizeItem(updated), writes: true };
    }
    default: {
      const unknown: never = write;
      throw new ValidationError(`unknown write ${JSON.stringify(unknown)}`);
    }
  }
}
