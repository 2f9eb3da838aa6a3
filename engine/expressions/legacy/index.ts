/**
 * DynamoDB's legacy (pre-expression) parameters, mapped onto the expression
 * trees so the expression evaluator and update applier run them: Expected,
 * AttributeUpdates, KeyConditions, QueryFilter and ScanFilter. Each function
 * validates its parameter with DynamoDB's messages. Call them in DynamoDB's
 * order: UpdateItem checks AttributeUpdates before Expected; Query checks
 * QueryFilter before KeyConditions.
 */
export type {
  AttributeAction,
  AttributeUpdatesMap,
  AttributeValueUpdate,
  ComparisonOperator,
  ConditionalOperator,
  ConditionMap,
  ExpectedAttributeValue,
  ExpectedMap,
  LegacyCondition,
} from './wire.js';
export { expectedToCondition, EXPECTED_MESSAGES } from './expected.js';
export { filterToCondition } from './filter.js';
export { keyConditionsToKeyCondition, KEY_CONDITIONS_MESSAGES } from './key-conditions.js';
export { attributeUpdatesToUpdate, ATTRIBUTE_UPDATES_MESSAGES } from './attribute-updates.js';
export { LEGACY_CONDITION_MESSAGES } from './comparison-operator.js';
