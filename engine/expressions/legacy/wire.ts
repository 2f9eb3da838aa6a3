/**
 * The wire shapes of DynamoDB's legacy (pre-expression) parameters, as the
 * request schemas (schemas/shared/expected.json, conditions.json,
 * UpdateItem.json) let them through: structure is checked there, meaning here.
 */
import type { AttributeValue } from '../../types.js';

export type ComparisonOperator =
  | 'EQ'
  | 'NE'
  | 'LE'
  | 'LT'
  | 'GE'
  | 'GT'
  | 'NOT_NULL'
  | 'NULL'
  | 'CONTAINS'
  | 'NOT_CONTAINS'
  | 'BEGINS_WITH'
  | 'IN'
  | 'BETWEEN';

/** How the conditions of one Expected / QueryFilter / ScanFilter map combine; AND when absent. */
export type ConditionalOperator = 'AND' | 'OR';

/** One entry of KeyConditions, QueryFilter or ScanFilter. */
export interface LegacyCondition {
  readonly ComparisonOperator: ComparisonOperator;
  readonly AttributeValueList?: readonly AttributeValue[];
}

/** One entry of Expected: either the Value/Exists form or the ComparisonOperator form. */
export interface ExpectedAttributeValue {
  readonly Value?: AttributeValue;
  readonly Exists?: boolean;
  readonly ComparisonOperator?: ComparisonOperator;
  readonly AttributeValueList?: readonly AttributeValue[];
}

export type AttributeAction = 'PUT' | 'ADD' | 'DELETE';

/** One entry of AttributeUpdates; Action defaults to PUT. */
export interface AttributeValueUpdate {
  readonly Action?: AttributeAction;
  readonly Value?: AttributeValue;
}

export type ExpectedMap = Readonly<Record<string, ExpectedAttributeValue>>;
export type ConditionMap = Readonly<Record<string, LegacyCondition>>;
export type AttributeUpdatesMap = Readonly<Record<string, AttributeValueUpdate>>;
