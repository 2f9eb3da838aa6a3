import t from 'tap';
import { bindKeyCondition, type KeySchemaNames } from '../../../../engine/expressions/index.js';
import { keyConditionsToKeyCondition, type ConditionMap } from '../../../../engine/expressions/legacy/index.js';
import { throwsValidation } from '../helpers.js';
import { N, S } from './fixtures.js';

const SCHEMA: KeySchemaNames = { partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'N' } };
const EQ_PK = { pk: { ComparisonOperator: 'EQ' as const, AttributeValueList: [S('p')] } };

t.test('each indexable operator becomes its key-condition term', async (t) => {
  t.same(keyConditionsToKeyCondition(EQ_PK), { kind: 'key-condition', terms: [{ kind: 'comparison', name: 'pk', comparator: '=', value: S('p') }] });
  const comparators = { EQ: '=', LE: '<=', LT: '<', GE: '>=', GT: '>' } as const;
  for (const [operator, comparator] of Object.entries(comparators)) {
    const ast = keyConditionsToKeyCondition({ ...EQ_PK, sk: { ComparisonOperator: operator as keyof typeof comparators, AttributeValueList: [N('3')] } });
    t.same(ast.terms[1], { kind: 'comparison', name: 'sk', comparator, value: N('3') }, operator);
  }
  const between = keyConditionsToKeyCondition({ ...EQ_PK, sk: { ComparisonOperator: 'BETWEEN', AttributeValueList: [N('1'), N('9')] } });
  t.same(between.terms[1], { kind: 'between', name: 'sk', lower: N('1'), upper: N('9') });
  const prefix = keyConditionsToKeyCondition({ ...EQ_PK, sk: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [S('ab')] } });
  t.same(prefix.terms[1], { kind: 'begins_with', name: 'sk', prefix: S('ab') });
});

t.test('the result binds to a key schema like a KeyConditionExpression', async (t) => {
  const bound = bindKeyCondition(keyConditionsToKeyCondition({ ...EQ_PK, sk: { ComparisonOperator: 'GT', AttributeValueList: [N('3')] } }), SCHEMA);
  t.same(bound.partitionValue, S('p'));
  t.same(bound.sort, { kind: 'comparison', name: 'sk', comparator: '>', value: N('3') });
  throwsValidation(t, () => bindKeyCondition(keyConditionsToKeyCondition({ pk: { ComparisonOperator: 'GT', AttributeValueList: [S('p')] } }), SCHEMA), 'Query key condition not supported');
  throwsValidation(
    t,
    () => bindKeyCondition(keyConditionsToKeyCondition({ sk: { ComparisonOperator: 'EQ', AttributeValueList: [N('1')] } }), SCHEMA),
    'Query condition missed key schema element: pk',
  );
  throwsValidation(
    t,
    () => bindKeyCondition(keyConditionsToKeyCondition({ pk: { ComparisonOperator: 'EQ', AttributeValueList: [{ SS: ['p'] }] } }), SCHEMA),
    'One or more parameter values were invalid: Condition parameter type does not match schema type',
  );
});

const P = 'One or more parameter values were invalid: ';
const INVALID: ReadonlyArray<readonly [ConditionMap, string]> = [
  [{}, 'Conditions can be of length 1 or 2 only'],
  [{ ...EQ_PK, sk: { ComparisonOperator: 'EQ', AttributeValueList: [N('1')] }, x: { ComparisonOperator: 'EQ', AttributeValueList: [N('1')] } }, 'Conditions can be of length 1 or 2 only'],
  [{ ...EQ_PK, sk: { ComparisonOperator: 'NE', AttributeValueList: [N('1')] } }, 'Attempted conditional constraint is not an indexable operation'],
  [{ ...EQ_PK, sk: { ComparisonOperator: 'IN', AttributeValueList: [N('1')] } }, 'Attempted conditional constraint is not an indexable operation'],
  [{ ...EQ_PK, sk: { ComparisonOperator: 'NULL' } }, 'Attempted conditional constraint is not an indexable operation'],
  [{ ...EQ_PK, sk: { ComparisonOperator: 'NOT_NULL' } }, 'Attempted conditional constraint is not an indexable operation'],
  [{ ...EQ_PK, sk: { ComparisonOperator: 'CONTAINS', AttributeValueList: [N('1')] } }, 'Attempted conditional constraint is not an indexable operation'],
  [{ ...EQ_PK, sk: { ComparisonOperator: 'NOT_CONTAINS', AttributeValueList: [N('1')] } }, 'Attempted conditional constraint is not an indexable operation'],
  // Conditions are validated before they are counted (DynamoDB's order).
  [{ a: { ComparisonOperator: 'EQ' }, b: { ComparisonOperator: 'NULL' }, c: { ComparisonOperator: 'NULL' } }, `${P}Invalid number of argument(s) for the EQ ComparisonOperator`],
  [{ pk: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [N('1')] } }, `${P}ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type`],
  [{ pk: { ComparisonOperator: 'BETWEEN', AttributeValueList: [N('2'), N('1')] } }, 'The BETWEEN condition was provided a range where the lower bound is greater than the upper bound'],
];

t.test('validation messages', async (t) => {
  for (const [conditions, message] of INVALID) throwsValidation(t, () => keyConditionsToKeyCondition(conditions), message, JSON.stringify(conditions));
});
