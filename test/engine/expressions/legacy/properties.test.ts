/**
 * Properties: every legacy operator agrees with its expression equivalent on
 * random items, and AttributeUpdates agree with the update expression that
 * does the same thing (up to the legacy wording of type errors).
 */
import t from 'tap';
import fc from 'fast-check';
import { compareValues } from '../../../../engine/attributes/compare.js';
import { ValidationError } from '../../../../engine/errors.js';
import { applyUpdate, evaluateCondition, ExpressionContext, parseCondition, parseUpdate, UPDATE_MESSAGES } from '../../../../engine/expressions/index.js';
import {
  attributeUpdatesToUpdate,
  expectedToCondition,
  filterToCondition,
  type AttributeValueUpdate,
  type ComparisonOperator,
} from '../../../../engine/expressions/legacy/index.js';
import type { AttributeValue, Item } from '../../../../engine/types.js';
import * as arb from '../arbitraries.js';

const RUNS = 500;
const NAMES = ['a', 'b', 'c', 'p'] as const;

/** Each operator's expression text over `#k` and `:v0`, `:v1`, ... */
const EXPRESSIONS: Record<ComparisonOperator, (valueCount: number) => string> = {
  EQ: () => '#k = :v0',
  NE: () => '#k <> :v0',
  LE: () => '#k <= :v0',
  LT: () => '#k < :v0',
  GE: () => '#k >= :v0',
  GT: () => '#k > :v0',
  BETWEEN: () => '#k BETWEEN :v0 AND :v1',
  IN: (count) => `#k IN (${Array.from({ length: count }, (_, i) => `:v${i}`).join(', ')})`,
  BEGINS_WITH: () => 'begins_with(#k, :v0)',
  CONTAINS: () => 'contains(#k, :v0)',
  NOT_CONTAINS: () => 'NOT contains(#k, :v0)',
  NOT_NULL: () => 'attribute_exists(#k)',
  NULL: () => 'attribute_not_exists(#k)',
};

// Small domains, so that random values often equal, order and prefix each other.
const string = fc.string({ unit: fc.constantFrom('a', 'b', 'é'), maxLength: 3 }).map((S): AttributeValue => ({ S }));
const number = fc.integer({ min: -5, max: 5 }).map((n): AttributeValue => ({ N: String(n) }));
const binary = fc.uint8Array({ max: 2, maxLength: 3 }).map((bytes): AttributeValue => ({ B: Buffer.from(bytes).toString('base64') }));
const scalarOf = (types: readonly ('S' | 'N' | 'B')[]) => fc.constantFrom(...types).chain((type) => (type === 'S' ? string : type === 'N' ? number : binary));

/** A legacy condition with values its operator accepts (types, count, same type, ordered bounds). */
const legacyCondition: fc.Arbitrary<{ operator: ComparisonOperator; values: AttributeValue[] }> = fc.oneof(
  fc.record({ operator: fc.constantFrom<ComparisonOperator>('EQ', 'NE'), values: arb.attributeValue.map((v) => [v]) }),
  fc.record({ operator: fc.constantFrom<ComparisonOperator>('LE', 'LT', 'GE', 'GT', 'CONTAINS', 'NOT_CONTAINS'), values: scalarOf(['S', 'N', 'B']).map((v) => [v]) }),
  fc.record({ operator: fc.constant<ComparisonOperator>('BEGINS_WITH'), values: scalarOf(['S', 'B']).map((v) => [v]) }),
  fc.record({ operator: fc.constantFrom<ComparisonOperator>('NOT_NULL', 'NULL'), values: fc.constant<AttributeValue[]>([]) }),
  fc.record({
    operator: fc.constant<ComparisonOperator>('IN'),
    values: fc.constantFrom(string, number, binary).chain((values) => fc.array(values, { minLength: 1, maxLength: 4 })),
  }),
  fc.record({
    operator: fc.constant<ComparisonOperator>('BETWEEN'),
    values: fc
      .constantFrom(string, number, binary)
      .chain((values) => fc.tuple(values, values))
      .map((pair) => pair.sort((x, y) => compareValues(x, y) ?? 0)),
  }),
);

/**
 * A random item whose attribute `name` is often one of the condition's own
 * values (so equalities, bounds, members and prefixes hit), often a small
 * scalar, sometimes anything, sometimes absent.
 */
const itemFor = (name: string, values: readonly AttributeValue[]): fc.Arbitrary<Item> => {
  const own = fc.oneof(
    ...(values.length > 0 ? [fc.constantFrom(...values)] : []),
    scalarOf(['S', 'N', 'B']),
    arb.attributeValue,
  );
  return fc.tuple(arb.item, fc.option(own, { freq: 5 })).map(([item, value]) => {
    const { [name]: _dropped, ...rest } = item;
    return value === null ? rest : { ...rest, [name]: value };
  });
};

function expressionFor(name: string, operator: ComparisonOperator, values: readonly AttributeValue[]) {
  const valueMap = Object.fromEntries(values.map((v, i) => [`:v${i}`, v]));
  const context = new ExpressionContext({ '#k': name }, values.length > 0 ? valueMap : undefined);
  return parseCondition(EXPRESSIONS[operator](values.length), context, 'FilterExpression');
}

t.test('property: each legacy operator agrees with its expression (filters and Expected)', async (t) => {
  let hits = 0;
  fc.assert(
    fc.property(
      fc
        .tuple(fc.constantFrom(...NAMES), legacyCondition)
        .chain(([name, condition]) => fc.tuple(fc.constant(name), fc.constant(condition), itemFor(name, condition.values))),
      ([name, { operator, values: list }, item]) => {
      const expected = evaluateCondition(expressionFor(name, operator, list), item);
      const filter = filterToCondition({ [name]: { ComparisonOperator: operator, AttributeValueList: list } })!;
      const legacyExpected = expectedToCondition({ [name]: { ComparisonOperator: operator, AttributeValueList: list } })!;
      if (expected) hits++;
      return evaluateCondition(filter, item) === expected && evaluateCondition(legacyExpected, item) === expected;
      },
    ),
    { numRuns: RUNS },
  );
  t.ok(hits > RUNS / 4, `the generators reach true outcomes too (${hits} of ${RUNS})`);
});

t.test('property: Expected Value / Exists agree with `=`, attribute_exists and attribute_not_exists', async (t) => {
  fc.assert(
    fc.property(arb.item, fc.constantFrom(...NAMES), arb.attributeValue, fc.boolean(), (item, name, value, useItem) => {
      const compared = useItem && item[name] !== undefined ? item[name] : value;
      const equal = evaluateCondition(expectedToCondition({ [name]: { Value: compared } })!, item);
      const absent = evaluateCondition(expectedToCondition({ [name]: { Exists: false } })!, item);
      return (
        equal === evaluateCondition(expressionFor(name, 'EQ', [compared]), item) &&
        evaluateCondition(expectedToCondition({ [name]: { Exists: true, Value: compared } })!, item) === equal &&
        absent === evaluateCondition(expressionFor(name, 'NULL', []), item) &&
        absent === !evaluateCondition(expressionFor(name, 'NOT_NULL', []), item)
      );
    }),
    { numRuns: RUNS },
  );
  t.pass('Value / Exists forms agree');
});

/** An AttributeValueUpdate and the update expression that does the same. */
const legacyUpdate: fc.Arbitrary<{ update: AttributeValueUpdate; expression: string }> = fc.oneof(
  arb.attributeValue.map((value) => ({ update: { Action: 'PUT' as const, Value: value }, expression: 'SET #k = :v' })),
  fc.constant({ update: { Action: 'DELETE' as const }, expression: 'REMOVE #k' }),
  fc.oneof(number, arb.setValue).map((value) => ({ update: { Action: 'ADD' as const, Value: value }, expression: 'ADD #k :v' })),
  arb.setValue.map((value) => ({ update: { Action: 'DELETE' as const, Value: value }, expression: 'DELETE #k :v' })),
);

type Outcome = { item: Item } | { error: string };

function outcome(run: () => Item): Outcome {
  try {
    return { item: run() };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { error: error.message };
  }
}

t.test('property: AttributeUpdates agree with SET / REMOVE / ADD / DELETE expressions', async (t) => {
  let failures = 0;
  fc.assert(
    fc.property(arb.item, fc.constantFrom(...NAMES), legacyUpdate, ({ ...item }, name, { update, expression }) => {
      const context = new ExpressionContext({ '#k': name }, update.Value === undefined ? undefined : { ':v': update.Value });
      const viaExpression = outcome(() => applyUpdate(parseUpdate(expression, context), item));
      const viaLegacy = outcome(() => applyUpdate(attributeUpdatesToUpdate({ [name]: update }), item));
      if ('error' in viaExpression) {
        failures++;
        return 'error' in viaLegacy && viaExpression.error === UPDATE_MESSAGES.wrongType && viaLegacy.error === UPDATE_MESSAGES.legacyTypeMismatch;
      }
      return 'item' in viaLegacy && JSON.stringify(viaLegacy.item) === JSON.stringify(viaExpression.item);
    }),
    { numRuns: RUNS },
  );
  t.ok(failures < RUNS, 'most updates apply');
});
