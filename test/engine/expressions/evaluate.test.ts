import t from 'tap';
import { evaluateCondition, parseCondition } from '../../../engine/expressions/index.js';
import type { AttributeValue, Item } from '../../../engine/types.js';
import { B, context, N, S } from './helpers.js';

const ITEM: Item = {
  s: S('hello'),
  n: N('5'),
  b: B('abc'),
  t: { BOOL: true },
  z: { NULL: true },
  ss: { SS: ['x', 'y'] },
  ns: { NS: ['1', '2.5'] },
  bs: { BS: [Buffer.from('p').toString('base64')] },
  l: { L: [S('x'), N('1'), { M: { k: S('v') } }] },
  m: { M: { nest: { M: { deep: N('7') } }, lst: { L: [N('10'), N('20')] } } },
  blank: S(''),
};

const VALUES: Record<string, AttributeValue> = {
  ':hello': S('hello'),
  ':he': S('he'),
  ':ell': S('ell'),
  ':x': S('x'),
  ':q': S('q'),
  ':five': N('5'),
  ':fivezero': N('5.0'),
  ':one': N('1'),
  ':ten': N('10'),
  ':two5': N('2.5'),
  ':three': N('3'),
  ':ab': B('ab'),
  ':bc': B('bc'),
  ':p': { B: Buffer.from('p').toString('base64') },
  ':true': { BOOL: true },
  ':null': { NULL: true },
  ':ssyx': { SS: ['y', 'x'] },
  ':mapv': { M: { k: S('v') } },
  ':typeS': S('S'),
  ':typeN': N('0'),
  ':tN': S('N'),
  ':tSS': S('SS'),
  ':tL': S('L'),
  ':tM': S('M'),
  ':tNULL': S('NULL'),
  ':tBOOL': S('BOOL'),
  ':tB': S('B'),
  ':seven': N('7'),
  ':twenty': N('20'),
};

function check(expression: string, item: Item | undefined): boolean {
  return evaluateCondition(parseCondition(expression, context({ '#n': 'n' }, VALUES)), item);
}

t.test('truth table', async (t) => {
  const cases: [string, boolean][] = [
    ['s = :hello', true],
    ['s = :x', false],
    ['n = :fivezero', true],
    ['n <> :fivezero', false],
    ['n <> :hello', true],
    ['absent <> :hello', true],
    ['absent = :hello', false],
    ['n = :hello', false],
    ['n < :ten', true],
    ['n <= :five', true],
    ['n > :ten', false],
    ['n >= :five', true],
    [':ten > n', true],
    ['n < :hello', false],
    ['absent < :ten', false],
    ['s > :he', true],
    ['b > :ab', true],
    ['ss = :ssyx', true],
    ['ss < :ssyx', false],
    ['t = :true', true],
    ['z = :null', true],
    ['l[2] = :mapv', true],
    ['m.nest.deep = :seven', true],
    ['m.lst[1] = :twenty', true],
    ['m.lst[5] = :twenty', false],
    ['m.nest[0] = :seven', false],
    ['n BETWEEN :one AND :ten', true],
    ['n BETWEEN :five AND :five', true],
    ['n BETWEEN :one AND :three', false],
    ['s BETWEEN :he AND :x', true],
    ['absent BETWEEN :one AND :ten', false],
    ['n IN (:one, :fivezero)', true],
    ['n IN (:one, :ten)', false],
    ['absent IN (:one)', false],
    ['attribute_exists(s)', true],
    ['attribute_exists(absent)', false],
    ['attribute_exists(m.nest.deep)', true],
    ['attribute_exists(l[3])', false],
    ['attribute_not_exists(absent)', true],
    ['attribute_not_exists(#n)', false],
    ['attribute_type(s, :typeS)', true],
    ['attribute_type(n, :tN)', true],
    ['attribute_type(n, :typeS)', false],
    ['attribute_type(ss, :tSS)', true],
    ['attribute_type(l, :tL)', true],
    ['attribute_type(m, :tM)', true],
    ['attribute_type(z, :tNULL)', true],
    ['attribute_type(t, :tBOOL)', true],
    ['attribute_type(b, :tB)', true],
    ['attribute_type(absent, :typeS)', false],
    ['begins_with(s, :he)', true],
    ['begins_with(s, :ell)', false],
    ['begins_with(b, :ab)', true],
    ['begins_with(b, :bc)', false],
    ['begins_with(s, :ab)', false],
    ['begins_with(absent, :he)', false],
    ['contains(s, :ell)', true],
    ['contains(s, :q)', false],
    ['contains(b, :bc)', true],
    ['contains(ss, :x)', true],
    ['contains(ss, :q)', false],
    ['contains(ns, :two5)', true],
    ['contains(ns, :three)', false],
    ['contains(bs, :p)', true],
    ['contains(l, :x)', true],
    ['contains(l, :one)', true],
    ['contains(l, :mapv)', true],
    ['contains(l, :q)', false],
    ['contains(n, :five)', false],
    ['contains(absent, :x)', false],
    ['size(s) = :five', true],
    ['size(blank) < :one', true],
    ['size(b) = :three', true],
    ['size(ss) > :one', true],
    ['size(ns) = :one', false],
    ['size(l) = :three', true],
    ['size(m) < :three', true],
    ['size(n) = :one', false],
    ['size(absent) = :one', false],
    ['size(absent) <> :one', true],
    ['NOT s = :x', true],
    ['s = :x OR n = :five', true],
    ['s = :x AND n = :five', false],
    ['NOT (s = :x OR n = :ten)', true],
  ];
  for (const [expression, expected] of cases) t.equal(check(expression, ITEM), expected, expression);
});

t.test('no item: attributes are all absent', async (t) => {
  t.equal(check('attribute_not_exists(s)', undefined), true);
  t.equal(check('attribute_exists(s)', undefined), false);
  t.equal(check('s <> :x', undefined), true);
  t.equal(check('s = :x', undefined), false);
});

t.test('size counts characters, not UTF-16 units', async (t) => {
  t.equal(check('size(s) = :one', { s: S('\u{1F600}') }), true);
});
