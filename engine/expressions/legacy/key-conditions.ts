/**
 * KeyConditions (Query): one or two Conditions, each on a key attribute,
 * turned into the KeyConditionAst that bindKeyCondition matches to the key
 * schema (which then raises "Query condition missed key schema element",
 * "Query key condition not supported" and the schema type mismatch).
 */
import { ValidationError } from '../../errors.js';
import type { KeyConditionAst, KeyConditionTerm } from '../ast.js';
import { KEY_CONDITION_TERMS_MAX } from '../key-condition.js';
import { comparatorOf, validateCondition } from './comparison-operator.js';
import type { ConditionMap } from './wire.js';

export const KEY_CONDITIONS_MESSAGES = {
  count: 'Conditions can be of length 1 or 2 only',
  notIndexable: 'Attempted conditional constraint is not an indexable operation',
} as const;

/**
 * Throws ValidationError with DynamoDB's messages. DynamoDB refuses a
 * non-indexable operator (NE, IN, NULL, ...) only once it has matched the
 * condition to a key; without the schema it is refused here, so a request
 * that is wrong in both ways gets this message rather than the schema one.
 */
export function keyConditionsToKeyCondition(keyConditions: ConditionMap): KeyConditionAst {
  const entries = Object.entries(keyConditions);
  for (const [, condition] of entries) validateCondition(condition.ComparisonOperator, condition.AttributeValueList ?? []);
  if (entries.length < 1 || entries.length > KEY_CONDITION_TERMS_MAX) throw new ValidationError(KEY_CONDITIONS_MESSAGES.count);
  const terms = entries.map(([name, condition]): KeyConditionTerm => {
    const operator = condition.ComparisonOperator;
    // validateCondition guaranteed the number of values each operator takes.
    const [first, second] = condition.AttributeValueList ?? [];
    const comparator = comparatorOf(operator);
    // NE has a comparator (`<>`) but no key range.
    if (comparator !== undefined && comparator !== '<>') return { kind: 'comparison', name, comparator, value: first! };
    if (operator === 'BETWEEN') return { kind: 'between', name, lower: first!, upper: second! };
    if (operator === 'BEGINS_WITH') return { kind: 'begins_with', name, prefix: first! };
    throw new ValidationError(KEY_CONDITIONS_MESSAGES.notIndexable);
  });
  return { kind: 'key-condition', terms };
}
