import t from 'tap';
import { applyUpdate, parseUpdate } from '../../../engine/expressions/index.js';
import type { AttributeValue, Item } from '../../../engine/types.js';
import { context, N, S, throwsValidation } from './helpers.js';

const VALUES: Record<string, AttributeValue> = {
  ':s': S('x'),
  ':n': N('5'),
  ':m': N('1.50'),
  ':neg': N('-2'),
  ':l': { L: [S('q')] },
  ':ss': { SS: ['b', 'c'] },
  ':ssAll': { SS: ['a', 'b'] },
  ':ns': { NS: ['1.0', '3'] },
  ':bs': { BS: ['AQ=='] },
  ':map': { M: { k: S('v') } },
  ':huge': N('99999999999999999999999999999999999999'),
};

function update(expression: string, item: Item): Item {
  return applyUpdate(parseUpdate(expression, context({ '#a': 'a' }, VALUES)), item);
}

const BASE: Item = {
  id: S('1'),
  a: N('10'),
  l: { L: [S('l0'), S('l1'), S('l2')] },
  m: { M: { x: S('mx'), nested: { M: {} } } },
  ss: { SS: ['a', 'b'] },
  ns: { NS: ['1', '2'] },
  bs: { BS: ['AQ==', 'Ag=='] },
  str: S('text'),
};

t.test('SET', async (t) => {
  t.same(update('SET b = :s', BASE).b, S('x'), 'new attribute');
  t.same(update('SET a = :s', BASE).a, S('x'), 'overwrite, any type');
  t.same(update('SET a = a + :n', BASE).a, N('15'), 'plus');
  t.same(update('SET a = a - :m', BASE).a, N('8.5'), 'minus, exact decimals');
  t.same(update('SET a = :m', BASE).a, N('1.5'), 'numbers are stored canonical');
  t.same(update('SET b = a', BASE).b, N('10'), 'copy');
  t.same(update('SET a = b, b = a', { a: S('A'), b: S('B') }), { a: S('B'), b: S('A') }, 'operands read the item before the update');
  t.same(update('SET b = if_not_exists(b, :n)', BASE).b, N('5'), 'if_not_exists: absent');
  t.same(update('SET a = if_not_exists(a, :n)', BASE).a, N('10'), 'if_not_exists: present');
  t.same(update('SET l = list_append(l, :l)', BASE).l, { L: [S('l0'), S('l1'), S('l2'), S('q')] }, 'list_append');
  t.same(update('SET l = list_append(:l, l)', BASE).l, { L: [S('q'), S('l0'), S('l1'), S('l2')] }, 'list_append, prepend');
  t.same(update('SET nl = list_append(if_not_exists(nl, :l), :l)', BASE).nl, { L: [S('q'), S('q')] });
  t.same(update('SET m.y = :s', BASE).m, { M: { x: S('mx'), nested: { M: {} }, y: S('x') } }, 'new map key');
  t.same(update('SET m.nested.deep = :n', BASE).m, { M: { x: S('mx'), nested: { M: { deep: N('5') } } } });
  t.same(update('SET l[1] = :s', BASE).l, { L: [S('l0'), S('x'), S('l2')] }, 'replace list element');
  t.same(update('SET l[10] = :s', BASE).l, { L: [S('l0'), S('l1'), S('l2'), S('x')] }, 'index past the end appends');
  t.same(update('SET l[9] = :n, l[7] = :s', BASE).l, { L: [S('l0'), S('l1'), S('l2'), S('x'), N('5')] }, 'appends in index order');
  t.same(update('SET #a = :map', BASE).a, { M: { k: S('v') } });
});

t.test('REMOVE', async (t) => {
  const removed = update('REMOVE a, absent, m.x', BASE);
  t.notOk('a' in removed, 'top-level');
  t.same(removed.m, { M: { nested: { M: {} } } }, 'map key');
  t.same(update('REMOVE l[1]', BASE).l, { L: [S('l0'), S('l2')] }, 'list element');
  t.same(update('REMOVE l[0], l[1]', BASE).l, { L: [S('l2')] }, 'indexes name the original elements');
  t.same(update('REMOVE l[5]', BASE).l, BASE.l, 'index past the end: nothing');
  t.same(update('REMOVE l[0] SET l[1] = :s', BASE).l, { L: [S('x'), S('l2')] }, 'SET and REMOVE on one list use original indexes');
});

t.test('ADD', async (t) => {
  t.same(update('ADD a :n', BASE).a, N('15'), 'number');
  t.same(update('ADD a :neg', BASE).a, N('8'), 'negative number');
  t.same(update('ADD b :n', BASE).b, N('5'), 'absent number starts from zero');
  t.same(update('ADD ss :ss', BASE).ss, { SS: ['a', 'b', 'c'] }, 'set union');
  t.same(update('ADD ns :ns', BASE).ns, { NS: ['1', '2', '3'] }, 'number set union by value');
  t.same(update('ADD bs :bs', BASE).bs, BASE.bs, 'binary set union');
  t.same(update('ADD nss :ss', BASE).nss, { SS: ['b', 'c'] }, 'absent set is created');
  t.same(update('ADD m.nested.c :n', BASE).m, { M: { x: S('mx'), nested: { M: { c: N('5') } } } }, 'nested');
});

t.test('DELETE', async (t) => {
  t.same(update('DELETE ss :ss', BASE).ss, { SS: ['a'] }, 'set difference');
  t.same(update('DELETE ns :ns', BASE).ns, { NS: ['2'] }, 'number set difference by value');
  t.same(update('DELETE bs :bs', BASE).bs, { BS: ['Ag=='] });
  t.notOk('ss' in update('DELETE ss :ssAll', BASE), 'removing every element removes the attribute');
  t.notOk('absent' in update('DELETE absent :ss', BASE), 'absent attribute: nothing');
});

t.test('the input item is never modified', async (t) => {
  const before = structuredClone(BASE);
  update('SET m.y = :s, l[0] = :s REMOVE ss ADD ns :ns, a :n DELETE bs :bs', BASE);
  t.same(BASE, before);
});

t.test('errors', async (t) => {
  const MISSING = 'The provided expression refers to an attribute that does not exist in the item';
  const WRONG_TYPE = 'An operand in the update expression has an incorrect data type';
  const BAD_PATH = 'The document path provided in the update expression is invalid for update';
  const cases: [string, string][] = [
    ['SET b = absent', MISSING],
    ['SET b = absent + :n', MISSING],
    ['SET b = list_append(absent, :l)', MISSING],
    ['SET b = str + :n', WRONG_TYPE],
    ['SET b = :n - str', WRONG_TYPE],
    ['SET b = list_append(str, :l)', WRONG_TYPE],
    ['ADD str :n', WRONG_TYPE],
    ['ADD ss :ns', WRONG_TYPE],
    ['ADD a :ss', WRONG_TYPE],
    ['DELETE ss :ns', WRONG_TYPE],
    ['DELETE str :ss', WRONG_TYPE],
    ['SET absent.x = :s', BAD_PATH],
    ['SET str.x = :s', BAD_PATH],
    ['SET m[0] = :s', BAD_PATH],
    ['SET l.x = :s', BAD_PATH],
    ['SET l[7].x = :s', BAD_PATH],
    ['REMOVE absent.x', BAD_PATH],
    ['ADD absent.x :n', BAD_PATH],
    ['SET a = :huge + :huge', 'Attempting to store more than 38 significant digits in a Number'],
  ];
  for (const [expression, message] of cases) throwsValidation(t, () => update(expression, BASE), message, expression);
});
