/**
 * The expression parameters of a request, validated and parsed the way
 * DynamoDB does it, in DynamoDB's order: the legacy/expression mix first, then
 * the attribute names and values maps, then each expression, then unused
 * names and values.
 */
import { ValidationError } from '../../../engine/errors.js';
import {
  ExpressionContext,
  parseCondition,
  parseKeyCondition,
  parseProjection,
  parseUpdate,
  type ConditionAst,
  type KeyConditionAst,
  type ProjectionAst,
  type UpdateAst,
} from '../../../engine/expressions/index.js';
import type { AttributeValue } from '../../../engine/types.js';

type ExpressionParameter =
  | 'ConditionExpression'
  | 'UpdateExpression'
  | 'ProjectionExpression'
  | 'KeyConditionExpression'
  | 'FilterExpression';

export interface ParsedExpressions {
  condition?: ConditionAst;
  update?: UpdateAst;
  projection?: ProjectionAst;
  keyCondition?: KeyConditionAst;
  filter?: ConditionAst;
}

export interface ExpressionRequest {
  ConditionExpression?: string;
  UpdateExpression?: string;
  ProjectionExpression?: string;
  KeyConditionExpression?: string;
  FilterExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
  [legacy: string]: unknown;
}

/**
 * Parses the expressions `accepted` by an operation, with one context for the
 * names and values maps, and checks that every name and value was used. Call
 * `checkParameterMix` first: DynamoDB checks the mix before anything else.
 */
export function parseRequestExpressions(request: ExpressionRequest, accepted: readonly ExpressionParameter[]): ParsedExpressions {
  const context = new ExpressionContext(request.ExpressionAttributeNames, request.ExpressionAttributeValues);
  const parsed: ParsedExpressions = {};
  // DynamoDB parses in this order: update, condition, key condition, filter, projection.
  if (accepted.includes('UpdateExpression') && request.UpdateExpression !== undefined) {
    parsed.update = parseUpdate(request.UpdateExpression, context);
  }
  if (accepted.includes('ConditionExpression') && request.ConditionExpression !== undefined) {
    parsed.condition = parseCondition(request.ConditionExpression, context, 'ConditionExpression');
  }
  if (accepted.includes('KeyConditionExpression') && request.KeyConditionExpression !== undefined) {
    parsed.keyCondition = parseKeyCondition(request.KeyConditionExpression, context);
  }
  if (accepted.includes('FilterExpression') && request.FilterExpression !== undefined) {
    parsed.filter = parseCondition(request.FilterExpression, context, 'FilterExpression');
  }
  if (accepted.includes('ProjectionExpression') && request.ProjectionExpression !== undefined) {
    parsed.projection = parseProjection(request.ProjectionExpression, context);
  }
  context.assertAllUsed();
  return parsed;
}

/**
 * DynamoDB's first check: `legacy` names the pre-expression parameters of an
 * operation (Expected, AttributesToGet, ...), which may not be mixed with its
 * expressions, and the names and values maps need an expression to serve.
 */
export function checkParameterMix(
  request: ExpressionRequest,
  accepted: readonly ExpressionParameter[],
  legacy: readonly string[],
): void {
  const expressions = accepted.filter((name) => request[name] !== undefined && request[name] !== null);
  if (expressions.length > 0) {
    const legacyUsed = legacy.filter((name) => request[name] !== undefined && request[name] !== null);
    if (legacyUsed.length > 0) {
      throw new ValidationError(
        `Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {${legacyUsed.join(', ')}} Expression parameters: {${expressions.join(', ')}}`,
      );
    }
  }
  if (request.ExpressionAttributeNames !== undefined && expressions.length === 0) {
    throw new ValidationError('ExpressionAttributeNames can only be specified when using expressions');
  }
  const valueExpressions = accepted.filter((name) => name !== 'ProjectionExpression');
  if (
    valueExpressions.length > 0 &&
    request.ExpressionAttributeValues !== undefined &&
    valueExpressions.every((name) => request[name] === undefined)
  ) {
    throw new ValidationError(
      `ExpressionAttributeValues can only be specified when using expressions: ${valueExpressions.join(' and ')} ${
        valueExpressions.length > 1 ? 'are' : 'is'
      } null`,
    );
  }
}
