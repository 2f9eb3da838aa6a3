/**
 * DeleteTable: removes the table from the catalog at once (its data is purged
 * in the background) and reports it as DELETING, as DynamoDB does.
 */
import { ResourceInUseError } from '../../engine/errors.js';
import { describeTable } from '../../engine/catalog/table.js';
import type { OperationHandler } from './registry.js';
import type { OperationDeps } from './deps.js';

export function deleteTable(deps: OperationDeps): OperationHandler {
  return async (request) => {
    const name = request.TableName as string;
    const existing = deps.engine.catalog.require(name, `Requested resource not found: Table: ${name} not found`);
    if (existing.deletionProtection) {
      throw new ResourceInUseError(`Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.`);
    }
    const table = await deps.engine.deleteTable(name);
    return {
      TableDescription: describeTable(table, {
        status: 'DELETING',
        region: deps.region,
        accountId: deps.accountId,
        itemCount: 0,
        sizeBytes: 0,
      }),
    };
  };
}
