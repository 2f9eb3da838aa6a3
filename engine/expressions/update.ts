/**
 * Applies an update expression to an item, purely: the input item is never
 * modified. As in DynamoDB, every SET value is computed from the item as it
 * was before the update, and list indexes name the elements of the original
 * list (removals and appends take effect together at the end).
 */
import { valuesEqual, canonicalize } from '../attributes/compare.js';
import { addNumbers, subtractNumbers } from '../attributes/numbers.js';
import { ValidationError } from '../errors.js';
import type { AttributeValue, Item } from '../types.js';
import type { DocumentPath, PathElement, SetValue, UpdateAst, UpdateOperand } from './ast.js';
import { resolvePath, step, topLevelName } from './paths.js';

export const UPDATE_MESSAGES = {
  missingOperand: 'The provided expression refers to an attribute that does not exist in the item',
  wrongType: 'An operand in the update expression has an incorrect data type',
  invalidPath: 'The document path provided in the update expression is invalid for update',
  /** What legacy AttributeUpdates (UpdateAst.legacy) say instead of wrongType for ADD and DELETE. */
  legacyTypeMismatch: 'Type mismatch for attribute to update',
} as const;

export function applyUpdate(update: UpdateAst, item: Item): Item {
  const legacy = update.legacy === true;
  // Operands first, against the untouched item.
  const setValues = update.set.map((action) => canonicalize(setValue(action.value, item)));
  const root: { M: Record<string, AttributeValue> } = { M: structuredClone(item) };
  const lists = new ListEdits();
  update.set.forEach((action, i) => {
    const { parent, last } = parentOf(root, action.path);
    write(parent, last, setValues[i]!, lists);
  });
  for (const path of update.remove) {
    const { parent, last } = parentOf(root, path);
    if (last.kind === 'key') delete (parent as { M: Record<string, AttributeValue> }).M[last.name];
    else lists.remove(parent as { L: AttributeValue[] }, last.index);
  }
  for (const action of update.add) {
    const { parent, last } = parentOf(root, action.path);
    const existing = step(parent, last);
    write(parent, last, existing === undefined ? canonicalize(action.value) : addTo(existing, action.value, legacy), lists);
  }
  for (const action of update.delete) {
    const { parent, last } = parentOf(root, action.path);
    const existing = step(parent, last);
    if (existing === undefined) continue;
    const remaining = deleteFrom(existing, action.value, legacy);
    if (remaining !== undefined) write(parent, last, remaining, lists);
    else if (last.kind === 'key') delete (parent as { M: Record<string, AttributeValue> }).M[last.name];
    else lists.remove(parent as { L: AttributeValue[] }, last.index);
  }
  lists.apply();
  return root.M;
}

/** Every path an update writes or removes, for UPDATED_OLD / UPDATED_NEW. */
export function updatedPaths(update: UpdateAst): DocumentPath[] {
  return [...update.set.map((a) => a.path), ...update.remove, ...update.add.map((a) => a.path), ...update.delete.map((a) => a.path)];
}

/** The top-level attributes an update touches, and whether only through a nested path (for key checks). */
export function updateTargets(update: UpdateAst): { name: string; nested: boolean }[] {
  return updatedPaths(update).map((path) => ({ name: topLevelName(path), nested: path.elements.length > 1 }));
}

// ---- operands ----

function setValue(value: SetValue, item: Item): AttributeValue {
  switch (value.kind) {
    case 'plus':
    case 'minus': {
      const left = numberOperand(operandValue(value.left, item));
      const right = numberOperand(operandValue(value.right, item));
      return { N: value.kind === 'plus' ? addNumbers(left, right) : subtractNumbers(left, right) };
    }
    default:
      return operandValue(value, item);
  }
}

function operandValue(operand: UpdateOperand, item: Item): AttributeValue {
  switch (operand.kind) {
    case 'value':
      return operand.value;
    case 'path': {
      const value = resolvePath(item, operand);
      if (value === undefined) throw new ValidationError(UPDATE_MESSAGES.missingOperand);
      return value;
    }
    case 'if_not_exists':
      return resolvePath(item, operand.path) ?? operandValue(operand.fallback, item);
    case 'list_append': {
      const first = operandValue(operand.first, item);
      const second = operandValue(operand.second, item);
      if (!('L' in first) || !('L' in second)) throw new ValidationError(UPDATE_MESSAGES.wrongType);
      return { L: [...first.L, ...second.L] };
    }
  }
}

function numberOperand(value: AttributeValue): string {
  if (!('N' in value)) throw new ValidationError(UPDATE_MESSAGES.wrongType);
  return value.N;
}

/** ADD: numbers sum, sets unite, legacy lists append; anything else is a type error. */
function addTo(existing: AttributeValue, value: AttributeValue, legacy: boolean): AttributeValue {
  if ('N' in existing && 'N' in value) return { N: addNumbers(existing.N, value.N) };
  if ('SS' in existing && 'SS' in value) return { SS: union(existing.SS, value.SS, (a, b) => a === b) };
  if ('NS' in existing && 'NS' in value) return canonicalize({ NS: union(existing.NS, value.NS, numberEq) });
  if ('BS' in existing && 'BS' in value) return { BS: union(existing.BS, value.BS, binaryEq) };
  if (legacy && 'L' in existing && 'L' in value) return { L: [...existing.L, ...value.L.map(canonicalize)] };
  throw typeError(legacy);
}

/** DELETE: set difference; undefined when nothing is left (the attribute goes away). */
function deleteFrom(existing: AttributeValue, value: AttributeValue, legacy: boolean): AttributeValue | undefined {
  if ('SS' in existing && 'SS' in value) return nonEmpty({ SS: difference(existing.SS, value.SS, (a, b) => a === b) }, 'SS');
  if ('NS' in existing && 'NS' in value) return nonEmpty({ NS: difference(existing.NS, value.NS, numberEq) }, 'NS');
  if ('BS' in existing && 'BS' in value) return nonEmpty({ BS: difference(existing.BS, value.BS, binaryEq) }, 'BS');
  throw typeError(legacy);
}

function typeError(legacy: boolean): ValidationError {
  return new ValidationError(legacy ? UPDATE_MESSAGES.legacyTypeMismatch : UPDATE_MESSAGES.wrongType);
}

function nonEmpty<T extends 'SS' | 'NS' | 'BS'>(set: Record<T, string[]>, type: T): AttributeValue | undefined {
  return set[type].length === 0 ? undefined : (set as AttributeValue);
}

const numberEq = (a: string, b: string): boolean => valuesEqual({ N: a }, { N: b });
const binaryEq = (a: string, b: string): boolean => valuesEqual({ B: a }, { B: b });

function union(base: readonly string[], extra: readonly string[], eq: (a: string, b: string) => boolean): string[] {
  const out = [...base];
  for (const x of extra) if (!out.some((y) => eq(x, y))) out.push(x);
  return out;
}

function difference(base: readonly string[], removed: readonly string[], eq: (a: string, b: string) => boolean): string[] {
  return base.filter((x) => !removed.some((y) => eq(x, y)));
}

// ---- writing into the document ----

type Container = { M: Record<string, AttributeValue> } | { L: AttributeValue[] };

/** The container holding the path's last element; it must exist and be of the right kind. */
function parentOf(root: { M: Record<string, AttributeValue> }, path: DocumentPath): { parent: Container; last: PathElement } {
  const elements = path.elements;
  let current: AttributeValue = root;
  for (let i = 0; i < elements.length - 1; i++) {
    const next = step(current, elements[i]!);
    if (next === undefined) throw new ValidationError(UPDATE_MESSAGES.invalidPath);
    current = next;
  }
  const last = elements[elements.length - 1]!;
  if (last.kind === 'key' ? !('M' in current) : !('L' in current)) throw new ValidationError(UPDATE_MESSAGES.invalidPath);
  return { parent: current as Container, last };
}

function write(parent: Container, last: PathElement, value: AttributeValue, lists: ListEdits): void {
  if (last.kind === 'key') (parent as { M: Record<string, AttributeValue> }).M[last.name] = value;
  else lists.set(parent as { L: AttributeValue[] }, last.index, value);
}

/**
 * List edits that must not shift each other's indexes: writes inside the
 * list happen at once, removals and appends (writes past the end, in index
 * order) when the update is complete.
 */
class ListEdits {
  private readonly removals = new Map<AttributeValue[], Set<number>>();
  private readonly appends = new Map<AttributeValue[], Map<number, AttributeValue>>();

  set(list: { L: AttributeValue[] }, index: number, value: AttributeValue): void {
    if (index < list.L.length) {
      list.L[index] = value;
      return;
    }
    const pending = this.appends.get(list.L) ?? new Map<number, AttributeValue>();
    pending.set(index, value);
    this.appends.set(list.L, pending);
  }

  remove(list: { L: AttributeValue[] }, index: number): void {
    if (index >= list.L.length) return;
    const pending = this.removals.get(list.L) ?? new Set<number>();
    pending.add(index);
    this.removals.set(list.L, pending);
  }

  apply(): void {
    for (const [list, indexes] of this.removals) {
      for (const index of [...indexes].sort((a, b) => b - a)) list.splice(index, 1);
    }
    for (const [list, values] of this.appends) {
      for (const index of [...values.keys()].sort((a, b) => a - b)) list.push(values.get(index)!);
    }
  }
}
