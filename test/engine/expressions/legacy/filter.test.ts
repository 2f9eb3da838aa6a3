import t from 'tap';
import { attributeValueProblem } from '../../../../engine/attributes/validate.js';
import { filterToCondition, type ComparisonOperator, type ConditionMap } from '../../../../engine/expressions/legacy/index.js';
import type { AttributeValue } from '../../../../engine/types.js';
import { throwsValidation } from '../helpers.js';
import { B, N, S } from './fixtures.js';

const P = 'One or more parameter values were invalid: ';
const count = (operator: ComparisonOperator) => `${P}Invalid number of argument(s) for the ${operator} ComparisonOperator`;
const typeMessage = (operator: ComparisonOperator, type: string) => `${P}ComparisonOperator ${operator} is not valid for ${type} AttributeValue type`;
const one = (operator: ComparisonOperator, values?: AttributeValue[]): ConditionMap => ({
  a: values === undefined ? { ComparisonOperator: operator } : { ComparisonOperator: operator, AttributeValueList: values },
});

const NON_SCALARS: readonly AttributeValue[] = [{ BOOL: true }, { NULL: true }, { SS: ['a'] }, { NS: ['1'] }, { BS: ['YQ=='] }, { M: {} }, { L: [] }];

t.test('argument counts', async (t) => {
  for (const operator of ['EQ', 'NE', 'LE', 'LT', 'GE', 'GT', 'CONTAINS', 'NOT_CONTAINS', 'BEGINS_WITH', 'IN', 'BETWEEN'] as const) {
    throwsValidation(t, () => filterToCondition(one(operator)), count(operator), `${operator} without values`);
    throwsValidation(t, () => filterToCondition(one(operator, [])), count(operator), `${operator} with an empty list`);
  }
  for (const operator of ['EQ', 'NE', 'LE', 'LT', 'GE', 'GT', 'CONTAINS', 'NOT_CONTAINS', 'BEGINS_WITH'] as const) {
    throwsValidation(t, () => filterToCondition(one(operator, [S('a'), S('a')])), count(operator), `${operator} with two values`);
  }
  for (const operator of ['NULL', 'NOT_NULL'] as const) {
    throwsValidation(t, () => filterToCondition(one(operator, [S('a')])), count(operator), `${operator} with a value`);
  }
  throwsValidation(t, () => filterToCondition(one('BETWEEN', [S('a'), S('a'), S('a')])), count('BETWEEN'));
  throwsValidation(t, () => filterToCondition(one('BETWEEN', [S('a')])), count('BETWEEN'));
  t.ok(filterToCondition(one('IN', [S('a'), S('b'), S('c')])), 'IN takes any number of values');
  t.ok(filterToCondition(one('NULL', [])), 'NULL with an empty list');
});

t.test('value types per operator', async (t) => {
  for (const operator of ['LE', 'LT', 'GE', 'GT', 'IN'] as const) {
    for (const value of NON_SCALARS) {
      const type = Object.keys(value)[0]!;
      throwsValidation(t, () => filterToCondition(one(operator, [value])), typeMessage(operator, type), `${operator} ${type}`);
    }
    for (const value of [S('a'), N('1'), B('a')]) t.ok(filterToCondition(one(operator, [value])), `${operator} accepts ${Object.keys(value)[0]}`);
  }
  for (const operator of ['CONTAINS', 'NOT_CONTAINS'] as const) {
    for (const value of [{ SS: ['a'] }, { NS: ['1'] }, { M: {} }, { L: [] }]) {
      throwsValidation(t, () => filterToCondition(one(operator, [value])), typeMessage(operator, Object.keys(value)[0]!));
    }
  }
  for (const value of [N('1'), { SS: ['a'] }, { L: [] }]) {
    throwsValidation(t, () => filterToCondition(one('BEGINS_WITH', [value])), typeMessage('BEGINS_WITH', Object.keys(value)[0]!));
  }
  for (const value of NON_SCALARS) {
    throwsValidation(t, () => filterToCondition(one('BETWEEN', [value, value])), typeMessage('BETWEEN', Object.keys(value)[0]!));
  }
  for (const value of [...NON_SCALARS, S('a')]) {
    t.ok(filterToCondition(one('EQ', [value])), `EQ accepts ${Object.keys(value)[0]} (all types, as AWS documents)`);
    t.ok(filterToCondition(one('NE', [value])), `NE accepts ${Object.keys(value)[0]}`);
  }
});

t.test('same type, BETWEEN order, value validity, and the order of the checks', async (t) => {
  throwsValidation(t, () => filterToCondition(one('IN', [S('a'), N('1')])), `${P}AttributeValues inside AttributeValueList must be of same type`);
  throwsValidation(t, () => filterToCondition(one('BETWEEN', [S('a'), N('1')])), `${P}AttributeValues inside AttributeValueList must be of same type`);
  const between = 'The BETWEEN condition was provided a range where the lower bound is greater than the upper bound';
  throwsValidation(t, () => filterToCondition(one('BETWEEN', [N('10'), N('9')])), between);
  throwsValidation(t, () => filterToCondition(one('BETWEEN', [S('b'), S('a')])), between);
  t.ok(filterToCondition(one('BETWEEN', [N('9'), N('9')])), 'equal bounds are fine');
  const bad = { N: '1e500' };
  throwsValidation(t, () => filterToCondition(one('EQ', [bad])), attributeValueProblem(bad) ?? 'test setup: value must be invalid', 'value validated first');
  throwsValidation(t, () => filterToCondition(one('EQ', [bad, S('x')])), attributeValueProblem(bad) ?? '', 'values before count');
  throwsValidation(t, () => filterToCondition(one('BETWEEN', [{ M: {} }, N('1')])), `${P}AttributeValues inside AttributeValueList must be of same type`, 'same type before types');
  throwsValidation(t, () => filterToCondition({ a: { ComparisonOperator: 'EQ', AttributeValueList: [S('x')] }, b: { ComparisonOperator: 'GT' } }), count('GT'), 'every entry checked');
});
