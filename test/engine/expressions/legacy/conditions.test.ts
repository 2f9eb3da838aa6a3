import t from 'tap';
import { evaluateCondition } from '../../../../engine/expressions/index.js';
import { expectedToCondition, filterToCondition, type ComparisonOperator } from '../../../../engine/expressions/legacy/index.js';
import { B, bin, ITEM, N, S, type AttributeValue } from './fixtures.js';

type Case = readonly [attribute: string, operator: ComparisonOperator, values: readonly AttributeValue[], expected: boolean];

/** Every operator against matching, mismatching and missing attributes, as DynamoDB documents them. */
const CASES: readonly Case[] = [
  ['s', 'EQ', [S('hello')], true],
  ['s', 'EQ', [S('hell')], false],
  ['n', 'EQ', [N('5.0')], true],
  ['n', 'EQ', [S('5')], false],
  ['ss', 'EQ', [{ SS: ['y', 'x'] }], true],
  ['ns', 'EQ', [{ NS: ['1'] }], false],
  ['l', 'EQ', [{ L: [S('x'), N('1')] }], true],
  ['missing', 'EQ', [S('hello')], false],
  ['s', 'NE', [S('hello')], false],
  ['s', 'NE', [S('x')], true],
  ['n', 'NE', [S('5')], true],
  ['missing', 'NE', [S('x')], true],
  ['n', 'LE', [N('5')], true],
  ['n', 'LT', [N('5')], false],
  ['n', 'GE', [N('5')], true],
  ['n', 'GT', [N('5')], false],
  ['n', 'GT', [N('-10')], true],
  ['n', 'LT', [N('10')], true],
  ['n', 'LT', [S('9')], false],
  ['s', 'LT', [S('hellp')], true],
  ['s', 'GE', [S('hellp')], false],
  ['b', 'GT', [B('abb')], true],
  ['b', 'LE', [B('ab')], false],
  ['missing', 'LE', [N('5')], false],
  ['missing', 'GE', [N('5')], false],
  ['s', 'NOT_NULL', [], true],
  ['nul', 'NOT_NULL', [], true],
  ['missing', 'NOT_NULL', [], false],
  ['missing', 'NULL', [], true],
  ['nul', 'NULL', [], false],
  ['m', 'NULL', [], false],
  ['s', 'CONTAINS', [S('ell')], true],
  ['s', 'CONTAINS', [S('xyz')], false],
  ['s', 'CONTAINS', [N('1')], false],
  ['b', 'CONTAINS', [B('bc')], true],
  ['ss', 'CONTAINS', [S('x')], true],
  ['ss', 'CONTAINS', [S('z')], false],
  ['ns', 'CONTAINS', [N('2.00')], true],
  ['ns', 'CONTAINS', [S('2')], false],
  ['bs', 'CONTAINS', [{ B: bin('q') }], true],
  ['l', 'CONTAINS', [S('x')], true],
  ['l', 'CONTAINS', [N('1.0')], true],
  ['l', 'CONTAINS', [S('1')], false],
  ['n', 'CONTAINS', [N('5')], false],
  ['missing', 'CONTAINS', [S('x')], false],
  ['s', 'NOT_CONTAINS', [S('ell')], false],
  ['s', 'NOT_CONTAINS', [S('zz')], true],
  ['ss', 'NOT_CONTAINS', [S('x')], false],
  ['ss', 'NOT_CONTAINS', [S('z')], true],
  ['b', 'NOT_CONTAINS', [S('bc')], true],
  ['missing', 'NOT_CONTAINS', [S('x')], true],
  ['s', 'BEGINS_WITH', [S('he')], true],
  ['s', 'BEGINS_WITH', [S('el')], false],
  ['b', 'BEGINS_WITH', [B('ab')], true],
  ['b', 'BEGINS_WITH', [S('ab')], false],
  ['ss', 'BEGINS_WITH', [S('x')], false],
  ['missing', 'BEGINS_WITH', [S('he')], false],
  ['n', 'IN', [N('1'), N('5')], true],
  ['n', 'IN', [N('1'), N('2')], false],
  ['s', 'IN', [S('x'), S('hello')], true],
  ['s', 'IN', [S('x')], false],
  ['missing', 'IN', [S('x')], false],
  ['n', 'BETWEEN', [N('1'), N('5')], true],
  ['n', 'BETWEEN', [N('5'), N('9')], true],
  ['n', 'BETWEEN', [N('6'), N('9')], false],
  ['s', 'BETWEEN', [S('a'), S('z')], true],
  ['s', 'BETWEEN', [S('i'), S('z')], false],
  ['n', 'BETWEEN', [S('a'), S('z')], false],
  ['missing', 'BETWEEN', [N('1'), N('9')], false],
];

t.test('QueryFilter / ScanFilter: each operator, each attribute type', async (t) => {
  for (const [attribute, operator, values, expected] of CASES) {
    const condition = filterToCondition({ [attribute]: { ComparisonOperator: operator, AttributeValueList: values } });
    t.ok(condition !== undefined, 'a one-entry filter is a condition');
    t.equal(evaluateCondition(condition!, ITEM), expected, `${attribute} ${operator} ${JSON.stringify(values)}`);
  }
});

t.test('Expected with a ComparisonOperator: the same semantics (type checks aside)', async (t) => {
  for (const [attribute, operator, values, expected] of CASES) {
    const condition = expectedToCondition({ [attribute]: { ComparisonOperator: operator, AttributeValueList: values } });
    t.equal(evaluateCondition(condition!, ITEM), expected, `${attribute} ${operator} ${JSON.stringify(values)}`);
  }
});

t.test('a missing item behaves as an item without the attribute', async (t) => {
  const holds = (operator: ComparisonOperator, values: AttributeValue[]) =>
    evaluateCondition(filterToCondition({ s: { ComparisonOperator: operator, AttributeValueList: values } })!, undefined);
  t.equal(holds('NULL', []), true);
  t.equal(holds('NOT_NULL', []), false);
  t.equal(holds('NE', [S('x')]), true);
  t.equal(holds('EQ', [S('x')]), false);
  t.equal(holds('NOT_CONTAINS', [S('x')]), true);
});

t.test('ConditionalOperator joins the map: AND by default, OR when asked', async (t) => {
  const filter = {
    s: { ComparisonOperator: 'EQ' as const, AttributeValueList: [S('hello')] },
    n: { ComparisonOperator: 'GT' as const, AttributeValueList: [N('100')] },
  };
  t.equal(evaluateCondition(filterToCondition(filter)!, ITEM), false, 'implicit AND');
  t.equal(evaluateCondition(filterToCondition(filter, 'AND')!, ITEM), false, 'AND');
  t.equal(evaluateCondition(filterToCondition(filter, 'OR')!, ITEM), true, 'OR');
  const neither = { ...filter, s: { ComparisonOperator: 'EQ' as const, AttributeValueList: [S('bye')] } };
  t.equal(evaluateCondition(filterToCondition(neither, 'OR')!, ITEM), false, 'OR with nothing true');
  t.equal(evaluateCondition(expectedToCondition({ s: { Value: S('bye') }, n: { Value: N('5') } }, 'OR')!, ITEM), true, 'Expected OR');
  t.equal(evaluateCondition(expectedToCondition({ s: { Value: S('bye') }, n: { Value: N('5') } })!, ITEM), false, 'Expected AND');
});

t.test('an empty map is no condition at all', async (t) => {
  t.equal(filterToCondition({}), undefined);
  t.equal(filterToCondition({}, 'OR'), undefined);
  t.equal(expectedToCondition({}), undefined);
});

t.test('attribute names are top-level names, dots and brackets included', async (t) => {
  const item = { 'a.b': S('flat'), a: { M: { b: S('nested') } } };
  t.equal(evaluateCondition(filterToCondition({ 'a.b': { ComparisonOperator: 'EQ', AttributeValueList: [S('flat')] } })!, item), true);
  t.equal(evaluateCondition(expectedToCondition({ 'a.b': { Value: S('nested') } })!, item), false);
});
