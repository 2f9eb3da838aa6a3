import t from 'tap';
import { parseProjection, projectItem } from '../../../engine/expressions/index.js';
import type { Item } from '../../../engine/types.js';
import { context, N, S, throwsValidation } from './helpers.js';

const ITEM: Item = {
  a: S('A'),
  b: N('1'),
  l: { L: [S('l0'), { M: { x: S('x0'), y: S('y0') } }, S('l2'), S('l3')] },
  m: { M: { p: { M: { q: S('Q'), r: S('R') } }, s: S('S') } },
  'odd name': S('O'),
};

function project(expression: string, names?: Record<string, string>): Item {
  return projectItem(ITEM, parseProjection(expression, context(names)));
}

t.test('projection keeps structure and compacts lists', async (t) => {
  t.same(project('a'), { a: S('A') });
  t.same(project('a, b, absent'), { a: S('A'), b: N('1') }, 'absent paths are left out');
  t.same(project('m.p.q'), { m: { M: { p: { M: { q: S('Q') } } } } }, 'nested maps keep their parents');
  t.same(project('m.p.q, m.s'), { m: { M: { p: { M: { q: S('Q') } }, s: S('S') } } });
  t.same(project('l[2]'), { l: { L: [S('l2')] } }, 'one list element comes back as a one-element list');
  t.same(project('l[3], l[0]'), { l: { L: [S('l0'), S('l3')] } }, 'list elements in index order');
  t.same(project('l[1].y, l[1].x'), { l: { L: [{ M: { y: S('y0'), x: S('x0') } }] } }, 'two paths into one element merge');
  t.same(project('l[9], m.absent'), {}, 'nothing found');
  t.same(project('#o', { '#o': 'odd name' }), { 'odd name': S('O') });
});

t.test('projection errors', async (t) => {
  const INVALID = 'Invalid ProjectionExpression: ';
  throwsValidation(t, () => project(''), `${INVALID}The expression can not be empty;`);
  throwsValidation(t, () => project('a,'), `${INVALID}Syntax error; token: "<EOF>", near: ","`);
  throwsValidation(t, () => project('a b'), `${INVALID}Syntax error; token: "b", near: "a b"`);
  throwsValidation(t, () => project('size(a)'), `${INVALID}Syntax error; token: "(", near: "size(a"`);
  throwsValidation(t, () => project('name'), `${INVALID}Attribute name is a reserved keyword; reserved keyword: name`);
  throwsValidation(t, () => project('#x'), `${INVALID}An expression attribute name used in the document path is not defined; attribute name: #x`);
  throwsValidation(
    t,
    () => project('a, m.p, m.p.q'),
    `${INVALID}Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m, p], path two: [m, p, q]`,
  );
  throwsValidation(
    t,
    () => project('l[0], l.x'),
    `${INVALID}Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [l, [0]], path two: [l, x]`,
  );
});
