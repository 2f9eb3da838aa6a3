import t from 'tap';
import { evaluateCondition } from '../../../../engine/expressions/index.js';
import { expectedToCondition, type ExpectedMap } from '../../../../engine/expressions/legacy/index.js';
import { throwsValidation } from '../helpers.js';
import { attributeValueProblem } from '../../../../engine/attributes/validate.js';
import { ITEM, N, S, type AttributeValue } from './fixtures.js';

const holds = (expected: ExpectedMap): boolean => evaluateCondition(expectedToCondition(expected)!, ITEM);

t.test('the Value / Exists form', async (t) => {
  t.equal(holds({ s: { Value: S('hello') } }), true, 'a lone Value means Exists true and EQ');
  t.equal(holds({ s: { Value: S('bye') } }), false);
  t.equal(holds({ missing: { Value: S('hello') } }), false);
  t.equal(holds({ n: { Exists: true, Value: N('5') } }), true, 'Exists true with a Value compares (optimistic locking)');
  t.equal(holds({ n: { Exists: true, Value: N('6') } }), false, 'Exists true with another value fails');
  t.equal(holds({ missing: { Exists: false } }), true, 'Exists false: the attribute must be absent');
  t.equal(holds({ s: { Exists: false } }), false);
  t.equal(holds({ nul: { Exists: false } }), false, 'a NULL-typed attribute exists');
  t.equal(evaluateCondition(expectedToCondition({ s: { Exists: false } })!, undefined), true, 'no item: nothing exists');
});

t.test('the ComparisonOperator form accepts a lone Value as its list', async (t) => {
  t.equal(holds({ n: { ComparisonOperator: 'GT', Value: N('4') } }), true);
  t.equal(holds({ n: { ComparisonOperator: 'GT', Value: N('5') } }), false);
  t.equal(holds({ s: { ComparisonOperator: 'IN', Value: S('hello') } }), true);
  t.equal(holds({ s: { ComparisonOperator: 'NOT_NULL' } }), true);
  t.equal(holds({ s: { ComparisonOperator: 'NULL', AttributeValueList: [] } }), false);
});

t.test('Expected does not check value types per operator (only Conditions do)', async (t) => {
  t.equal(holds({ ss: { ComparisonOperator: 'LT', AttributeValueList: [{ SS: ['z'] }] } }), false, 'accepted, never true');
  t.equal(holds({ m: { ComparisonOperator: 'EQ', AttributeValueList: [{ M: { k: S('v') } }] } }), true);
});

const P = 'One or more parameter values were invalid: ';

function problem(value: AttributeValue): string {
  const message = attributeValueProblem(value);
  if (message === undefined) throw new Error(`test setup: ${JSON.stringify(value)} is valid`);
  return message;
}

const INVALID: ReadonlyArray<readonly [ExpectedMap, string]> = [
  [{ a: { Value: S('x'), AttributeValueList: [S('x')] } }, `${P}Value and AttributeValueList cannot be used together for Attribute: a`],
  [{ a: { Value: S('x'), AttributeValueList: [S('x')], ComparisonOperator: 'EQ', Exists: true } }, `${P}Value and AttributeValueList cannot be used together for Attribute: a`],
  [{ a: { ComparisonOperator: 'EQ', Exists: true, Value: S('x') } }, `${P}Exists and ComparisonOperator cannot be used together for Attribute: a`],
  [{ a: { ComparisonOperator: 'NULL', Exists: false } }, `${P}Exists and ComparisonOperator cannot be used together for Attribute: a`],
  [{ a: { ComparisonOperator: 'EQ' } }, `${P}Value or AttributeValueList must be used with ComparisonOperator: EQ for Attribute: a`],
  [{ a: { ComparisonOperator: 'BETWEEN' } }, `${P}Value or AttributeValueList must be used with ComparisonOperator: BETWEEN for Attribute: a`],
  [{ a: { ComparisonOperator: 'NULL', Value: S('x') } }, `${P}Invalid number of argument(s) for the NULL ComparisonOperator`],
  [{ a: { ComparisonOperator: 'NOT_NULL', AttributeValueList: [S('x')] } }, `${P}Invalid number of argument(s) for the NOT_NULL ComparisonOperator`],
  [{ a: { ComparisonOperator: 'EQ', AttributeValueList: [] } }, `${P}Invalid number of argument(s) for the EQ ComparisonOperator`],
  [{ a: { ComparisonOperator: 'EQ', AttributeValueList: [S('x'), S('y')] } }, `${P}Invalid number of argument(s) for the EQ ComparisonOperator`],
  [{ a: { ComparisonOperator: 'BETWEEN', Value: N('1') } }, `${P}Invalid number of argument(s) for the BETWEEN ComparisonOperator`],
  [{ a: { ComparisonOperator: 'IN', AttributeValueList: [] } }, `${P}Invalid number of argument(s) for the IN ComparisonOperator`],
  [{ a: { ComparisonOperator: 'IN', AttributeValueList: [S('x'), N('1')] } }, `${P}AttributeValues inside AttributeValueList must be of same type`],
  [{ a: { ComparisonOperator: 'BETWEEN', AttributeValueList: [N('2'), N('1')] } }, 'The BETWEEN condition was provided a range where the lower bound is greater than the upper bound'],
  [{ a: { AttributeValueList: [S('x')] } }, `${P}AttributeValueList can only be used with a ComparisonOperator for Attribute: a`],
  [{ a: { Exists: true, AttributeValueList: [S('x')] } }, `${P}AttributeValueList can only be used with a ComparisonOperator for Attribute: a`],
  [{ a: {} }, `${P}Value must be provided when Exists is null for Attribute: a`],
  [{ a: { Exists: true } }, `${P}Value must be provided when Exists is true for Attribute: a`],
  [{ a: { Exists: false, Value: S('x') } }, `${P}Value cannot be used when Exists is false for Attribute: a`],
  [{ ok: { Value: S('x') }, bad: { Exists: true } }, `${P}Value must be provided when Exists is true for Attribute: bad`],
  // Values get the attribute validator's own messages.
  [{ a: { Value: { N: 'abc' } } }, problem({ N: 'abc' })],
  [{ a: { Value: { SS: [] } } }, problem({ SS: [] })],
  [{ a: { ComparisonOperator: 'CONTAINS', AttributeValueList: [{ SS: ['x', 'x'] }] } }, problem({ SS: ['x', 'x'] })],
];

t.test('validation messages', async (t) => {
  for (const [expected, message] of INVALID) throwsValidation(t, () => expectedToCondition(expected), message, JSON.stringify(expected));
});
