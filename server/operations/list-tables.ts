/**
 * ListTables: names in ascending order, paged by ExclusiveStartTableName and Limit.
 */
import type { OperationHandler } from './registry.js';
import type { OperationDeps } from './deps.js';

/** DynamoDB's default and maximum page size for ListTables. */
export const LIST_TABLES_MAX_LIMIT = 100;

export function listTables(deps: OperationDeps): OperationHandler {
  return async (request) => {
    const limit = (request.Limit as number | undefined) ?? LIST_TABLES_MAX_LIMIT;
    const after = request.ExclusiveStartTableName as string | undefined;
    let names = deps.engine.catalog.names();
    if (after !== undefined) names = names.filter((name) => name > after);
    const response: Record<string, unknown> = {};
    if (names.length > limit) {
      names = names.slice(0, limit);
      response.LastEvaluatedTableName = names[names.length - 1];
    }
    response.TableNames = names;
    return response;
  };
}
