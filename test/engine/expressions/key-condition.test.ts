import t from 'tap';
import { bindKeyCondition, parseKeyCondition, type KeyConditionAst } from '../../../engine/expressions/index.js';
import type { AttributeValue } from '../../../engine/types.js';
import { B, context, N, S, throwsValidation } from './helpers.js';

const VALUES: Record<string, AttributeValue> = { ':p': S('p'), ':a': N('1'), ':b': N('9'), ':s': S('x'), ':bin': B('x'), ':ss': { SS: ['a'] } };

function parse(expression: string): KeyConditionAst {
  return parseKeyCondition(expression, context({ '#pk': 'pk' }, VALUES));
}

t.test('key condition terms', async (t) => {
  t.same(parse('pk = :p').terms, [{ kind: 'comparison', name: 'pk', comparator: '=', value: S('p') }]);
  t.same(parse('#pk = :p AND sk < :a').terms, [
    { kind: 'comparison', name: 'pk', comparator: '=', value: S('p') },
    { kind: 'comparison', name: 'sk', comparator: '<', value: N('1') },
  ]);
  t.same(parse(':a <= sk AND pk = :p').terms[0], { kind: 'comparison', name: 'sk', comparator: '>=', value: N('1') }, 'value on the left mirrors');
  t.same(parse(':a > sk AND pk = :p').terms[0], { kind: 'comparison', name: 'sk', comparator: '<', value: N('1') });
  t.same(parse('pk = :p AND sk BETWEEN :a AND :b').terms[1], { kind: 'between', name: 'sk', lower: N('1'), upper: N('9') });
  t.same(parse('pk = :p AND begins_with(sk, :s)').terms[1], { kind: 'begins_with', name: 'sk', prefix: S('x') });
  t.same(parse('(pk = :p) AND (begins_with(sk, :bin))').terms[1], { kind: 'begins_with', name: 'sk', prefix: B('x') });
});

t.test('key condition errors', async (t) => {
  const cases: [string, string][] = [
    ['pk = :p OR sk = :a', 'Invalid operator used in KeyConditionExpression: OR'],
    ['NOT pk = :p', 'Invalid operator used in KeyConditionExpression: NOT'],
    ['pk IN (:p)', 'Invalid operator used in KeyConditionExpression: IN'],
    ['pk <> :p', 'Invalid operator used in KeyConditionExpression: <>'],
    ['attribute_exists(pk)', 'Invalid operator used in KeyConditionExpression: attribute_exists'],
    ['contains(pk, :p)', 'Invalid operator used in KeyConditionExpression: contains'],
    ['size(pk) = :a', 'KeyConditionExpressions cannot contain nested operations'],
    [':a BETWEEN sk AND :b', 'Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand'],
    ['begins_with(:s, sk)', 'Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand'],
    ['pk = sk', 'Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition'],
    [':p = :s', 'Invalid condition in KeyConditionExpression: No key attribute specified'],
    ['pk.x = :p', 'KeyConditionExpressions cannot have conditions on nested attributes'],
    ['pk = :p AND pk = :s', 'KeyConditionExpressions must only contain one condition per key'],
    ['pk = :p AND a = :a AND b = :b', 'Conditions can be of length 1 or 2 only'],
    ['pk = :ss', 'One or more parameter values were invalid: ComparisonOperator EQ is not valid for SS AttributeValue type'],
    ['pk = :p AND begins_with(sk, :a)', 'Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N'],
    ['pk = :p AND sk BETWEEN :ss AND :ss', 'One or more parameter values were invalid: ComparisonOperator BETWEEN is not valid for SS AttributeValue type'],
  ];
  for (const [expression, message] of cases) throwsValidation(t, () => parse(expression), message, expression);
  throwsValidation(
    t,
    () => parse('pk = :p AND sk BETWEEN :b AND :a'),
    'Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:9}, upper bound operand: AttributeValue: {N:1}',
  );
});

t.test('binding to a key schema', async (t) => {
  const hashOnly = { partitionKey: { name: 'pk', type: 'S' as const } };
  const hashRange = { partitionKey: { name: 'pk', type: 'S' as const }, sortKey: { name: 'sk', type: 'N' as const } };
  t.same(bindKeyCondition(parse('pk = :p'), hashOnly), { partitionValue: S('p') });
  t.same(bindKeyCondition(parse('pk = :p'), hashRange), { partitionValue: S('p') }, 'sort key condition is optional');
  t.same(bindKeyCondition(parse('sk > :a AND pk = :p'), hashRange), {
    partitionValue: S('p'),
    sort: { kind: 'comparison', name: 'sk', comparator: '>', value: N('1') },
  });
  throwsValidation(t, () => bindKeyCondition(parse('sk = :a'), hashRange), 'Query condition missed key schema element: pk');
  throwsValidation(t, () => bindKeyCondition(parse('pk = :p AND foo = :a'), hashRange), 'Query condition missed key schema element: sk');
  throwsValidation(t, () => bindKeyCondition(parse('pk = :p AND sk = :a'), hashOnly), 'Query key condition not supported');
  throwsValidation(t, () => bindKeyCondition(parse('pk > :p'), hashOnly), 'Query key condition not supported');
  throwsValidation(
    t,
    () => bindKeyCondition(parse('pk = :a'), hashOnly),
    'One or more parameter values were invalid: Condition parameter type does not match schema type',
  );
});
