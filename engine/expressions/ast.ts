/**
 * The typed syntax trees of DynamoDB expressions. Names and values are
 * already resolved (no `#n` / `:v` placeholders remain), so evaluation needs
 * nothing but the tree and the item.
 */
import type { AttributeValue } from '../types.js';

/** One step of a document path: a map key or a list index. */
export type PathElement = { readonly kind: 'key'; readonly name: string } | { readonly kind: 'index'; readonly index: number };

/** `a.b[2].c`: always starts with a key (a top-level attribute name). */
export interface DocumentPath {
  readonly kind: 'path';
  readonly elements: readonly PathElement[];
}

export interface ValueOperand {
  readonly kind: 'value';
  readonly value: AttributeValue;
}

/** `size(operand)`: the only function that yields a value in conditions. */
export interface SizeOperand {
  readonly kind: 'size';
  readonly operand: Operand;
}

export type Operand = DocumentPath | ValueOperand | SizeOperand;

export type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type ConditionAst =
  | { readonly kind: 'comparison'; readonly comparator: Comparator; readonly left: Operand; readonly right: Operand }
  | { readonly kind: 'between'; readonly operand: Operand; readonly lower: Operand; readonly upper: Operand }
  | { readonly kind: 'in'; readonly operand: Operand; readonly candidates: readonly Operand[] }
  | { readonly kind: 'attribute_exists'; readonly path: DocumentPath }
  | { readonly kind: 'attribute_not_exists'; readonly path: DocumentPath }
  | { readonly kind: 'attribute_type'; readonly operand: Operand; readonly type: Operand }
  | { readonly kind: 'begins_with'; readonly operand: Operand; readonly prefix: Operand }
  | { readonly kind: 'contains'; readonly operand: Operand; readonly member: Operand }
  | { readonly kind: 'and'; readonly left: ConditionAst; readonly right: ConditionAst }
  | { readonly kind: 'or'; readonly left: ConditionAst; readonly right: ConditionAst }
  | { readonly kind: 'not'; readonly condition: ConditionAst };

/** Operands of SET values: paths, values and the two update functions. */
export type UpdateOperand =
  | DocumentPath
  | ValueOperand
  | { readonly kind: 'if_not_exists'; readonly path: DocumentPath; readonly fallback: UpdateOperand }
  | { readonly kind: 'list_append'; readonly first: UpdateOperand; readonly second: UpdateOperand };

export type SetValue =
  | UpdateOperand
  | { readonly kind: 'plus'; readonly left: UpdateOperand; readonly right: UpdateOperand }
  | { readonly kind: 'minus'; readonly left: UpdateOperand; readonly right: UpdateOperand };

export interface SetAction {
  readonly path: DocumentPath;
  readonly value: SetValue;
}

export interface ValueAction {
  readonly path: DocumentPath;
  readonly value: AttributeValue;
}

/** An update expression: each clause at most once, actions in written order. */
export interface UpdateAst {
  readonly kind: 'update';
  readonly set: readonly SetAction[];
  readonly remove: readonly DocumentPath[];
  readonly add: readonly ValueAction[];
  readonly delete: readonly ValueAction[];
  /**
   * Set only for legacy AttributeUpdates (engine/expressions/legacy): their
   * ADD also appends a list to a list, and their ADD/DELETE type errors read
   * "Type mismatch for attribute to update". The expression parser never
   * sets it (and refuses ADD with a list operand), so expressions keep their
   * own semantics and message.
   */
  readonly legacy?: boolean;
}

/** A projection expression: the paths to keep. */
export type ProjectionAst = readonly DocumentPath[];

export type SortKeyComparator = '=' | '<' | '<=' | '>' | '>=';

/** One condition of a KeyConditionExpression, on one top-level attribute. */
export type KeyConditionTerm =
  | { readonly kind: 'comparison'; readonly name: string; readonly comparator: SortKeyComparator; readonly value: AttributeValue }
  | { readonly kind: 'between'; readonly name: string; readonly lower: AttributeValue; readonly upper: AttributeValue }
  | { readonly kind: 'begins_with'; readonly name: string; readonly prefix: AttributeValue };

/** A KeyConditionExpression: one or two terms joined by AND, each on a different attribute. */
export interface KeyConditionAst {
  readonly kind: 'key-condition';
  readonly terms: readonly KeyConditionTerm[];
}

export function path(...elements: ReadonlyArray<string | number>): DocumentPath {
  return {
    kind: 'path',
    elements: elements.map((e) => (typeof e === 'number' ? { kind: 'index', index: e } : { kind: 'key', name: e })),
  };
}
