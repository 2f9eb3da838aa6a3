/**
 * Scan: every item of a table (or of one segment of a parallel scan), in key
 * order, paged like Query.
 */
import { ValidationError } from '../../engine/errors.js';
import { tableSegmentSpan, tableSpan } from '../../engine/keys/item-key.js';
import type { Key } from '../../engine/types.js';
import type { OperationHandler } from './registry.js';
import type { OperationDeps } from './deps.js';
import { checkParameterMix, parseRequestExpressions, type ExpressionRequest } from './shared/expressions.js';
import type { ReturnConsumedCapacity } from './shared/capacity.js';
import { checkDistinctNames, checkStartKeyValues } from './shared/items.js';
import { legacyFilter, type LegacyRequest } from './shared/legacy.js';
import { checkKeyPathsScalar } from './shared/update-keys.js';
import { checkSelect, readTarget, readTargetPage, type ReadRequest } from './shared/read-page.js';
import { resumeAfter, startKeyOf } from './shared/start-key.js';

interface ScanRequest extends ExpressionRequest, LegacyRequest, ReadRequest {
  TableName: string;
  IndexName?: string;
  ExclusiveStartKey?: Key;
  Segment?: number;
  TotalSegments?: number;
}

export function scan(deps: OperationDeps): OperationHandler {
  return async (raw) => {
    const request = raw as unknown as ScanRequest;
    checkParameterMix(request, ['ProjectionExpression', 'FilterExpression'], ['AttributesToGet', 'ScanFilter', 'ConditionalOperator']);
    checkDistinctNames(request.AttributesToGet);
    if (request.ExclusiveStartKey !== undefined) checkStartKeyValues(request.ExclusiveStartKey);
    checkSegments(request);
    const scanFilter = legacyFilter(request);
    const parsed = parseRequestExpressions(request, ['ProjectionExpression', 'FilterExpression']);
    checkSelect('Scan', request.Select, request.ProjectionExpression, request.AttributesToGet, request.IndexName);
    const table = deps.engine.catalog.require(request.TableName);
    const target = readTarget(table, request.IndexName, request.Select, request.ConsistentRead);
    checkKeyPathsScalar(table, parsed.projection);
    let span =
      request.TotalSegments === undefined
        ? tableSpan(target.keyspaceId)
        : tableSegmentSpan(target.keyspaceId, request.Segment!, request.TotalSegments);
    if (request.ExclusiveStartKey !== undefined) {
      const itemKey = startKeyOf(table, target, request.ExclusiveStartKey);
      if (Buffer.compare(itemKey, span.start) < 0 || Buffer.compare(itemKey, span.end) >= 0) {
        throw new ValidationError(
          'The provided Exclusive start key does not map to the provided Segment and TotalSegments values.',
        );
      }
      span = resumeAfter(itemKey, span, false);
    }
    return readTargetPage(deps, table, target, request, {
      span,
      reverse: false,
      filter: parsed.filter ?? scanFilter,
      projection: parsed.projection,
    });
  };
}

function checkSegments(request: ScanRequest): void {
  if (request.Segment !== undefined && request.TotalSegments === undefined) {
    throw new ValidationError(
      'The TotalSegments parameter is required but was not present in the request when Segment parameter is present',
    );
  }
  if (request.TotalSegments !== undefined) {
    if (request.Segment === undefined) {
      throw new ValidationError(
        'The Segment parameter is required but was not present in the request when parameter TotalSegments is present',
      );
    }
    if (request.Segment >= request.TotalSegments) {
      throw new ValidationError(
        `The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: ${request.Segment} is not less than TotalSegments: ${request.TotalSegments}`,
      );
    }
  }
}
