/**
 * The legacy (pre-expression) parameters of a request, converted to the same
 * trees the expressions produce (engine/expressions/legacy), so that both
 * forms run through one evaluator.
 */
import {
  attributeUpdatesToUpdate,
  expectedToCondition,
  filterToCondition,
  keyConditionsToKeyCondition,
  type AttributeUpdatesMap,
  type ConditionalOperator,
  type ConditionMap,
  type ExpectedMap,
} from '../../../engine/expressions/legacy/index.js';
import type { ConditionAst, KeyConditionAst, UpdateAst } from '../../../engine/expressions/index.js';

export interface LegacyRequest {
  Expected?: ExpectedMap;
  AttributeUpdates?: AttributeUpdatesMap;
  KeyConditions?: ConditionMap;
  QueryFilter?: ConditionMap;
  ScanFilter?: ConditionMap;
  ConditionalOperator?: ConditionalOperator;
}

export function legacyCondition(request: LegacyRequest): ConditionAst | undefined {
  return request.Expected === undefined ? undefined : expectedToCondition(request.Expected, request.ConditionalOperator);
}

export function legacyUpdate(request: LegacyRequest): UpdateAst | undefined {
  return request.AttributeUpdates === undefined ? undefined : attributeUpdatesToUpdate(request.AttributeUpdates);
}

export function legacyFilter(request: LegacyRequest): ConditionAst | undefined {
  const filter = request.QueryFilter ?? request.ScanFilter;
  return filter === undefined ? undefined : filterToCondition(filter, request.ConditionalOperator);
}

export function legacyKeyCondition(request: LegacyRequest): KeyConditionAst | undefined {
  return request.KeyConditions === undefined ? undefined : keyConditionsToKeyCondition(request.KeyConditions);
}
