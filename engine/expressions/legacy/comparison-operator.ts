/**
 * The legacy ComparisonOperators: how many values each takes, which value
 * types a Condition (KeyConditions, QueryFilter, ScanFilter) may give it, and
 * the expression tree each one means. Every operator has an exact expression
 * counterpart (NOT_NULL is attribute_exists, NULL attribute_not_exists,
 * NOT_CONTAINS is NOT contains, NE on a missing attribute is true, as `<>` is),
 * so evaluation is the expression evaluator's.
 */
import { compareValues } from '../../attributes/compare.js';
import { typeOf } from '../../attributes/datatype.js';
import { validateAttributeValue } from '../../attributes/validate.js';
import { ValidationError } from '../../errors.js';
import type { AttributeType, AttributeValue } from '../../types.js';
import { path, type Comparator, type ConditionAst, type DocumentPath } from '../ast.js';
import type { ComparisonOperator, ConditionalOperator } from './wire.js';

/** DynamoDB's prefix of parameter-value problems. */
export const INVALID_PARAMETER = 'One or more parameter values were invalid: ';

export const LEGACY_CONDITION_MESSAGES = {
  sameType: `${INVALID_PARAMETER}AttributeValues inside AttributeValueList must be of same type`,
  betweenOrder: 'The BETWEEN condition was provided a range where the lower bound is greater than the upper bound',
  argumentCount: (operator: string): string => `${INVALID_PARAMETER}Invalid number of argument(s) for the ${operator} ComparisonOperator`,
  valueType: (operator: string, type: AttributeType): string =>
    `${INVALID_PARAMETER}ComparisonOperator ${operator} is not valid for ${type} AttributeValue type`,
} as const;

interface OperatorRule {
  readonly minValues: number;
  /** Infinity for IN, whose list is bounded only by the request size. */
  readonly maxValues: number;
  /** Value types a Condition may give; undefined when any type is allowed. */
  readonly valueTypes?: readonly AttributeType[];
}

const SCALARS: readonly AttributeType[] = ['S', 'N', 'B'];
const ONE = { minValues: 1, maxValues: 1 };

/**
 * AWS documents EQ and NE as "supported for all data types, including lists
 * and maps" (dynalite narrows them to scalars and sets, untested), and every
 * other value-taking operator as scalars only (BEGINS_WITH: S and B).
 */
const RULES: Record<ComparisonOperator, OperatorRule> = {
  EQ: ONE,
  NE: ONE,
  LE: { ...ONE, valueTypes: SCALARS },
  LT: { ...ONE, valueTypes: SCALARS },
  GE: { ...ONE, valueTypes: SCALARS },
  GT: { ...ONE, valueTypes: SCALARS },
  CONTAINS: { ...ONE, valueTypes: SCALARS },
  NOT_CONTAINS: { ...ONE, valueTypes: SCALARS },
  BEGINS_WITH: { ...ONE, valueTypes: ['S', 'B'] },
  IN: { minValues: 1, maxValues: Infinity, valueTypes: SCALARS },
  BETWEEN: { minValues: 2, maxValues: 2, valueTypes: SCALARS },
  NOT_NULL: { minValues: 0, maxValues: 0 },
  NULL: { minValues: 0, maxValues: 0 },
};

type ComparingOperator = 'EQ' | 'NE' | 'LE' | 'LT' | 'GE' | 'GT';
const COMPARATORS: Record<ComparingOperator, Comparator> = { EQ: '=', NE: '<>', LE: '<=', LT: '<', GE: '>=', GT: '>' };

/** The expression comparator of EQ, NE, LE, LT, GE and GT; undefined for the other operators. */
export function comparatorOf(operator: ComparisonOperator): Comparator | undefined {
  return operator in COMPARATORS ? COMPARATORS[operator as ComparingOperator] : undefined;
}

/** Throws unless `operator` takes this many values. */
export function checkArgumentCount(operator: ComparisonOperator, count: number): void {
  const rule = RULES[operator];
  if (count < rule.minValues || count > rule.maxValues) throw new ValidationError(LEGACY_CONDITION_MESSAGES.argumentCount(operator));
}

/** Every value of one AttributeValueList has the first one's type. */
export function checkSameType(values: readonly AttributeValue[]): void {
  const first = values[0];
  if (first !== undefined && values.some((v) => typeOf(v) !== typeOf(first))) throw new ValidationError(LEGACY_CONDITION_MESSAGES.sameType);
}

/** BETWEEN's bounds are in order (bounds of different types are refused earlier, or never match). */
export function checkBetweenOrder(operator: ComparisonOperator, values: readonly AttributeValue[]): void {
  const [lower, upper] = values;
  if (operator !== 'BETWEEN' || lower === undefined || upper === undefined) return;
  const order = compareValues(lower, upper);
  if (order !== undefined && order > 0) throw new ValidationError(LEGACY_CONDITION_MESSAGES.betweenOrder);
}

/**
 * The whole validation of one Condition (KeyConditions, QueryFilter,
 * ScanFilter), in DynamoDB's order: values, count, same type, operator's
 * types, BETWEEN order.
 */
export function validateCondition(operator: ComparisonOperator, values: readonly AttributeValue[]): void {
  for (const value of values) validateAttributeValue(value);
  checkArgumentCount(operator, values.length);
  checkSameType(values);
  const allowed = RULES[operator].valueTypes;
  for (const value of values) {
    const type = typeOf(value);
    if (allowed !== undefined && !allowed.includes(type)) throw new ValidationError(LEGACY_CONDITION_MESSAGES.valueType(operator, type));
  }
  checkBetweenOrder(operator, values);
}

/** The expression meaning `attribute <operator> values` (values already validated). */
export function conditionFor(attribute: string, operator: ComparisonOperator, values: readonly AttributeValue[]): ConditionAst {
  const target: DocumentPath = path(attribute);
  const value = (i: number) => ({ kind: 'value' as const, value: values[i]! });
  switch (operator) {
    case 'EQ':
    case 'NE':
    case 'LE':
    case 'LT':
    case 'GE':
    case 'GT':
      return { kind: 'comparison', comparator: COMPARATORS[operator], left: target, right: value(0) };
    case 'NOT_NULL':
      return { kind: 'attribute_exists', path: target };
    case 'NULL':
      return { kind: 'attribute_not_exists', path: target };
    case 'CONTAINS':
      return { kind: 'contains', operand: target, member: value(0) };
    case 'NOT_CONTAINS':
      return { kind: 'not', condition: { kind: 'contains', operand: target, member: value(0) } };
    case 'BEGINS_WITH':
      return { kind: 'begins_with', operand: target, prefix: value(0) };
    case 'IN':
      return { kind: 'in', operand: target, candidates: values.map((_, i) => value(i)) };
    case 'BETWEEN':
      return { kind: 'between', operand: target, lower: value(0), upper: value(1) };
  }
}

/**
 * Joins the conditions of one map with ConditionalOperator (AND by default);
 * undefined for an empty map, which constrains nothing.
 */
export function combine(conditions: readonly ConditionAst[], operator: ConditionalOperator = 'AND'): ConditionAst | undefined {
  const kind = operator === 'OR' ? 'or' : 'and';
  return conditions.reduce<ConditionAst | undefined>((left, right) => (left === undefined ? right : { kind, left, right }), undefined);
}
