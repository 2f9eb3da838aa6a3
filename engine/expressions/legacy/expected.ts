/**
 * Expected (PutItem, DeleteItem, UpdateItem): each attribute's condition is
 * either the old Value/Exists form or a ComparisonOperator with its values,
 * joined by ConditionalOperator. Validation order and messages are
 * DynamoDB's (as dynalite records them).
 */
import { validateAttributeValue } from '../../attributes/validate.js';
import { ValidationError } from '../../errors.js';
import type { AttributeValue } from '../../types.js';
import type { ConditionAst } from '../ast.js';
import { checkArgumentCount, checkBetweenOrder, checkSameType, combine, conditionFor, INVALID_PARAMETER } from './comparison-operator.js';
import type { ComparisonOperator, ConditionalOperator, ExpectedAttributeValue, ExpectedMap } from './wire.js';

export const EXPECTED_MESSAGES = {
  valueAndList: (name: string): string => `${INVALID_PARAMETER}Value and AttributeValueList cannot be used together for Attribute: ${name}`,
  existsAndOperator: (name: string): string => `${INVALID_PARAMETER}Exists and ComparisonOperator cannot be used together for Attribute: ${name}`,
  valueOrListRequired: (operator: ComparisonOperator, name: string): string =>
    `${INVALID_PARAMETER}Value or AttributeValueList must be used with ComparisonOperator: ${operator} for Attribute: ${name}`,
  listNeedsOperator: (name: string): string => `${INVALID_PARAMETER}AttributeValueList can only be used with a ComparisonOperator for Attribute: ${name}`,
  /** `exists` is the Exists the client sent: true, or absent (DynamoDB prints "null"). */
  valueRequired: (exists: boolean | undefined, name: string): string =>
    `${INVALID_PARAMETER}Value must be provided when Exists is ${exists === undefined ? 'null' : String(exists)} for Attribute: ${name}`,
  valueWithNotExists: (name: string): string => `${INVALID_PARAMETER}Value cannot be used when Exists is false for Attribute: ${name}`,
} as const;

/**
 * The condition an Expected map stands for; undefined when the map is empty
 * (nothing is expected). Throws ValidationError with DynamoDB's messages.
 */
export function expectedToCondition(expected: ExpectedMap, conditionalOperator?: ConditionalOperator): ConditionAst | undefined {
  return combine(
    Object.entries(expected).map(([name, entry]) => expectedEntry(name, entry)),
    conditionalOperator,
  );
}

function expectedEntry(name: string, entry: ExpectedAttributeValue): ConditionAst {
  const { Value: value, AttributeValueList: list, ComparisonOperator: operator, Exists: exists } = entry;
  if (list !== undefined && value !== undefined) throw new ValidationError(EXPECTED_MESSAGES.valueAndList(name));
  if (operator !== undefined) {
    if (exists !== undefined) throw new ValidationError(EXPECTED_MESSAGES.existsAndOperator(name));
    if (operator !== 'NULL' && operator !== 'NOT_NULL' && list === undefined && value === undefined) {
      throw new ValidationError(EXPECTED_MESSAGES.valueOrListRequired(operator, name));
    }
    // With a ComparisonOperator, a lone Value stands for a one-element list.
    const values: readonly AttributeValue[] = list ?? (value === undefined ? [] : [value]);
    checkArgumentCount(operator, values.length);
    checkSameType(values);
    checkBetweenOrder(operator, values);
    for (const v of values) validateAttributeValue(v);
    return conditionFor(name, operator, values);
  }
  if (list !== undefined) throw new ValidationError(EXPECTED_MESSAGES.listNeedsOperator(name));
  // The Value/Exists form: Exists defaults to true; true needs a Value (compared with EQ),
  // false forbids one (the attribute must be absent).
  if (exists !== false) {
    if (value === undefined) throw new ValidationError(EXPECTED_MESSAGES.valueRequired(exists, name));
    validateAttributeValue(value);
    return conditionFor(name, 'EQ', [value]);
  }
  if (value !== undefined) throw new ValidationError(EXPECTED_MESSAGES.valueWithNotExists(name));
  return conditionFor(name, 'NULL', []);
}
