import t from 'tap';
import fc from 'fast-check';
import { ValidationError } from '../../../engine/errors.js';
import {
  applyUpdate,
  evaluateCondition,
  ExpressionContext,
  parseCondition,
  parseKeyCondition,
  parseProjection,
  parseUpdate,
  printCondition,
  printProjection,
  printUpdate,
  projectItem,
  type PrintedExpression,
} from '../../../engine/expressions/index.js';
import * as arb from './arbitraries.js';

const RUNS = 200;

function contextFor(printed: PrintedExpression): ExpressionContext {
  const names = Object.keys(printed.names).length > 0 ? printed.names : undefined;
  const values = Object.keys(printed.values).length > 0 ? printed.values : undefined;
  return new ExpressionContext(names, values);
}

t.test('property: parse(print(condition)) is the condition', async (t) => {
  fc.assert(
    fc.property(arb.condition, (ast) => {
      const printed = printCondition(ast);
      const ctx = contextFor(printed);
      t.same(parseCondition(printed.expression, ctx), ast, printed.expression);
      ctx.assertAllUsed();
    }),
    { numRuns: RUNS },
  );
});

t.test('property: parse(print(update)) is the update', async (t) => {
  fc.assert(
    fc.property(arb.update, (ast) => {
      const printed = printUpdate(ast);
      const ctx = contextFor(printed);
      t.same(parseUpdate(printed.expression, ctx), ast, printed.expression);
      ctx.assertAllUsed();
    }),
    { numRuns: RUNS },
  );
});

t.test('property: parse(print(projection)) is the projection', async (t) => {
  fc.assert(
    fc.property(arb.projection, (ast) => {
      const printed = printProjection(ast);
      t.same(parseProjection(printed.expression, contextFor(printed)), ast, printed.expression);
    }),
    { numRuns: RUNS },
  );
});

const TOKENS = [
  'a', 'b', '#n', ':v', ':w', '(', ')', '[', ']', '1', '.', ',', '=', '<>', '<', '<=', '>', '>=', '+', '-',
  ' AND ', ' OR ', 'NOT ', ' BETWEEN ', ' IN ', 'SET ', 'REMOVE ', 'ADD ', 'DELETE ', 'size', 'contains',
  'begins_with', 'attribute_exists', 'attribute_type', 'if_not_exists', 'list_append', 'status', ' ', '|', '_x', '#',
];
const garbage = fc.oneof(fc.string({ maxLength: 40 }), fc.array(fc.constantFrom(...TOKENS), { maxLength: 14 }).map((ts) => ts.join('')));

function onlyValidationErrors(fn: () => unknown): boolean {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
  }
  return true;
}

t.test('property: any text fails, if it fails, with a ValidationError', async (t) => {
  const newContext = () => new ExpressionContext({ '#n': 'n' }, { ':v': { S: 'x' }, ':w': { N: '1' } });
  fc.assert(
    fc.property(garbage, (text) =>
      [
        () => parseCondition(text, newContext()),
        () => parseUpdate(text, newContext()),
        () => parseProjection(text, newContext()),
        () => parseKeyCondition(text, newContext()),
      ].every(onlyValidationErrors),
    ),
    { numRuns: 500 },
  );
  t.pass('500 random texts, four parsers each');
});

t.test('property: evaluation is total and NOT negates', async (t) => {
  fc.assert(
    fc.property(arb.condition, fc.option(arb.item, { nil: undefined }), (ast, item) => {
      const result = evaluateCondition(ast, item);
      return typeof result === 'boolean' && evaluateCondition({ kind: 'not', condition: ast }, item) === !result;
    }),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} random conditions on random items`);
});

t.test('property: updates fail only with ValidationError and never modify their input', async (t) => {
  fc.assert(
    fc.property(arb.update, arb.item, (ast, item) => {
      const before = structuredClone(item);
      onlyValidationErrors(() => applyUpdate(ast, item));
      t.same(item, before);
    }),
    { numRuns: RUNS },
  );
});

t.test('property: a projection of the whole top level is the item', async (t) => {
  fc.assert(
    fc.property(arb.item, (item) => {
      const paths = Object.keys(item).map((name) => ({ kind: 'path' as const, elements: [{ kind: 'key' as const, name }] }));
      t.same(projectItem(item, paths), item);
    }),
    { numRuns: RUNS },
  );
});
