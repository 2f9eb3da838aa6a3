/**
 * Prints expression trees back to DynamoDB expression text, with fresh
 * `#nN` / `:vN` placeholders for every name and value. parse(print(ast))
 * gives back the same tree, which the property tests rely on; it also makes
 * trees readable in logs.
 */
import type { AttributeValue } from '../types.js';
import type { ConditionAst, DocumentPath, Operand, ProjectionAst, SetValue, UpdateAst, UpdateOperand } from './ast.js';

export interface PrintedExpression {
  readonly expression: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, AttributeValue>;
}

class Placeholders {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, AttributeValue> = {};
  private readonly nameRefs = new Map<string, string>();
  private valueCount = 0;

  name(name: string): string {
    let ref = this.nameRefs.get(name);
    if (ref === undefined) {
      ref = `#n${this.nameRefs.size}`;
      this.nameRefs.set(name, ref);
      this.names[ref] = name;
    }
    return ref;
  }

  value(value: AttributeValue): string {
    const ref = `:v${this.valueCount++}`;
    this.values[ref] = value;
    return ref;
  }

  result(expression: string): PrintedExpression {
    return { expression, names: this.names, values: this.values };
  }
}

export function printCondition(condition: ConditionAst): PrintedExpression {
  const p = new Placeholders();
  return p.result(condition_(condition, p));
}

export function printUpdate(update: UpdateAst): PrintedExpression {
  const p = new Placeholders();
  const clauses: string[] = [];
  if (update.set.length > 0) clauses.push(`SET ${update.set.map((a) => `${path(a.path, p)} = ${setValue(a.value, p)}`).join(', ')}`);
  if (update.remove.length > 0) clauses.push(`REMOVE ${update.remove.map((r) => path(r, p)).join(', ')}`);
  if (update.add.length > 0) clauses.push(`ADD ${update.add.map((a) => `${path(a.path, p)} ${p.value(a.value)}`).join(', ')}`);
  if (update.delete.length > 0) clauses.push(`DELETE ${update.delete.map((a) => `${path(a.path, p)} ${p.value(a.value)}`).join(', ')}`);
  return p.result(clauses.join(' '));
}

export function printProjection(projection: ProjectionAst): PrintedExpression {
  const p = new Placeholders();
  return p.result(projection.map((x) => path(x, p)).join(', '));
}

function condition_(c: ConditionAst, p: Placeholders): string {
  switch (c.kind) {
    case 'and':
    case 'or':
      return `(${condition_(c.left, p)}) ${c.kind.toUpperCase()} (${condition_(c.right, p)})`;
    case 'not':
      return `NOT (${condition_(c.condition, p)})`;
    case 'comparison':
      return `${operand(c.left, p)} ${c.comparator} ${operand(c.right, p)}`;
    case 'between':
      return `${operand(c.operand, p)} BETWEEN ${operand(c.lower, p)} AND ${operand(c.upper, p)}`;
    case 'in':
      return `${operand(c.operand, p)} IN (${c.candidates.map((x) => operand(x, p)).join(', ')})`;
    case 'attribute_exists':
    case 'attribute_not_exists':
      return `${c.kind}(${path(c.path, p)})`;
    case 'attribute_type':
      return `attribute_type(${operand(c.operand, p)}, ${operand(c.type, p)})`;
    case 'begins_with':
      return `begins_with(${operand(c.operand, p)}, ${operand(c.prefix, p)})`;
    case 'contains':
      return `contains(${operand(c.operand, p)}, ${operand(c.member, p)})`;
  }
}

function operand(o: Operand, p: Placeholders): string {
  switch (o.kind) {
    case 'path':
      return path(o, p);
    case 'value':
      return p.value(o.value);
    case 'size':
      return `size(${operand(o.operand, p)})`;
  }
}

function setValue(v: SetValue, p: Placeholders): string {
  if (v.kind === 'plus') return `${updateOperand(v.left, p)} + ${updateOperand(v.right, p)}`;
  if (v.kind === 'minus') return `${updateOperand(v.left, p)} - ${updateOperand(v.right, p)}`;
  return updateOperand(v, p);
}

function updateOperand(o: UpdateOperand, p: Placeholders): string {
  switch (o.kind) {
    case 'path':
      return path(o, p);
    case 'value':
      return p.value(o.value);
    case 'if_not_exists':
      return `if_not_exists(${path(o.path, p)}, ${updateOperand(o.fallback, p)})`;
    case 'list_append':
      return `list_append(${updateOperand(o.first, p)}, ${updateOperand(o.second, p)})`;
  }
}

function path(x: DocumentPath, p: Placeholders): string {
  return x.elements.map((e, i) => (e.kind === 'index' ? `[${e.index}]` : `${i === 0 ? '' : '.'}${p.name(e.name)}`)).join('');
}
