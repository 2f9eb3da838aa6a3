import t from 'tap';
import { attributeValueProblem } from '../../../../engine/attributes/validate.js';
import { applyUpdate, parseUpdate, updatedPaths, updateTargets, UPDATE_MESSAGES } from '../../../../engine/expressions/index.js';
import { attributeUpdatesToUpdate, type AttributeUpdatesMap } from '../../../../engine/expressions/legacy/index.js';
import { context, throwsValidation } from '../helpers.js';
import { ITEM, N, S, type AttributeValue, type Item } from './fixtures.js';

const apply = (updates: AttributeUpdatesMap, item: Item = ITEM): Item => applyUpdate(attributeUpdatesToUpdate(updates), item);
const MISMATCH = 'Type mismatch for attribute to update';

type Case = readonly [label: string, updates: AttributeUpdatesMap, attribute: string, expected: AttributeValue | undefined];

const CASES: readonly Case[] = [
  ['PUT replaces', { n: { Action: 'PUT', Value: S('x') } }, 'n', S('x')],
  ['Action defaults to PUT', { n: { Value: { L: [] } } }, 'n', { L: [] }],
  ['PUT creates', { fresh: { Action: 'PUT', Value: N('1') } }, 'fresh', N('1')],
  ['ADD sums numbers', { n: { Action: 'ADD', Value: N('2.5') } }, 'n', N('7.5')],
  ['ADD a number to nothing', { fresh: { Action: 'ADD', Value: N('-3') } }, 'fresh', N('-3')],
  ['ADD unites string sets', { ss: { Action: 'ADD', Value: { SS: ['y', 'z'] } } }, 'ss', { SS: ['x', 'y', 'z'] }],
  ['ADD unites number sets numerically', { ns: { Action: 'ADD', Value: { NS: ['2.0', '3'] } } }, 'ns', { NS: ['1', '2', '3'] }],
  ['ADD a set to nothing', { fresh: { Action: 'ADD', Value: { SS: ['a'] } } }, 'fresh', { SS: ['a'] }],
  ['ADD appends a list to a list', { l: { Action: 'ADD', Value: { L: [S('x'), { M: {} }] } } }, 'l', { L: [S('x'), N('1'), S('x'), { M: {} }] }],
  ['ADD a list to nothing', { fresh: { Action: 'ADD', Value: { L: [N('1')] } } }, 'fresh', { L: [N('1')] }],
  ['DELETE without a value removes', { s: { Action: 'DELETE' } }, 's', undefined],
  ['DELETE without a value on nothing', { fresh: { Action: 'DELETE' } }, 'fresh', undefined],
  ['DELETE takes values out of a set', { ss: { Action: 'DELETE', Value: { SS: ['y', 'z'] } } }, 'ss', { SS: ['x'] }],
  ['DELETE compares numbers numerically', { ns: { Action: 'DELETE', Value: { NS: ['1.00'] } } }, 'ns', { NS: ['2'] }],
  ['DELETE of every member removes the set', { ss: { Action: 'DELETE', Value: { SS: ['x', 'y'] } } }, 'ss', undefined],
  ['DELETE from nothing', { fresh: { Action: 'DELETE', Value: { SS: ['x'] } } }, 'fresh', undefined],
];

t.test('each action against present and missing attributes', async (t) => {
  for (const [label, updates, attribute, expected] of CASES) {
    const result = apply(updates);
    t.same(result[attribute], expected, label);
    t.equal(attribute in result, expected !== undefined, `${label}: presence`);
    const others = Object.keys(ITEM).filter((name) => name !== attribute);
    t.same(Object.fromEntries(others.map((k) => [k, result[k]])), Object.fromEntries(others.map((k) => [k, ITEM[k]])), `${label}: nothing else changes`);
  }
});

t.test('several attributes in one request; the input item is not modified', async (t) => {
  const before = structuredClone(ITEM);
  const result = apply({ n: { Action: 'ADD', Value: N('1') }, s: { Action: 'DELETE' }, fresh: { Value: S('new') } });
  t.same(result.n, N('6'));
  t.notOk('s' in result);
  t.same(result.fresh, S('new'));
  t.same(ITEM, before);
});

t.test('ADD and DELETE on the wrong type: the legacy message', async (t) => {
  const mismatches: AttributeUpdatesMap[] = [
    { s: { Action: 'ADD', Value: N('1') } },
    { n: { Action: 'ADD', Value: { SS: ['a'] } } },
    { ss: { Action: 'ADD', Value: { NS: ['1'] } } },
    { ss: { Action: 'ADD', Value: { L: [] } } },
    { l: { Action: 'ADD', Value: N('1') } },
    { s: { Action: 'DELETE', Value: { SS: ['a'] } } },
    { ss: { Action: 'DELETE', Value: { NS: ['1'] } } },
    { l: { Action: 'DELETE', Value: { SS: ['x'] } } },
  ];
  for (const updates of mismatches) throwsValidation(t, () => apply(updates), MISMATCH, JSON.stringify(updates));
});

t.test('the legacy flag leaves update expressions alone', async (t) => {
  const ast = parseUpdate('ADD s :v', context({}, { ':v': N('1') }));
  t.notOk(ast.legacy, 'the parser never marks an update legacy');
  throwsValidation(t, () => applyUpdate(ast, ITEM), UPDATE_MESSAGES.wrongType);
  t.equal(attributeUpdatesToUpdate({ a: { Value: S('x') } }).legacy, true);
});

t.test('updatedPaths / updateTargets name the touched attributes (UPDATED_OLD / UPDATED_NEW, key checks)', async (t) => {
  const ast = attributeUpdatesToUpdate({ a: { Value: S('x') }, 'b.c': { Action: 'DELETE' }, d: { Action: 'ADD', Value: N('1') }, e: { Action: 'DELETE', Value: { SS: ['x'] } } });
  t.same(
    updatedPaths(ast).map((p) => p.elements),
    [[{ kind: 'key', name: 'a' }], [{ kind: 'key', name: 'b.c' }], [{ kind: 'key', name: 'd' }], [{ kind: 'key', name: 'e' }]],
  );
  t.same(
    updateTargets(ast).map((target) => target.name).sort(),
    ['a', 'b.c', 'd', 'e'],
  );
  t.ok(updateTargets(ast).every((target) => !target.nested), 'legacy updates are top-level only');
});

const P = 'One or more parameter values were invalid: ';

t.test('validation messages', async (t) => {
  const required = `${P}Only DELETE action is allowed when no attribute value is specified`;
  throwsValidation(t, () => attributeUpdatesToUpdate({ a: {} }), required, 'no Action, no Value');
  throwsValidation(t, () => attributeUpdatesToUpdate({ a: { Action: 'PUT' } }), required, 'PUT without Value');
  throwsValidation(t, () => attributeUpdatesToUpdate({ a: { Action: 'ADD' } }), required, 'ADD without Value');
  for (const value of [S('a'), N('1'), { B: 'YQ==' }, { L: [] }, { M: {} }, { BOOL: true }, { NULL: true as const }] as AttributeValue[]) {
    const type = Object.keys(value)[0]!;
    throwsValidation(t, () => attributeUpdatesToUpdate({ a: { Action: 'DELETE', Value: value } }), `${P}DELETE action with value is not supported for the type ${type}`);
  }
  for (const value of [S('a'), { B: 'YQ==' }, { M: {} }, { BOOL: true }, { NULL: true as const }] as AttributeValue[]) {
    const type = Object.keys(value)[0]!;
    throwsValidation(t, () => attributeUpdatesToUpdate({ a: { Action: 'ADD', Value: value } }), `${P}ADD action is not supported for the type ${type}`);
  }
  const bad = { NS: ['1', '1.0'] };
  throwsValidation(t, () => attributeUpdatesToUpdate({ a: { Action: 'ADD', Value: bad } }), attributeValueProblem(bad) ?? 'test setup: value must be invalid');
  throwsValidation(t, () => attributeUpdatesToUpdate({ ok: { Value: S('x') }, bad: { Action: 'PUT' } }), required, 'every entry checked');
});
