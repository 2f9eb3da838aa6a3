/**
 * DescribeTable.
 */
import { describeTable as describe } from '../../engine/catalog/table.js';
import type { OperationHandler } from './registry.js';
import type { OperationDeps } from './deps.js';

export function describeTable(deps: OperationDeps): OperationHandler {
  return async (request) => {
    const name = request.TableName as string;
    const table = deps.engine.catalog.require(name, `Requested resource not found: Table: ${name} not found`);
    return {
      Table: describe(table, { status: 'ACTIVE', region: deps.region, accountId: deps.accountId, itemCount: 0, sizeBytes: 0 }),
    };
  };
}
