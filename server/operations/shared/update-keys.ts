/**
 * The checks DynamoDB makes on what an update expression touches: key
 * attributes may not be updated, nor addressed with nested paths.
 */
import { ValidationError } from '../../../engine/errors.js';
import { updateTargets, type UpdateAst } from '../../../engine/expressions/index.js';
import { isKeyAttribute } from '../../../engine/items/item-key.js';
import type { TableDefinition } from '../../../engine/catalog/table.js';

export function checkUpdateSparesKeys(table: TableDefinition, update: UpdateAst): void {
  for (const target of updateTargets(update)) {
    if (!isKeyAttribute(table, target.name)) continue;
    if (target.nested) {
      throw new ValidationError(
        `Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: ${target.name}`,
      );
    }
    throw new ValidationError(
      `One or more parameter values were invalid: Cannot update attribute ${target.name}. This attribute is part of the key`,
    );
  }
}
