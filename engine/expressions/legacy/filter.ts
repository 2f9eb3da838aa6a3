/**
 * QueryFilter and ScanFilter: a map of attribute -> Condition joined by
 * ConditionalOperator, checked as DynamoDB checks Conditions (value types
 * per operator). Whether a QueryFilter names a key attribute needs the key
 * schema, so the Query operation checks that.
 */
import type { ConditionAst } from '../ast.js';
import { combine, conditionFor, validateCondition } from './comparison-operator.js';
import type { ConditionalOperator, ConditionMap } from './wire.js';

/** The filter's condition; undefined when the map is empty (every item passes). */
export function filterToCondition(filter: ConditionMap, conditionalOperator?: ConditionalOperator): ConditionAst | undefined {
  return combine(
    Object.entries(filter).map(([name, condition]) => {
      const values = condition.AttributeValueList ?? [];
      validateCondition(condition.ComparisonOperator, values);
      return conditionFor(name, condition.ComparisonOperator, values);
    }),
    conditionalOperator,
  );
}
