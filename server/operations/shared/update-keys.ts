/**
 * The checks DynamoDB makes on what an update expression touches: key
 * attributes may not be updated, nor addressed with nested paths.
 */
import { ValidationError } from '../../../engine/errors.js';
import { updateTargets, type DocumentPath, type UpdateAst } from '../../../engine/expressions/index.js';
import { isKeyAttribute } from '../../../engine/items/item-key.js';
import type { TableDefinition } from '../../../engine/catalog/table.js';

/** Projections and filters may name key attributes, but only as scalars. */
export function checkKeyPathsScalar(table: TableDefinition, paths: readonly DocumentPath[] | undefined): void {
  for (const path of paths ?? []) {
    const head = path.elements[0];
    if (path.elements.length > 1 && head?.kind === 'key' && isKeyAttribute(table, head.name)) {
      throw new ValidationError(
        `Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: ${head.name}`,
      );
    }
  }
}

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
