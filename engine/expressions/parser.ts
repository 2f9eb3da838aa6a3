/**
 * Parses DynamoDB expressions into typed trees: text -> tokens (lexer.ts) ->
 * raw trees (grammar.ts) -> resolved, checked trees (here). Every failure is
 * a ValidationError with DynamoDB's message for the expression kind.
 *
 * Order of checks, as DynamoDB does them: empty text, length, lexical and
 * syntax errors, then the semantic problems of the whole expression, of which
 * one is reported (problems.ts).
 */
import { compareValues } from '../attributes/compare.js';
import { isAttributeType, typeOf } from '../attributes/datatype.js';
import type { AttributeType, AttributeValue } from '../types.js';
import type {
  ConditionAst,
  DocumentPath,
  Operand,
  PathElement,
  ProjectionAst,
  SetValue,
  UpdateAst,
  UpdateOperand,
  ValueAction,
  SetAction,
  ValueOperand,
} from './ast.js';
import type { ExpressionContext } from './context.js';
import { invalidExpression, type ExpressionKind } from './errors.js';
import { Grammar, type RawCall, type RawCondition, type RawOperand, type RawPath, type RawSetValue } from './grammar.js';
import { tokenize } from './lexer.js';
import { clashMessage, findPathClash, formatPath, pathsEqual } from './paths.js';
import {
  CONDITION_PROBLEM_ORDER,
  PROJECTION_PROBLEM_ORDER,
  Problems,
  UPDATE_PROBLEM_ORDER,
} from './problems.js';
import { isReservedWord } from './reserved-words.js';

/** DynamoDB's limit on the length of any one expression string. */
export const EXPRESSION_MAX_BYTES = 4096;

export type ConditionKind = 'ConditionExpression' | 'FilterExpression' | 'KeyConditionExpression';

export function parseCondition(expression: string, context: ExpressionContext, kind: ConditionKind = 'ConditionExpression'): ConditionAst {
  const raw = Grammar.forCondition(expression, lex(expression, kind), kind).condition();
  const resolver = new Resolver(context, new Problems(CONDITION_PROBLEM_ORDER));
  const ast = resolver.condition(raw);
  resolver.throwFirstProblem(kind);
  return ast;
}

export function parseProjection(expression: string, context: ExpressionContext): ProjectionAst {
  const kind = 'ProjectionExpression';
  const raw = Grammar.forProjection(expression, lex(expression, kind)).projection();
  const resolver = new Resolver(context, new Problems(PROJECTION_PROBLEM_ORDER));
  const paths = raw.map((p) => resolver.path(p));
  resolver.checkClashes(paths);
  resolver.throwFirstProblem(kind);
  return paths;
}

export function parseUpdate(expression: string, context: ExpressionContext): UpdateAst {
  const kind = 'UpdateExpression';
  const clauses = Grammar.forUpdate(expression, lex(expression, kind)).update();
  const resolver = new Resolver(context, new Problems(UPDATE_PROBLEM_ORDER));
  const seen = new Set<string>();
  const targets: DocumentPath[] = [];
  const set: SetAction[] = [];
  const remove: DocumentPath[] = [];
  const add: ValueAction[] = [];
  const del: ValueAction[] = [];
  for (const clause of clauses) {
    if (seen.has(clause.kind)) {
      resolver.problems.report('section', `The "${clause.kind}" section can only be used once in an update expression;`);
    }
    seen.add(clause.kind);
    switch (clause.kind) {
      case 'SET':
        for (const action of clause.actions) {
          const target = resolver.path(action.path);
          targets.push(target);
          set.push({ path: target, value: resolver.setValue(action.value) });
        }
        break;
      case 'REMOVE':
        for (const raw of clause.actions) {
          const target = resolver.path(raw);
          targets.push(target);
          remove.push(target);
        }
        break;
      case 'ADD':
      case 'DELETE':
        for (const action of clause.actions) {
          const target = resolver.path(action.path);
          targets.push(target);
          const value = resolver.value(action.ref);
          resolver.checkSetOperator(clause.kind, value);
          (clause.kind === 'ADD' ? add : del).push({ path: target, value });
        }
        break;
    }
  }
  resolver.checkClashes(targets);
  resolver.throwFirstProblem(kind);
  return { kind: 'update', set, remove, add, delete: del };
}

function lex(expression: string, kind: ExpressionKind) {
  if (expression === '') throw invalidExpression(kind, 'The expression can not be empty;');
  const bytes = Buffer.byteLength(expression, 'utf8');
  if (bytes > EXPRESSION_MAX_BYTES) {
    throw invalidExpression(kind, `Expression size has exceeded the maximum allowed size; expression size: ${bytes}`);
  }
  return tokenize(expression, kind);
}

// ---- resolution and semantic checks ----------------------------------------

/** Stands in for an operand that already has a problem, so resolution can go on and find the rest. */
const PLACEHOLDER_VALUE: AttributeValue = { NULL: true };
const PLACEHOLDER_OPERAND: ValueOperand = { kind: 'value', value: PLACEHOLDER_VALUE };

const CONDITION_FUNCTION_ARITY: Readonly<Record<string, number>> = {
  attribute_exists: 1,
  attribute_not_exists: 1,
  attribute_type: 2,
  begins_with: 2,
  contains: 2,
  size: 1,
};

const UPDATE_FUNCTION_ARITY: Readonly<Record<string, number>> = { if_not_exists: 2, list_append: 2 };

/** Type names in ADD/DELETE operand messages. */
const OPERATOR_TYPE_NAMES: Partial<Record<AttributeType, string>> = {
  S: 'STRING',
  N: 'NUMBER',
  B: 'BINARY',
  NULL: 'NULL',
  BOOL: 'BOOLEAN',
  L: 'LIST',
  M: 'MAP',
};

class Resolver {
  constructor(
    private readonly context: ExpressionContext,
    readonly problems: Problems,
  ) {}

  throwFirstProblem(kind: ExpressionKind): void {
    const problem = this.problems.first();
    if (problem !== undefined) throw invalidExpression(kind, problem);
  }

  path(raw: RawPath): DocumentPath {
    const elements: PathElement[] = raw.segments.map((segment) => {
      switch (segment.kind) {
        case 'index':
          return { kind: 'index', index: segment.index };
        case 'identifier':
          if (isReservedWord(segment.text)) {
            this.problems.report('reserved', `Attribute name is a reserved keyword; reserved keyword: ${segment.text}`);
          }
          return { kind: 'key', name: segment.text };
        case 'name': {
          const name = this.context.resolveName(segment.ref);
          if (name === undefined) {
            this.problems.report(
              'placeholder',
              `An expression attribute name used in the document path is not defined; attribute name: ${segment.ref}`,
            );
          }
          return { kind: 'key', name: name ?? segment.ref };
        }
      }
    });
    return { kind: 'path', elements };
  }

  value(ref: string): AttributeValue {
    const value = this.context.resolveValue(ref);
    if (value === undefined) {
      this.problems.report('placeholder', `An expression attribute value used in expression is not defined; attribute value: ${ref}`);
      return PLACEHOLDER_VALUE;
    }
    return value;
  }

  checkClashes(paths: readonly DocumentPath[]): void {
    const clash = findPathClash(paths);
    if (clash !== undefined) this.problems.report(clash.kind, clashMessage(clash));
  }

  // ---- conditions ----

  condition(raw: RawCondition): ConditionAst {
    switch (raw.kind) {
      case 'group':
        if (raw.inner.kind === 'group') this.problems.report('parentheses', 'The expression has redundant parentheses;');
        return this.condition(raw.inner);
      case 'and':
      case 'or':
        return { kind: raw.kind, left: this.condition(raw.left), right: this.condition(raw.right) };
      case 'not':
        return { kind: 'not', condition: this.condition(raw.condition) };
      case 'comparison': {
        const left = this.operand(raw.left);
        const right = this.operand(raw.right);
        this.checkDistinct(raw.comparator, left, right);
        return { kind: 'comparison', comparator: raw.comparator, left, right };
      }
      case 'between': {
        const operand = this.operand(raw.operand);
        const lower = this.operand(raw.lower);
        const upper = this.operand(raw.upper);
        this.checkBetweenBounds(lower, upper);
        return { kind: 'between', operand, lower, upper };
      }
      case 'in':
        return { kind: 'in', operand: this.operand(raw.operand), candidates: raw.candidates.map((c) => this.operand(c)) };
      case 'function':
        return this.functionCondition(raw.call);
    }
  }

  operand(raw: RawOperand): Operand {
    switch (raw.kind) {
      case 'group':
        if (raw.inner.kind === 'group') this.problems.report('parentheses', 'The expression has redundant parentheses;');
        return this.operand(raw.inner);
      case 'path':
        return this.path(raw);
      case 'value':
        return { kind: 'value', value: this.value(raw.ref) };
      case 'call': {
        if (!this.knownFunction(raw.name, CONDITION_FUNCTION_ARITY)) return PLACEHOLDER_OPERAND;
        if (raw.name !== 'size') {
          this.problems.report('misusedFunction', `The function is not allowed to be used this way in an expression; function: ${raw.name}`);
          return PLACEHOLDER_OPERAND;
        }
        const args = raw.args.map((a) => this.operand(a));
        if (!this.checkArity(raw.name, args.length, CONDITION_FUNCTION_ARITY)) return PLACEHOLDER_OPERAND;
        const operand = args[0]!;
        const type = staticType(operand);
        if (type === 'N' || type === 'BOOL' || type === 'NULL') this.reportOperandType('size', type);
        return { kind: 'size', operand };
      }
    }
  }

  private functionCondition(call: RawCall): ConditionAst {
    const placeholder: ConditionAst = { kind: 'comparison', comparator: '=', left: PLACEHOLDER_OPERAND, right: PLACEHOLDER_OPERAND };
    if (!this.knownFunction(call.name, CONDITION_FUNCTION_ARITY)) return placeholder;
    if (call.name === 'size') {
      this.problems.report('misusedFunction', 'The function is not allowed to be used this way in an expression; function: size');
      return placeholder;
    }
    const args = call.args.map((a) => this.operand(a));
    if (!this.checkArity(call.name, args.length, CONDITION_FUNCTION_ARITY)) return placeholder;
    const [first, second] = args as [Operand, Operand | undefined];
    if (second !== undefined) this.checkDistinct(call.name, first, second);
    switch (call.name) {
      case 'attribute_exists':
      case 'attribute_not_exists':
        if (first.kind !== 'path') {
          this.problems.report('function', `Operator or function requires a document path; operator or function: ${call.name}`);
          return placeholder;
        }
        return { kind: call.name, path: first };
      case 'attribute_type':
        this.checkTypeName(second!);
        return { kind: 'attribute_type', operand: first, type: second! };
      case 'begins_with':
        for (const arg of args) {
          const type = staticType(arg);
          if (type !== undefined && type !== 'S' && type !== 'B') this.reportOperandType('begins_with', type);
        }
        return { kind: 'begins_with', operand: first, prefix: second! };
      default:
        return { kind: 'contains', operand: first, member: second! };
    }
  }

  private knownFunction(name: string, arity: Readonly<Record<string, number>>): boolean {
    if (Object.hasOwn(arity, name)) return true;
    this.problems.report('unknownFunction', `Invalid function name; function: ${name}`);
    return false;
  }

  private checkArity(name: string, count: number, arity: Readonly<Record<string, number>>): boolean {
    if (arity[name] === count) return true;
    this.problems.report(
      'arity',
      `Incorrect number of operands for operator or function; operator or function: ${name}, number of operands: ${count}`,
    );
    return false;
  }

  private checkDistinct(operator: string, first: Operand, second: Operand): void {
    if (first.kind === 'path' && second.kind === 'path' && pathsEqual(first, second)) {
      this.problems.report(
        'distinct',
        `The first operand must be distinct from the remaining operands for this operator or function; operator: ${operator}, first operand: ${formatPath(first)}`,
      );
    }
  }

  private checkTypeName(operand: Operand): void {
    const type = staticType(operand);
    if (type !== 'S') {
      this.reportOperandType('attribute_type', type ?? '{NS,SS,L,BS,N,M,B,BOOL,NULL,S}');
      return;
    }
    if (operand.kind !== 'value' || !('S' in operand.value)) return;
    if (!isAttributeType(operand.value.S)) {
      this.problems.report(
        'function',
        `Invalid attribute type name found; type: ${operand.value.S}, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}`,
      );
    }
  }

  private checkBetweenBounds(lower: Operand, upper: Operand): void {
    if (lower.kind !== 'value' || upper.kind !== 'value') return;
    const bounds = `lower bound operand: AttributeValue: ${describeValue(lower.value)}, upper bound operand: AttributeValue: ${describeValue(upper.value)}`;
    if (typeOf(lower.value) !== typeOf(upper.value)) {
      this.problems.report('function', `The BETWEEN operator requires same data type for lower and upper bounds; ${bounds}`);
      return;
    }
    const order = compareValues(lower.value, upper.value);
    if (order !== undefined && order > 0) {
      this.problems.report('function', `The BETWEEN operator requires upper bound to be greater than or equal to lower bound; ${bounds}`);
    }
  }

  private reportOperandType(name: string, type: string): void {
    this.problems.report('function', `Incorrect operand type for operator or function; operator or function: ${name}, operand type: ${type}`);
  }

  // ---- updates ----

  setValue(raw: RawSetValue): SetValue {
    switch (raw.kind) {
      case 'group-value':
        return this.setValue(raw.inner);
      case 'plus':
      case 'minus': {
        const left = this.updateOperand(raw.left);
        const right = this.updateOperand(raw.right);
        for (const operand of [left, right]) {
          if (operand.kind === 'value' && typeOf(operand.value) !== 'N') {
            this.reportOperandType(raw.kind === 'plus' ? '+' : '-', typeOf(operand.value));
          }
        }
        return { kind: raw.kind, left, right };
      }
      default:
        return this.updateOperand(raw);
    }
  }

  private updateOperand(raw: RawOperand): UpdateOperand {
    switch (raw.kind) {
      case 'group':
        return this.updateOperand(raw.inner);
      case 'path':
        return this.path(raw);
      case 'value':
        return { kind: 'value', value: this.value(raw.ref) };
      case 'call': {
        if (!this.knownFunction(raw.name, UPDATE_FUNCTION_ARITY)) return PLACEHOLDER_OPERAND;
        const args = raw.args.map((a) => this.updateOperand(a));
        if (!this.checkArity(raw.name, args.length, UPDATE_FUNCTION_ARITY)) return PLACEHOLDER_OPERAND;
        const [first, second] = args as [UpdateOperand, UpdateOperand];
        if (raw.name === 'if_not_exists') {
          if (first.kind !== 'path') {
            this.problems.report('function', 'Operator or function requires a document path; operator or function: if_not_exists');
            return PLACEHOLDER_OPERAND;
          }
          return { kind: 'if_not_exists', path: first, fallback: second };
        }
        for (const operand of args) {
          if (operand.kind === 'value' && typeOf(operand.value) !== 'L') this.reportOperandType('list_append', typeOf(operand.value));
        }
        return { kind: 'list_append', first, second };
      }
    }
  }

  /** ADD takes numbers and sets, DELETE only sets. */
  checkSetOperator(operator: 'ADD' | 'DELETE', value: AttributeValue): void {
    const type = typeOf(value);
    const name = OPERATOR_TYPE_NAMES[type];
    if (name === undefined || (operator === 'ADD' && type === 'N')) return;
    this.problems.report('operator', `Incorrect operand type for operator or function; operator: ${operator}, operand type: ${name}`);
  }
}

/** The type an operand is known to have before evaluation, if any. */
function staticType(operand: Operand): AttributeType | undefined {
  if (operand.kind === 'value') return typeOf(operand.value);
  if (operand.kind === 'size') return 'N';
  return undefined;
}

/** `{N:5}`, as DynamoDB prints values in messages. */
function describeValue(value: AttributeValue): string {
  const type = typeOf(value);
  const content = (value as Record<string, unknown>)[type];
  return `{${type}:${typeof content === 'object' ? JSON.stringify(content) : String(content)}}`;
}
