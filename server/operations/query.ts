/**
 * Query: the items of one partition, optionally narrowed by a sort key
 * condition, in sort key order (or reverse), paged with Limit, the 1 MB page
 * limit and ExclusiveStartKey/LastEvaluatedKey.
 */
import { ValidationError } from '../../engine/errors.js';
import { bindKeyCondition, type KeyConditionTerm } from '../../engine/expressions/index.js';
import { partitionSpan, sortKeySpan, type SortKeyCondition } from '../../engine/keys/item-key.js';
import { hashKeyOf, rangeKeyOf } from '../../engine/catalog/table.js';
import { valuesEqual } from '../../engine/attributes/compare.js';
import type { Key } from '../../engine/types.js';
import type { OperationHandler } from './registry.js';
import type { OperationDeps } from './deps.js';
import { checkParameterMix, parseRequestExpressions, type ExpressionRequest } from './shared/expressions.js';
import type { ReturnConsumedCapacity } from './shared/capacity.js';
import { checkDistinctNames, checkStartKeyValues } from './shared/items.js';
import { legacyFilter, legacyKeyCondition, type LegacyRequest } from './shared/legacy.js';
import { checkKeyPathsScalar } from './shared/update-keys.js';
import { checkSelect, conditionPathHeads, readTarget, readTargetPage, type ReadRequest } from './shared/read-page.js';
import { resumeAfter, startKeyOf } from './shared/start-key.js';

interface QueryRequest extends ExpressionRequest, LegacyRequest, ReadRequest {
  TableName: string;
  IndexName?: string;
  ScanIndexForward?: boolean;
  ExclusiveStartKey?: Key;
}

export function query(deps: OperationDeps): OperationHandler {
  return async (raw) => {
    const request = raw as unknown as QueryRequest;
    const expressions = ['ProjectionExpression', 'FilterExpression', 'KeyConditionExpression'] as const;
    // A Query may use KeyConditions with expressions for the rest, as DynamoDB allows.
    const legacy = ['AttributesToGet', 'QueryFilter', 'ConditionalOperator'];
    if (request.KeyConditionExpression !== undefined) legacy.push('KeyConditions');
    checkParameterMix(request, expressions, legacy);
    checkDistinctNames(request.AttributesToGet);
    if (request.ExclusiveStartKey !== undefined) checkStartKeyValues(request.ExclusiveStartKey);
    if (request.KeyConditionExpression === undefined && request.KeyConditions === undefined) {
      throw new ValidationError('Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.');
    }
    const queryFilter = legacyFilter(request);
    const keyConditions = legacyKeyCondition(request);
    const parsed = parseRequestExpressions(request, expressions);
    const filter = parsed.filter ?? queryFilter;
    const keyCondition = parsed.keyCondition ?? keyConditions!;
    checkSelect('Query', request.Select, request.ProjectionExpression, request.AttributesToGet, request.IndexName);
    const table = deps.engine.catalog.require(request.TableName);
    const target = readTarget(table, request.IndexName, request.Select, request.ConsistentRead);
    checkKeyPathsScalar(table, parsed.projection);
    const partitionKey = hashKeyOf(table, target.index);
    const sortKey = rangeKeyOf(table, target.index);
    const bound = bindKeyCondition(keyCondition, sortKey === undefined ? { partitionKey } : { partitionKey, sortKey });
    if (filter !== undefined) {
      const heads = conditionPathHeads(filter);
      for (const key of target.index?.keySchema ?? table.keySchema) {
        if (heads.has(key.AttributeName)) {
          const parameter = parsed.filter !== undefined ? 'Filter Expression' : 'QueryFilter';
          throw new ValidationError(
            `${parameter} can only contain non-primary key attributes: Primary key attribute: ${key.AttributeName}`,
          );
        }
      }
    }
    let span =
      bound.sort === undefined
        ? partitionSpan(target.keyspaceId, bound.partitionValue)
        : sortKeySpan(target.keyspaceId, bound.partitionValue, sortCondition(bound.sort));
    const reverse = request.ScanIndexForward === false;
    if (request.ExclusiveStartKey !== undefined) {
      span = resumeAfter(startKeyOf(table, target, request.ExclusiveStartKey), span, reverse);
      const startPartition = request.ExclusiveStartKey[partitionKey.name];
      if (startPartition === undefined || !valuesEqual(startPartition, bound.partitionValue)) {
        throw new ValidationError('The provided starting key is outside query boundaries based on provided conditions');
      }
    }
    return readTargetPage(deps, table, target, request, { span, reverse, filter, projection: parsed.projection });
  };
}

function sortCondition(term: KeyConditionTerm): SortKeyCondition {
  switch (term.kind) {
    case 'comparison': {
      const ops = { '=': 'EQ', '<': 'LT', '<=': 'LE', '>': 'GT', '>=': 'GE' } as const;
      return { op: ops[term.comparator], value: term.value };
    }
    case 'between':
      return { op: 'BETWEEN', low: term.lower, high: term.upper };
    case 'begins_with':
      return { op: 'BEGINS_WITH', prefix: term.prefix };
  }
}
