/**
 * Evaluates a condition against an item (undefined when there is none), with
 * DynamoDB's semantics: a missing attribute or a comparison between
 * different types is simply false (so `<>` is true), ordering exists only for
 * N, S and B, and functions apply to the types the documentation lists.
 */
import { decodeBinary } from '../attributes/binary.js';
import { compareValues, valuesEqual } from '../attributes/compare.js';
import { typeOf } from '../attributes/datatype.js';
import type { AttributeValue, Item } from '../types.js';
import type { Comparator, ConditionAst, Operand } from './ast.js';
import { resolvePath } from './paths.js';

export function evaluateCondition(condition: ConditionAst, item: Item | undefined): boolean {
  switch (condition.kind) {
    case 'and':
      return evaluateCondition(condition.left, item) && evaluateCondition(condition.right, item);
    case 'or':
      return evaluateCondition(condition.left, item) || evaluateCondition(condition.right, item);
    case 'not':
      return !evaluateCondition(condition.condition, item);
    case 'comparison':
      return compare(condition.comparator, operandValue(condition.left, item), operandValue(condition.right, item));
    case 'between': {
      const value = operandValue(condition.operand, item);
      return compare('>=', value, operandValue(condition.lower, item)) && compare('<=', value, operandValue(condition.upper, item));
    }
    case 'in': {
      const value = operandValue(condition.operand, item);
      return value !== undefined && condition.candidates.some((c) => compare('=', value, operandValue(c, item)));
    }
    case 'attribute_exists':
      return resolvePath(item, condition.path) !== undefined;
    case 'attribute_not_exists':
      return resolvePath(item, condition.path) === undefined;
    case 'attribute_type': {
      const value = operandValue(condition.operand, item);
      const type = operandValue(condition.type, item);
      return value !== undefined && type !== undefined && 'S' in type && typeOf(value) === type.S;
    }
    case 'begins_with':
      return beginsWith(operandValue(condition.operand, item), operandValue(condition.prefix, item));
    case 'contains':
      return contains(operandValue(condition.operand, item), operandValue(condition.member, item));
  }
}

/** The value an operand stands for in `item`, or undefined when there is none. */
export function operandValue(operand: Operand, item: Item | undefined): AttributeValue | undefined {
  switch (operand.kind) {
    case 'value':
      return operand.value;
    case 'path':
      return resolvePath(item, operand);
    case 'size': {
      const value = operandValue(operand.operand, item);
      const size = value === undefined ? undefined : sizeOf(value);
      return size === undefined ? undefined : { N: String(size) };
    }
  }
}

/** size(): characters of a string, bytes of a binary, elements of a set, list or map. */
export function sizeOf(value: AttributeValue): number | undefined {
  if ('S' in value) return [...value.S].length;
  if ('B' in value) return decodeBinary(value.B).length;
  if ('SS' in value) return value.SS.length;
  if ('NS' in value) return value.NS.length;
  if ('BS' in value) return value.BS.length;
  if ('L' in value) return value.L.length;
  if ('M' in value) return Object.keys(value.M).length;
  return undefined;
}

function compare(comparator: Comparator, left: AttributeValue | undefined, right: AttributeValue | undefined): boolean {
  if (comparator === '<>') return left === undefined || right === undefined || !valuesEqual(left, right);
  if (left === undefined || right === undefined) return false;
  if (comparator === '=') return valuesEqual(left, right);
  const order = compareValues(left, right);
  if (order === undefined) return false;
  switch (comparator) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
  }
}

function beginsWith(value: AttributeValue | undefined, prefix: AttributeValue | undefined): boolean {
  if (value === undefined || prefix === undefined) return false;
  if ('S' in value && 'S' in prefix) return value.S.startsWith(prefix.S);
  if ('B' in value && 'B' in prefix) {
    const bytes = decodeBinary(value.B);
    const start = decodeBinary(prefix.B);
    return bytes.subarray(0, start.length).equals(start);
  }
  return false;
}

function contains(value: AttributeValue | undefined, member: AttributeValue | undefined): boolean {
  if (value === undefined || member === undefined) return false;
  if ('S' in value) return 'S' in member && value.S.includes(member.S);
  if ('B' in value) return 'B' in member && decodeBinary(value.B).includes(decodeBinary(member.B));
  if ('SS' in value) return 'S' in member && value.SS.includes(member.S);
  if ('NS' in value) return 'N' in member && value.NS.some((n) => valuesEqual({ N: n }, member));
  if ('BS' in value) return 'B' in member && value.BS.some((b) => valuesEqual({ B: b }, member));
  if ('L' in value) return value.L.some((element) => valuesEqual(element, member));
  return false;
}
