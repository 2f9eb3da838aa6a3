import t from 'tap';
import { parseCondition, path, type ConditionAst, type ConditionKind, type Operand } from '../../../engine/expressions/index.js';
import type { AttributeValue } from '../../../engine/types.js';
import { context, N, S, throwsValidation } from './helpers.js';

const VALUES: Record<string, AttributeValue> = {
  ':s': S('x'),
  ':t': S('y'),
  ':n': N('5'),
  ':one': N('1'),
  ':ten': N('10'),
  ':b': { B: 'AQ==' },
  ':l': { L: [] },
  ':ss': { SS: ['a'] },
  ':typeS': S('S'),
  ':typeBad': S('X'),
};
const NAMES = { '#s': 'status', '#a': 'a' };

/** Parses with every placeholder available (unused ones are not this test's concern). */
function parse(expression: string, kind?: ConditionKind): ConditionAst {
  return parseCondition(expression, context(NAMES, VALUES), kind);
}

const a = path('a');
const b = path('b');
const c = path('c');
const value = (v: AttributeValue) => ({ kind: 'value' as const, value: v });
const eq = (left: Operand, right: Operand): ConditionAst => ({ kind: 'comparison', comparator: '=', left, right });

t.test('grammar: every form of condition', async (t) => {
  const cases: [string, ConditionAst][] = [
    ['a = :s', eq(a, value(S('x')))],
    ['a <> :s', { kind: 'comparison', comparator: '<>', left: a, right: value(S('x')) }],
    ['a < :n', { kind: 'comparison', comparator: '<', left: a, right: value(N('5')) }],
    ['a <= :n', { kind: 'comparison', comparator: '<=', left: a, right: value(N('5')) }],
    ['a > :n', { kind: 'comparison', comparator: '>', left: a, right: value(N('5')) }],
    ['a >= :n', { kind: 'comparison', comparator: '>=', left: a, right: value(N('5')) }],
    [':n >= a', { kind: 'comparison', comparator: '>=', left: value(N('5')), right: a }],
    ['a = b', eq(a, b)],
    ['a BETWEEN :one AND :ten', { kind: 'between', operand: a, lower: value(N('1')), upper: value(N('10')) }],
    ['a between :one and :ten', { kind: 'between', operand: a, lower: value(N('1')), upper: value(N('10')) }],
    ['a IN (:s)', { kind: 'in', operand: a, candidates: [value(S('x'))] }],
    ['a in (:s, :t, b)', { kind: 'in', operand: a, candidates: [value(S('x')), value(S('y')), b] }],
    ['attribute_exists(a)', { kind: 'attribute_exists', path: a }],
    ['attribute_not_exists(#s)', { kind: 'attribute_not_exists', path: path('status') }],
    ['attribute_type(a, :typeS)', { kind: 'attribute_type', operand: a, type: value(S('S')) }],
    ['begins_with(a, :s)', { kind: 'begins_with', operand: a, prefix: value(S('x')) }],
    ['begins_with(a, :b)', { kind: 'begins_with', operand: a, prefix: value({ B: 'AQ==' }) }],
    ['contains(a, :n)', { kind: 'contains', operand: a, member: value(N('5')) }],
    ['size(a) > :n', { kind: 'comparison', comparator: '>', left: { kind: 'size', operand: a }, right: value(N('5')) }],
    ['size(a) BETWEEN :one AND :ten', { kind: 'between', operand: { kind: 'size', operand: a }, lower: value(N('1')), upper: value(N('10')) }],
    ['(size(a)) > :n', { kind: 'comparison', comparator: '>', left: { kind: 'size', operand: a }, right: value(N('5')) }],
    ['(a) = :s', eq(a, value(S('x')))],
    ['(a = :s)', eq(a, value(S('x')))],
    ['a.b[2].#s = :s', eq(path('a', 'b', 2, 'status'), value(S('x')))],
    ['a . b [ 2 ] = :s', eq(path('a', 'b', 2), value(S('x')))],
    ['a[0][1] = :s', eq(path('a', 0, 1), value(S('x')))],
    ['NOT a = :s', { kind: 'not', condition: eq(a, value(S('x'))) }],
    ['not not attribute_exists(a)', { kind: 'not', condition: { kind: 'not', condition: { kind: 'attribute_exists', path: a } } }],
    ['a = :s AND b = :t', { kind: 'and', left: eq(a, value(S('x'))), right: eq(b, value(S('y'))) }],
    ['a = :s or b = :t', { kind: 'or', left: eq(a, value(S('x'))), right: eq(b, value(S('y'))) }],
    ['\ta\n=\r\n:s ', eq(a, value(S('x')))],
  ];
  for (const [expression, ast] of cases) t.same(parse(expression), ast, expression);
});

t.test('precedence: NOT binds tighter than AND, AND tighter than OR', async (t) => {
  const x = eq(a, value(S('x')));
  const y = eq(b, value(S('y')));
  const z = eq(c, value(N('5')));
  t.same(parse('a = :s OR b = :t AND c = :n'), { kind: 'or', left: x, right: { kind: 'and', left: y, right: z } });
  t.same(parse('a = :s AND b = :t OR c = :n'), { kind: 'or', left: { kind: 'and', left: x, right: y }, right: z });
  t.same(parse('(a = :s OR b = :t) AND c = :n'), { kind: 'and', left: { kind: 'or', left: x, right: y }, right: z });
  t.same(parse('NOT a = :s AND b = :t'), { kind: 'and', left: { kind: 'not', condition: x }, right: y });
  t.same(parse('NOT (a = :s AND b = :t)'), { kind: 'not', condition: { kind: 'and', left: x, right: y } });
  t.same(parse('a BETWEEN :one AND :ten AND b = :t'), {
    kind: 'and',
    left: { kind: 'between', operand: a, lower: value(N('1')), upper: value(N('10')) },
    right: y,
  });
  t.same(parse('a = :s AND b = :t AND c = :n'), { kind: 'and', left: { kind: 'and', left: x, right: y }, right: z }, 'left-associative');
});

const INVALID = 'Invalid ConditionExpression: ';

t.test('syntax errors quote the token and its neighbours', async (t) => {
  const cases: [string, string, string][] = [
    ['a =', '<EOF>', '='],
    ['a = :s AND', '<EOF>', 'AND'],
    ['a = :s AND ', '<EOF>', 'AND '],
    ['a', '<EOF>', 'a'],
    ['a = :s)', ')', ':s)'],
    ['(a = :s', '<EOF>', ':s'],
    ['a = = :s', '=', '= = :s'],
    ['a | b', '|', 'a |'],
    ['a = 3', '3', '= 3'],
    ['a.b[x] = :s', 'x', '[x]'],
    ['a = :s b = :t', 'b', ':s b ='],
    ['_idid = :s', '_', '_idid'],
    ['a = :s AND OR b = :t', 'OR', 'AND OR b'],
    ['a BETWEEN :one OR :ten', 'OR', ':one OR :ten'],
    ['a IN :s', ':s', 'IN :s'],
    ['a IN ()', ')', '()'],
    ['attribute_exists()', ')', '()'],
    ['NOT', '<EOF>', 'NOT'],
    ['a = and', 'and', '= and'],
    ['(a) AND b = :s', 'AND', ') AND b'],
    ['  | a', '|', '  |'],
  ];
  for (const [expression, token, near] of cases) {
    throwsValidation(t, () => parse(expression), `${INVALID}Syntax error; token: "${token}", near: "${near}"`, expression);
  }
});

t.test('semantic errors', async (t) => {
  const cases: [string, string][] = [
    ['', 'The expression can not be empty;'],
    ['status = :s', 'Attribute name is a reserved keyword; reserved keyword: status'],
    ['a.Name = :s', 'Attribute name is a reserved keyword; reserved keyword: Name'],
    ['#zz = :s', 'An expression attribute name used in the document path is not defined; attribute name: #zz'],
    ['a = :zz', 'An expression attribute value used in expression is not defined; attribute value: :zz'],
    ['foo(a)', 'Invalid function name; function: foo'],
    ['ATTRIBUTE_EXISTS(a)', 'Invalid function name; function: ATTRIBUTE_EXISTS'],
    ['size(a)', 'The function is not allowed to be used this way in an expression; function: size'],
    ['attribute_exists(a) = :s', 'The function is not allowed to be used this way in an expression; function: attribute_exists'],
    ['((a = :s))', 'The expression has redundant parentheses;'],
    ['((a)) = :s', 'The expression has redundant parentheses;'],
    ['contains(a, :s, :t)', 'Incorrect number of operands for operator or function; operator or function: contains, number of operands: 3'],
    ['attribute_exists(a, b)', 'Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2'],
    ['size(a, b) = :n', 'Incorrect number of operands for operator or function; operator or function: size, number of operands: 2'],
    ['a = a', 'The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]'],
    ['contains(a.b[1], a.b[1])', 'The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [a, b, [1]]'],
    ['attribute_exists(:s)', 'Operator or function requires a document path; operator or function: attribute_exists'],
    ['attribute_not_exists(size(a))', 'Operator or function requires a document path; operator or function: attribute_not_exists'],
    ['begins_with(a, :n)', 'Incorrect operand type for operator or function; operator or function: begins_with, operand type: N'],
    ['size(:n) = :n', 'Incorrect operand type for operator or function; operator or function: size, operand type: N'],
    ['attribute_type(a, :n)', 'Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N'],
    ['attribute_type(a, b)', 'Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}'],
    ['attribute_type(a, :typeBad)', 'Invalid attribute type name found; type: X, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}'],
    [
      'a BETWEEN :ten AND :one',
      'The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:10}, upper bound operand: AttributeValue: {N:1}',
    ],
    [
      'a BETWEEN :one AND :s',
      'The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:x}',
    ],
    // One problem is reported, by category: parentheses, then unknown functions, then reserved words, then placeholders.
    ['((status = :zz))', 'The expression has redundant parentheses;'],
    ['status = :zz AND foo(a)', 'Invalid function name; function: foo'],
    ['a = :zz AND status = :s', 'Attribute name is a reserved keyword; reserved keyword: status'],
    ['a = a AND b = :zz', 'An expression attribute value used in expression is not defined; attribute value: :zz'],
  ];
  for (const [expression, message] of cases) throwsValidation(t, () => parse(expression), INVALID + message, expression);
});

t.test('the expression kind is part of every message', async (t) => {
  throwsValidation(t, () => parse('', 'FilterExpression'), 'Invalid FilterExpression: The expression can not be empty;');
  throwsValidation(t, () => parse('a =', 'KeyConditionExpression'), 'Invalid KeyConditionExpression: Syntax error; token: "<EOF>", near: "="');
});

t.test('limits', async (t) => {
  const long = `a = :s${' '.repeat(4096)}`;
  throwsValidation(t, () => parse(long), `${INVALID}Expression size has exceeded the maximum allowed size; expression size: ${long.length}`);
  const inList = Array.from({ length: 100 }, () => ':s').join(', ');
  t.equal(parse(`a IN (${inList})`).kind, 'in', '100 IN operands are fine');
  throwsValidation(t, () => parse(`a IN (${inList}, :s)`), `${INVALID}Syntax error; token: ":s", near: ", :s)"`, '101 IN operands');
  const deep = `${'NOT '.repeat(1000)}a = :s`;
  t.equal(parse(deep).kind, 'not', 'deep nesting within the size limit parses');
  // The size limit bounds recursion: the deepest nesting that fits is refused cleanly, not by a stack overflow.
  const parens = 2044;
  throwsValidation(t, () => parse(`${'('.repeat(parens)}a = :s${')'.repeat(parens)}`), `${INVALID}The expression has redundant parentheses;`);
});
