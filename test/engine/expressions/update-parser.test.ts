import t from 'tap';
import { parseUpdate, path, updatedPaths, updateTargets, type UpdateAst } from '../../../engine/expressions/index.js';
import type { AttributeValue } from '../../../engine/types.js';
import { context, N, S, throwsValidation } from './helpers.js';

const VALUES: Record<string, AttributeValue> = {
  ':s': S('x'),
  ':n': N('5'),
  ':m': N('1'),
  ':l': { L: [S('q')] },
  ':ss': { SS: ['a'] },
  ':ns': { NS: ['1'] },
  ':bs': { BS: ['AQ=='] },
  ':b': { B: 'AQ==' },
  ':bool': { BOOL: true },
  ':null': { NULL: true },
  ':map': { M: {} },
};

function parse(expression: string): UpdateAst {
  return parseUpdate(expression, context({ '#s': 'status', '#a': 'a' }, VALUES));
}

const value = (v: AttributeValue) => ({ kind: 'value' as const, value: v });
const empty = { kind: 'update' as const, set: [], remove: [], add: [], delete: [] };

t.test('grammar: every clause and action', async (t) => {
  const cases: [string, UpdateAst][] = [
    ['SET a = :s', { ...empty, set: [{ path: path('a'), value: value(S('x')) }] }],
    ['set a=:s', { ...empty, set: [{ path: path('a'), value: value(S('x')) }] }],
    ['SET #s = b', { ...empty, set: [{ path: path('status'), value: path('b') }] }],
    ['SET a.b[1] = :s, c = :n', { ...empty, set: [{ path: path('a', 'b', 1), value: value(S('x')) }, { path: path('c'), value: value(N('5')) }] }],
    ['SET a = b + :n', { ...empty, set: [{ path: path('a'), value: { kind: 'plus', left: path('b'), right: value(N('5')) } }] }],
    ['SET a = :n - b', { ...empty, set: [{ path: path('a'), value: { kind: 'minus', left: value(N('5')), right: path('b') } }] }],
    ['SET a = (:n + :m)', { ...empty, set: [{ path: path('a'), value: { kind: 'plus', left: value(N('5')), right: value(N('1')) } }] }],
    ['SET a = (b) + (:m)', { ...empty, set: [{ path: path('a'), value: { kind: 'plus', left: path('b'), right: value(N('1')) } }] }],
    ['SET a = if_not_exists(a, :n)', { ...empty, set: [{ path: path('a'), value: { kind: 'if_not_exists', path: path('a'), fallback: value(N('5')) } }] }],
    [
      'SET a = list_append(if_not_exists(a, :l), :l)',
      {
        ...empty,
        set: [
          {
            path: path('a'),
            value: { kind: 'list_append', first: { kind: 'if_not_exists', path: path('a'), fallback: value(VALUES[':l']!) }, second: value(VALUES[':l']!) },
          },
        ],
      },
    ],
    ['SET a = if_not_exists(b, :n) + :m', { ...empty, set: [{ path: path('a'), value: { kind: 'plus', left: { kind: 'if_not_exists', path: path('b'), fallback: value(N('5')) }, right: value(N('1')) } }] }],
    ['REMOVE a, b.c[2]', { ...empty, remove: [path('a'), path('b', 'c', 2)] }],
    ['ADD a :n, b :ss', { ...empty, add: [{ path: path('a'), value: N('5') }, { path: path('b'), value: { SS: ['a'] } }] }],
    ['DELETE a :ss, b :ns, c :bs', { ...empty, delete: [{ path: path('a'), value: { SS: ['a'] } }, { path: path('b'), value: { NS: ['1'] } }, { path: path('c'), value: { BS: ['AQ=='] } }] }],
    [
      'delete d :ss add c :n remove b set a = :s',
      {
        kind: 'update',
        set: [{ path: path('a'), value: value(S('x')) }],
        remove: [path('b')],
        add: [{ path: path('c'), value: N('5') }],
        delete: [{ path: path('d'), value: { SS: ['a'] } }],
      },
    ],
  ];
  for (const [expression, ast] of cases) t.same(parse(expression), ast, expression);
});

const INVALID = 'Invalid UpdateExpression: ';

t.test('syntax errors', async (t) => {
  const cases: [string, string, string][] = [
    ['SET attrName = 3', '3', '= 3'],
    ['SET MyStr[ 3', '<EOF>', '3'],
    ['SET MyStr[ 3 ', '<EOF>', '3 '],
    ['SET MyStr[3 )', ')', '3 )'],
    ['SET MyStr[3)', ')', '3)'],
    ['SET 2', '2', 'SET 2'],
    ['2', '2', '2'],
    ['SET )', ')', 'SET )'],
    ['SET ) 3', ')', 'SET ) 3'],
    ['SET MyStr = (:s', '<EOF>', ':s'],
    ['SET MyStr = [:s  ', '[', '= [:s'],
    ['SET MyStr = ):s + :n', ')', '= ):s'],
    ['RESET NonExistent', 'RESET', 'RESET NonExistent'],
    ['RESET NonExistent value', 'RESET', 'RESET NonExistent'],
    ['  RESET NonExistent value', 'RESET', '  RESET NonExistent'],
    ['RESET', 'RESET', 'RESET'],
    ['SET a[0].b = 5', '5', '= 5'],
    ['SET a [  2 ]. b = 5', '5', '= 5'],
    ['SET a [  [2] ]. b = 5', '[', '[  [2'],
    ['SET a [2 1]. b = 5', '1', '2 1]'],
    ['SET #a a = 5', 'a', '#a a ='],
    ['SET a = :s,', '<EOF>', ','],
    ['SET a = b + + :n', '+', '+ + :n'],
    ['SET a = :n + :m + :n', '+', ':m + :n'],
    ['SET a|', '|', 'a|'],
    ['SET|', '|', 'SET|'],
    ['ADD a', '<EOF>', 'a'],
    ['ADD a b', 'b', 'a b'],
    ['REMOVE a = :s', '=', 'a = :s'],
    ['SET a = :s b = :n', 'b', ':s b ='],
    ['REMOVE remove', 'remove', 'REMOVE remove'],
  ];
  for (const [expression, token, near] of cases) {
    throwsValidation(t, () => parse(expression), `${INVALID}Syntax error; token: "${token}", near: "${near}"`, expression);
  }
});

t.test('semantic errors', async (t) => {
  const cases: [string, string][] = [
    ['', 'The expression can not be empty;'],
    ['SET a = :s SET b = :s', 'The "SET" section can only be used once in an update expression;'],
    ['REMOVE a remove b', 'The "REMOVE" section can only be used once in an update expression;'],
    ['ADD a :n ADD b :n', 'The "ADD" section can only be used once in an update expression;'],
    ['DELETE a :ss DELETE b :ss', 'The "DELETE" section can only be used once in an update expression;'],
    ['SET status = :s', 'Attribute name is a reserved keyword; reserved keyword: status'],
    ['SET #zz = :s', 'An expression attribute name used in the document path is not defined; attribute name: #zz'],
    ['SET a = :zz', 'An expression attribute value used in expression is not defined; attribute value: :zz'],
    ['SET a = foo(b)', 'Invalid function name; function: foo'],
    ['SET a = size(b)', 'Invalid function name; function: size'],
    ['SET a = if_not_exists(:s, :s)', 'Operator or function requires a document path; operator or function: if_not_exists'],
    ['SET a = if_not_exists(a)', 'Incorrect number of operands for operator or function; operator or function: if_not_exists, number of operands: 1'],
    ['SET a = list_append(a, :s)', 'Incorrect operand type for operator or function; operator or function: list_append, operand type: S'],
    ['SET a = :s + b', 'Incorrect operand type for operator or function; operator or function: +, operand type: S'],
    ['SET a = b - :l', 'Incorrect operand type for operator or function; operator or function: -, operand type: L'],
    ['ADD a :s', 'Incorrect operand type for operator or function; operator: ADD, operand type: STRING'],
    ['ADD a :b', 'Incorrect operand type for operator or function; operator: ADD, operand type: BINARY'],
    ['ADD a :bool', 'Incorrect operand type for operator or function; operator: ADD, operand type: BOOLEAN'],
    ['ADD a :null', 'Incorrect operand type for operator or function; operator: ADD, operand type: NULL'],
    ['ADD a :l', 'Incorrect operand type for operator or function; operator: ADD, operand type: LIST'],
    ['ADD a :map', 'Incorrect operand type for operator or function; operator: ADD, operand type: MAP'],
    ['DELETE a :n', 'Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER'],
    ['SET a = :s REMOVE a', 'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]'],
    ['SET a = :s, a.b = :n', 'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]'],
    ['REMOVE a.b[1].c ADD a.b[1] :n', 'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b, [1], c], path two: [a, b, [1]]'],
    ['SET a[0] = :s, a.b = :s', 'Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [0]], path two: [a, b]'],
    ['SET a[0] = :s, a.b = :s, c = :s REMOVE c', 'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c], path two: [c]'],
    // One problem is reported, by category.
    ['SET status = :zz', 'Attribute name is a reserved keyword; reserved keyword: status'],
    ['SET a = :zz SET a = :s', 'The "SET" section can only be used once in an update expression;'],
  ];
  for (const [expression, message] of cases) throwsValidation(t, () => parse(expression), INVALID + message, expression);
});

t.test('targets and updated paths', async (t) => {
  const ast = parse('SET a = :s, b.c = :n REMOVE d[1] ADD e :n DELETE f :ss');
  t.same(updatedPaths(ast), [path('a'), path('b', 'c'), path('d', 1), path('e'), path('f')]);
  t.same(updateTargets(ast), [
    { name: 'a', nested: false },
    { name: 'b', nested: true },
    { name: 'd', nested: true },
    { name: 'e', nested: false },
    { name: 'f', nested: false },
  ]);
});
