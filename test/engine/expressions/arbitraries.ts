/** fast-check generators of valid attribute values, items and expression trees. */
import fc from 'fast-check';
import { ATTRIBUTE_TYPES } from '../../../engine/attributes/datatype.js';
import type {
  ConditionAst,
  DocumentPath,
  Operand,
  PathElement,
  SetValue,
  UpdateAst,
  UpdateOperand,
  ValueAction,
} from '../../../engine/expressions/index.js';
import type { AttributeValue, Item } from '../../../engine/types.js';

const numberText = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.tuple(fc.integer({ min: -999, max: 999 }), fc.integer({ min: 0, max: 99 })).map(([i, f]) => `${i}.${f}`),
);
const base64 = fc.uint8Array({ maxLength: 6 }).map((bytes) => Buffer.from(bytes).toString('base64'));

export const scalarValue: fc.Arbitrary<AttributeValue> = fc.oneof(
  fc.string({ maxLength: 6 }).map((S) => ({ S })),
  numberText.map((N) => ({ N })),
  base64.map((B) => ({ B })),
  fc.boolean().map((BOOL) => ({ BOOL })),
  fc.constant({ NULL: true as const }),
);

export const numberValue: fc.Arbitrary<AttributeValue> = numberText.map((N) => ({ N }));

export const setValue: fc.Arbitrary<AttributeValue> = fc.oneof(
  fc.uniqueArray(fc.string({ maxLength: 4 }), { minLength: 1, maxLength: 4 }).map((SS) => ({ SS })),
  fc.uniqueArray(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 4 }).map((ns) => ({ NS: ns.map(String) })),
  fc.uniqueArray(base64, { minLength: 1, maxLength: 3 }).map((BS) => ({ BS })),
);

export const attributeValue: fc.Arbitrary<AttributeValue> = fc.letrec<{ value: AttributeValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarValue,
    setValue,
    fc.array(tie('value'), { maxLength: 3 }).map((L) => ({ L })),
    fc.dictionary(fc.constantFrom('a', 'b', 'p', 'q'), tie('value'), { maxKeys: 3 }).map((M) => ({ M })),
  ),
})).value;

export const listValue: fc.Arbitrary<AttributeValue> = fc.array(scalarValue, { maxLength: 3 }).map((L) => ({ L }));

/** Items over a small set of names, so that paths in random expressions often hit. */
export const item: fc.Arbitrary<Item> = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'p', 'q', 'r'), attributeValue, { maxKeys: 5 });

// Paths: two disjoint pools of top-level names, so a comparison of a path
// from one with a path from the other is never the (refused) same-path form.
const LEFT_NAMES = ['a', 'b', 'c', 'odd name', 'x.y'];
const RIGHT_NAMES = ['p', 'q', 'r'];

function pathFrom(names: readonly string[]): fc.Arbitrary<DocumentPath> {
  const element: fc.Arbitrary<PathElement> = fc.oneof(
    fc.constantFrom(...names).map((name) => ({ kind: 'key' as const, name })),
    fc.nat(5).map((index) => ({ kind: 'index' as const, index })),
  );
  return fc
    .tuple(fc.constantFrom(...names), fc.array(element, { maxLength: 3 }))
    .map(([head, rest]) => ({ kind: 'path', elements: [{ kind: 'key', name: head }, ...rest] }));
}

export const leftPath = pathFrom(LEFT_NAMES);
const rightPath = pathFrom(RIGHT_NAMES);
const value = (arb: fc.Arbitrary<AttributeValue>): fc.Arbitrary<Operand> => arb.map((v) => ({ kind: 'value' as const, value: v }));
const leftOperand: fc.Arbitrary<Operand> = fc.oneof(leftPath, leftPath.map((p) => ({ kind: 'size' as const, operand: p })));
const rightOperand: fc.Arbitrary<Operand> = fc.oneof(rightPath, value(scalarValue), rightPath.map((p) => ({ kind: 'size' as const, operand: p })));
const stringValue = value(fc.string({ maxLength: 4 }).map((S) => ({ S })));

const predicate: fc.Arbitrary<ConditionAst> = fc.oneof(
  fc
    .tuple(fc.constantFrom('=', '<>', '<', '<=', '>', '>=' as const), leftOperand, rightOperand)
    .map(([comparator, left, right]) => ({ kind: 'comparison' as const, comparator, left, right })),
  fc
    .tuple(leftOperand, fc.integer({ min: -99, max: 99 }), fc.integer({ min: -99, max: 99 }))
    .map(([operand, x, y]) => ({
      kind: 'between' as const,
      operand,
      lower: { kind: 'value' as const, value: { N: String(Math.min(x, y)) } },
      upper: { kind: 'value' as const, value: { N: String(Math.max(x, y)) } },
    })),
  fc.tuple(leftOperand, fc.array(rightOperand, { minLength: 1, maxLength: 4 })).map(([operand, candidates]) => ({ kind: 'in' as const, operand, candidates })),
  leftPath.map((path) => ({ kind: 'attribute_exists' as const, path })),
  leftPath.map((path) => ({ kind: 'attribute_not_exists' as const, path })),
  fc
    .tuple(leftPath, fc.constantFrom(...ATTRIBUTE_TYPES))
    .map(([operand, type]) => ({ kind: 'attribute_type' as const, operand, type: { kind: 'value' as const, value: { S: type } } })),
  fc.tuple(leftPath, fc.oneof(stringValue, rightPath)).map(([operand, prefix]) => ({ kind: 'begins_with' as const, operand, prefix })),
  fc.tuple(leftPath, fc.oneof(rightPath, value(scalarValue))).map(([operand, member]) => ({ kind: 'contains' as const, operand, member })),
);

export const condition: fc.Arbitrary<ConditionAst> = fc.letrec<{ condition: ConditionAst }>((tie) => ({
  condition: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    predicate,
    fc.tuple(tie('condition'), tie('condition')).map(([left, right]) => ({ kind: 'and' as const, left, right })),
    fc.tuple(tie('condition'), tie('condition')).map(([left, right]) => ({ kind: 'or' as const, left, right })),
    tie('condition').map((c) => ({ kind: 'not' as const, condition: c })),
  ),
})).condition;

// Updates: each action gets its own top-level name, so no two paths overlap.
const anyPath = fc.oneof(leftPath, rightPath);
const updateOperand: fc.Arbitrary<UpdateOperand> = fc.letrec<{ operand: UpdateOperand }>((tie) => ({
  operand: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    anyPath,
    value(attributeValue) as fc.Arbitrary<UpdateOperand>,
    fc.tuple(anyPath, tie('operand')).map(([path, fallback]) => ({ kind: 'if_not_exists' as const, path, fallback })),
    fc
      .tuple(fc.oneof(anyPath, value(listValue)), fc.oneof(anyPath, value(listValue)))
      .map(([first, second]) => ({ kind: 'list_append' as const, first, second }) as UpdateOperand),
  ),
})).operand;
const arithmeticOperand = fc.oneof(anyPath, value(numberValue) as fc.Arbitrary<UpdateOperand>);
const setValueArb: fc.Arbitrary<SetValue> = fc.oneof(
  updateOperand,
  fc.tuple(fc.constantFrom('plus', 'minus' as const), arithmeticOperand, arithmeticOperand).map(([kind, left, right]) => ({ kind, left, right })),
);

function actionPath(name: string): fc.Arbitrary<DocumentPath> {
  return fc
    .array(fc.oneof(fc.constantFrom('a', 'p').map((n) => ({ kind: 'key' as const, name: n })), fc.nat(5).map((index) => ({ kind: 'index' as const, index }))), { maxLength: 2 })
    .map((rest) => ({ kind: 'path', elements: [{ kind: 'key', name }, ...rest] }));
}

export const update: fc.Arbitrary<UpdateAst> = fc
  .uniqueArray(fc.constantFrom('a', 'b', 'c', 'p', 'q', 'r', 's1', 's2', 'odd name'), { minLength: 1, maxLength: 7 })
  .chain((names) =>
    fc.tuple(...names.map((name) => fc.tuple(fc.constantFrom('set', 'remove', 'add', 'delete' as const), actionPath(name)))).chain((actions) =>
      fc
        .tuple(
          ...actions.map(([kind, path]) =>
            kind === 'set'
              ? setValueArb.map((v) => ({ kind, path, value: v }) as const)
              : kind === 'remove'
                ? fc.constant({ kind, path } as const)
                : (kind === 'add' ? fc.oneof(numberValue, setValue) : setValue).map((v) => ({ kind, path, value: v }) as const),
          ),
        )
        .map((list) => ({
          kind: 'update' as const,
          set: list.flatMap((a) => (a.kind === 'set' ? [{ path: a.path, value: a.value }] : [])),
          remove: list.flatMap((a) => (a.kind === 'remove' ? [a.path] : [])),
          add: list.flatMap((a): ValueAction[] => (a.kind === 'add' ? [{ path: a.path, value: a.value }] : [])),
          delete: list.flatMap((a): ValueAction[] => (a.kind === 'delete' ? [{ path: a.path, value: a.value }] : [])),
        })),
    ),
  );

export const projection: fc.Arbitrary<DocumentPath[]> = fc
  .uniqueArray(fc.constantFrom('a', 'b', 'c', 'p', 'q', 'odd name'), { minLength: 1, maxLength: 5 })
  .chain((names) => fc.tuple(...names.map(actionPath)));
