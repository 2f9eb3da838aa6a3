/**
 * KeyConditionExpression: parsed with the condition grammar, then narrowed
 * to what Query can use (one or two AND-ed conditions on distinct top-level
 * attributes: `=`, `<`, `<=`, `>`, `>=`, BETWEEN, begins_with), and finally
 * bound to a key schema. Messages are DynamoDB's.
 */
import { compareValues } from '../attributes/compare.js';
import { typeOf } from '../attributes/datatype.js';
import { ValidationError } from '../errors.js';
import type { AttributeValue, ScalarAttributeType } from '../types.js';
import type { ConditionAst, KeyConditionAst, KeyConditionTerm, Operand, SortKeyComparator } from './ast.js';
import type { ExpressionContext } from './context.js';
import { parseCondition } from './parser.js';

/** A key condition holds one term for the partition key and at most one for the sort key. */
export const KEY_CONDITION_TERMS_MAX = 2;

const INVALID_OPERATOR = 'Invalid operator used in KeyConditionExpression: ';
const INVALID_CONDITION = 'Invalid condition in KeyConditionExpression: ';

/** For a value on the left (`:v < sk`), the comparator that puts the key on the left. */
const MIRRORED: Record<SortKeyComparator, SortKeyComparator> = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

const OPERATOR_NAMES: Record<SortKeyComparator | 'between' | 'begins_with', string> = {
  '=': 'EQ',
  '<': 'LT',
  '<=': 'LE',
  '>': 'GT',
  '>=': 'GE',
  between: 'BETWEEN',
  begins_with: 'BEGINS_WITH',
};

export function parseKeyCondition(expression: string, context: ExpressionContext): KeyConditionAst {
  return keyConditionOf(parseCondition(expression, context, 'KeyConditionExpression'));
}

export function keyConditionOf(condition: ConditionAst): KeyConditionAst {
  const terms: KeyConditionTerm[] = [];
  collect(condition, terms);
  if (terms.length > KEY_CONDITION_TERMS_MAX) throw new ValidationError('Conditions can be of length 1 or 2 only');
  for (const term of terms) checkTermTypes(term);
  return { kind: 'key-condition', terms };
}

function collect(condition: ConditionAst, terms: KeyConditionTerm[]): void {
  switch (condition.kind) {
    case 'and':
      collect(condition.left, terms);
      collect(condition.right, terms);
      return;
    case 'or':
    case 'not':
    case 'in':
      throw new ValidationError(INVALID_OPERATOR + condition.kind.toUpperCase());
    case 'attribute_exists':
    case 'attribute_not_exists':
    case 'attribute_type':
    case 'contains':
      throw new ValidationError(INVALID_OPERATOR + condition.kind);
    case 'comparison': {
      if (condition.comparator === '<>') throw new ValidationError(INVALID_OPERATOR + '<>');
      const { left, right } = condition;
      checkOperands([left, right]);
      const keyOnLeft = left.kind === 'path';
      const name = keyName(keyOnLeft ? left : right);
      const comparator = keyOnLeft ? condition.comparator : MIRRORED[condition.comparator];
      add(terms, { kind: 'comparison', name, comparator, value: valueOf(keyOnLeft ? right : left) });
      return;
    }
    case 'between':
      if (condition.operand.kind !== 'path') {
        throw new ValidationError(`${INVALID_CONDITION}BETWEEN operator must have the key attribute as its first operand`);
      }
      checkOperands([condition.operand, condition.lower, condition.upper]);
      add(terms, { kind: 'between', name: keyName(condition.operand), lower: valueOf(condition.lower), upper: valueOf(condition.upper) });
      return;
    case 'begins_with':
      if (condition.operand.kind !== 'path') {
        throw new ValidationError(`${INVALID_CONDITION}begins_with operator must have the key attribute as its first operand`);
      }
      checkOperands([condition.operand, condition.prefix]);
      add(terms, { kind: 'begins_with', name: keyName(condition.operand), prefix: valueOf(condition.prefix) });
      return;
  }
}

/** Exactly one operand names a (top-level) key attribute; the others are values. */
function checkOperands(operands: readonly Operand[]): void {
  if (operands.some((o) => o.kind === 'size')) throw new ValidationError('KeyConditionExpressions cannot contain nested operations');
  const paths = operands.filter((o) => o.kind === 'path');
  if (paths.length > 1) throw new ValidationError(`${INVALID_CONDITION}Multiple attribute names used in one condition`);
  if (paths.length === 0) throw new ValidationError(`${INVALID_CONDITION}No key attribute specified`);
  if (paths[0]!.elements.length > 1) throw new ValidationError('KeyConditionExpressions cannot have conditions on nested attributes');
}

function keyName(operand: Operand): string {
  const head = operand.kind === 'path' ? operand.elements[0] : undefined;
  return head !== undefined && head.kind === 'key' ? head.name : '';
}

function valueOf(operand: Operand): AttributeValue {
  return operand.kind === 'value' ? operand.value : { NULL: true };
}

function add(terms: KeyConditionTerm[], term: KeyConditionTerm): void {
  if (terms.some((t) => t.name === term.name)) throw new ValidationError('KeyConditionExpressions must only contain one condition per key');
  terms.push(term);
}

function checkTermTypes(term: KeyConditionTerm): void {
  const operator = OPERATOR_NAMES[term.kind === 'comparison' ? term.comparator : term.kind];
  const allowed = term.kind === 'begins_with' ? ['S', 'B'] : ['S', 'N', 'B'];
  const values = term.kind === 'comparison' ? [term.value] : term.kind === 'between' ? [term.lower, term.upper] : [term.prefix];
  for (const value of values) {
    const type = typeOf(value);
    if (!allowed.includes(type)) {
      throw new ValidationError(`One or more parameter values were invalid: ComparisonOperator ${operator} is not valid for ${type} AttributeValue type`);
    }
  }
  if (term.kind === 'between') {
    const order = compareValues(term.lower, term.upper);
    if (order !== undefined && order > 0) {
      throw new ValidationError('The BETWEEN condition was provided a range where the lower bound is greater than the upper bound');
    }
  }
}

export interface KeySchemaNames {
  readonly partitionKey: { readonly name: string; readonly type: ScalarAttributeType };
  readonly sortKey?: { readonly name: string; readonly type: ScalarAttributeType };
}

export interface BoundKeyCondition {
  readonly partitionValue: AttributeValue;
  /** The sort key condition, if any. */
  readonly sort?: KeyConditionTerm;
}

/** Matches the terms to a table's (or index's) key schema, as Query does. */
export function bindKeyCondition(condition: KeyConditionAst, schema: KeySchemaNames): BoundKeyCondition {
  const { terms } = condition;
  const keys = schema.sortKey === undefined ? [schema.partitionKey] : [schema.partitionKey, schema.sortKey];
  if (schema.sortKey === undefined && terms.length > 1) throw new ValidationError('Query key condition not supported');
  for (const key of keys) {
    const term = terms.find((t) => t.name === key.name);
    const isPartition = key === schema.partitionKey;
    if (term === undefined) {
      if (isPartition || terms.length > 1) throw new ValidationError(`Query condition missed key schema element: ${key.name}`);
      continue;
    }
    const values = term.kind === 'comparison' ? [term.value] : term.kind === 'between' ? [term.lower, term.upper] : [term.prefix];
    if (values.some((v) => typeOf(v) !== key.type)) {
      throw new ValidationError('One or more parameter values were invalid: Condition parameter type does not match schema type');
    }
    if (isPartition && !(term.kind === 'comparison' && term.comparator === '=')) throw new ValidationError('Query key condition not supported');
  }
  const partition = terms.find((t) => t.name === schema.partitionKey.name) as KeyConditionTerm & { kind: 'comparison' };
  const sort = schema.sortKey === undefined ? undefined : terms.find((t) => t.name === schema.sortKey!.name);
  return sort === undefined ? { partitionValue: partition.value } : { partitionValue: partition.value, sort };
}
