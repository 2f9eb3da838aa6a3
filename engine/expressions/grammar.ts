/**
 * Recursive-descent grammar of DynamoDB's condition, update and projection
 * expressions. It produces raw trees: placeholders still unresolved and
 * parentheses kept, because name resolution and DynamoDB's semantic checks
 * (parser.ts) run only once the whole text is known to be well formed.
 *
 * Precedence, loosest first: OR, AND, NOT, then comparisons, BETWEEN, IN and
 * functions. Keywords are case-insensitive. Recursion depth is bounded by the
 * expression length limit (parser.ts), since each level consumes a token.
 */
import { ExpressionSyntaxError, type ExpressionKind } from './errors.js';
import { nearText, tokenLabel, type Token } from './lexer.js';
import type { Comparator } from './ast.js';

export type RawSegment =
  | { readonly kind: 'identifier'; readonly text: string }
  | { readonly kind: 'name'; readonly ref: string }
  | { readonly kind: 'index'; readonly index: number };

export interface RawPath {
  readonly kind: 'path';
  readonly segments: readonly RawSegment[];
}

export interface RawCall {
  readonly kind: 'call';
  readonly name: string;
  readonly args: readonly RawOperand[];
}

export type RawOperand =
  | RawPath
  | { readonly kind: 'value'; readonly ref: string }
  | RawCall
  | { readonly kind: 'group'; readonly inner: RawOperand };

export type RawCondition =
  | { readonly kind: 'comparison'; readonly comparator: Comparator; readonly left: RawOperand; readonly right: RawOperand }
  | { readonly kind: 'between'; readonly operand: RawOperand; readonly lower: RawOperand; readonly upper: RawOperand }
  | { readonly kind: 'in'; readonly operand: RawOperand; readonly candidates: readonly RawOperand[] }
  | { readonly kind: 'function'; readonly call: RawCall }
  | { readonly kind: 'and' | 'or'; readonly left: RawCondition; readonly right: RawCondition }
  | { readonly kind: 'not'; readonly condition: RawCondition }
  | { readonly kind: 'group'; readonly inner: RawCondition };

/** A condition, or an operand still waiting to learn whether it is one (see `primary`). */
type Parsed = RawCondition | { readonly kind: 'bare'; readonly operand: RawOperand; readonly position: number };

export interface RawArithmetic {
  readonly kind: 'plus' | 'minus';
  readonly left: RawOperand;
  readonly right: RawOperand;
}

export type RawSetValue = RawOperand | RawArithmetic | { readonly kind: 'group-value'; readonly inner: RawArithmetic };

export type ClauseKeyword = 'SET' | 'REMOVE' | 'ADD' | 'DELETE';

export type RawClause =
  | { readonly kind: 'SET'; readonly actions: readonly { path: RawPath; value: RawSetValue }[] }
  | { readonly kind: 'REMOVE'; readonly actions: readonly RawPath[] }
  | { readonly kind: 'ADD' | 'DELETE'; readonly actions: readonly { path: RawPath; ref: string }[] };

const COMPARATORS: readonly string[] = ['=', '<>', '<', '<=', '>', '>='];
const CONDITION_KEYWORDS = new Set(['AND', 'OR', 'NOT', 'BETWEEN', 'IN']);
const CLAUSE_KEYWORDS = new Set<string>(['SET', 'REMOVE', 'ADD', 'DELETE']);

/** The most operands one IN may list (DynamoDB's documented limit). */
export const IN_OPERANDS_MAX = 100;

export class Grammar {
  private pos = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: readonly Token[],
    private readonly kind: ExpressionKind,
    /** Words that are keywords here and so can never start a path. */
    private readonly keywords: ReadonlySet<string>,
  ) {}

  static forCondition(source: string, tokens: readonly Token[], kind: ExpressionKind): Grammar {
    return new Grammar(source, tokens, kind, CONDITION_KEYWORDS);
  }

  static forUpdate(source: string, tokens: readonly Token[]): Grammar {
    return new Grammar(source, tokens, 'UpdateExpression', CLAUSE_KEYWORDS);
  }

  static forProjection(source: string, tokens: readonly Token[]): Grammar {
    return new Grammar(source, tokens, 'ProjectionExpression', new Set());
  }

  // ---- entry points -------------------------------------------------------

  condition(): RawCondition {
    const result = this.asCondition(this.or());
    this.expectEnd();
    return result;
  }

  projection(): RawPath[] {
    const paths = [this.path()];
    while (this.acceptPunctuation(',')) paths.push(this.path());
    this.expectEnd();
    return paths;
  }

  update(): RawClause[] {
    const clauses: RawClause[] = [];
    do {
      clauses.push(this.clause());
    } while (this.peek().kind !== 'eof');
    return clauses;
  }

  // ---- conditions ---------------------------------------------------------
  // A parenthesis may open a condition or an operand, and only what follows
  // the closing parenthesis tells which. So the rules below may return a
  // "bare" operand, which is a syntax error unless an enclosing parenthesis
  // turns it into the left side of a comparison. This keeps the parser
  // deterministic (no backtracking, linear time).

  private or(): Parsed {
    let left = this.and();
    while (this.isKeyword('OR')) {
      const leftCondition = this.asCondition(left);
      this.advance();
      left = { kind: 'or', left: leftCondition, right: this.asCondition(this.and()) };
    }
    return left;
  }

  private and(): Parsed {
    let left = this.not();
    while (this.isKeyword('AND')) {
      const leftCondition = this.asCondition(left);
      this.advance();
      left = { kind: 'and', left: leftCondition, right: this.asCondition(this.not()) };
    }
    return left;
  }

  private not(): Parsed {
    if (this.acceptKeyword('NOT')) return { kind: 'not', condition: this.asCondition(this.not()) };
    return this.primary();
  }

  private primary(): Parsed {
    if (!this.acceptPunctuation('(')) return this.predicate(this.operand());
    const inner = this.or();
    this.expectPunctuation(')');
    if (inner.kind === 'bare') return this.predicate({ kind: 'group', inner: inner.operand });
    // `(size(a)) > :v`: a parenthesised function call followed by a comparison is an operand.
    if (inner.kind === 'function' && this.startsPredicateTail()) return this.predicate({ kind: 'group', inner: inner.call });
    if (this.startsPredicateTail()) this.fail();
    return { kind: 'group', inner };
  }

  private startsPredicateTail(): boolean {
    const token = this.peek();
    return (token.kind === 'punctuation' && COMPARATORS.includes(token.text)) || this.isKeyword('BETWEEN') || this.isKeyword('IN');
  }

  private predicate(left: RawOperand): Parsed {
    const token = this.peek();
    if (token.kind === 'punctuation' && COMPARATORS.includes(token.text)) {
      this.advance();
      return { kind: 'comparison', comparator: token.text as Comparator, left, right: this.operand() };
    }
    if (this.acceptKeyword('BETWEEN')) {
      const lower = this.operand();
      this.expectKeyword('AND');
      return { kind: 'between', operand: left, lower, upper: this.operand() };
    }
    if (this.acceptKeyword('IN')) {
      this.expectPunctuation('(');
      const candidates = [this.operand()];
      while (this.acceptPunctuation(',')) {
        if (candidates.length >= IN_OPERANDS_MAX) this.fail();
        candidates.push(this.operand());
      }
      this.expectPunctuation(')');
      return { kind: 'in', operand: left, candidates };
    }
    if (left.kind === 'call') return { kind: 'function', call: left };
    return { kind: 'bare', operand: left, position: this.pos };
  }

  private asCondition(parsed: Parsed): RawCondition {
    if (parsed.kind === 'bare') this.failAt(parsed.position);
    return parsed;
  }

  /** path | :value | function(args) | ( operand ) */
  private operand(): RawOperand {
    const token = this.peek();
    if (this.acceptPunctuation('(')) {
      const inner = this.operand();
      this.expectPunctuation(')');
      return { kind: 'group', inner };
    }
    if (token.kind === 'value') {
      this.advance();
      return { kind: 'value', ref: token.text };
    }
    if (token.kind === 'identifier' && this.peek(1).text === '(' && !this.keywords.has(token.text.toUpperCase())) {
      this.advance();
      this.advance();
      const args = [this.operand()];
      while (this.acceptPunctuation(',')) args.push(this.operand());
      this.expectPunctuation(')');
      return { kind: 'call', name: token.text, args };
    }
    return this.path();
  }

  // ---- paths --------------------------------------------------------------

  private path(): RawPath {
    const segments: RawSegment[] = [this.pathName()];
    for (;;) {
      if (this.acceptPunctuation('.')) {
        segments.push(this.pathName());
      } else if (this.acceptPunctuation('[')) {
        const token = this.peek();
        const index = Number(token.text);
        if (token.kind !== 'number' || !Number.isSafeInteger(index)) this.fail();
        this.advance();
        this.expectPunctuation(']');
        segments.push({ kind: 'index', index });
      } else {
        return { kind: 'path', segments };
      }
    }
  }

  private pathName(): RawSegment {
    const token = this.peek();
    if (token.kind === 'name') {
      this.advance();
      return { kind: 'name', ref: token.text };
    }
    if (token.kind === 'identifier' && !this.keywords.has(token.text.toUpperCase())) {
      this.advance();
      return { kind: 'identifier', text: token.text };
    }
    return this.fail();
  }

  // ---- updates ------------------------------------------------------------

  private clause(): RawClause {
    const token = this.peek();
    const keyword = token.text.toUpperCase();
    if (token.kind !== 'identifier' || !CLAUSE_KEYWORDS.has(keyword)) return this.fail();
    this.advance();
    switch (keyword as ClauseKeyword) {
      case 'SET':
        return { kind: 'SET', actions: this.list(() => this.setAction()) };
      case 'REMOVE':
        return { kind: 'REMOVE', actions: this.list(() => this.path()) };
      case 'ADD':
        return { kind: 'ADD', actions: this.list(() => this.valueAction()) };
      case 'DELETE':
        return { kind: 'DELETE', actions: this.list(() => this.valueAction()) };
    }
  }

  /** Actions separated by commas; the clause ends at the next clause keyword or the end. */
  private list<T>(action: () => T): T[] {
    const actions = [action()];
    while (this.acceptPunctuation(',')) actions.push(action());
    const next = this.peek();
    if (next.kind !== 'eof' && !(next.kind === 'identifier' && CLAUSE_KEYWORDS.has(next.text.toUpperCase()))) this.fail();
    return actions;
  }

  private setAction(): { path: RawPath; value: RawSetValue } {
    const path = this.path();
    this.expectPunctuation('=');
    return { path, value: this.setValue() };
  }

  /** `(a + b)` may be parenthesised as a whole; `(a) + b` has a parenthesised operand. */
  private setValue(): RawSetValue {
    if (!this.acceptPunctuation('(')) return this.arithmetic(this.operand());
    const inner = this.arithmetic(this.operand());
    this.expectPunctuation(')');
    if (isArithmetic(inner)) return { kind: 'group-value', inner };
    return this.arithmetic({ kind: 'group', inner });
  }

  private arithmetic(left: RawOperand): RawOperand | RawArithmetic {
    if (this.acceptPunctuation('+')) return { kind: 'plus', left, right: this.operand() };
    if (this.acceptPunctuation('-')) return { kind: 'minus', left, right: this.operand() };
    return left;
  }

  private valueAction(): { path: RawPath; ref: string } {
    const path = this.path();
    const token = this.peek();
    if (token.kind !== 'value') return this.fail();
    this.advance();
    return { path, ref: token.text };
  }

  // ---- token helpers ------------------------------------------------------

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)]!;
  }

  private advance(): void {
    if (this.pos < this.tokens.length - 1) this.pos++;
  }

  private isPunctuation(text: string): boolean {
    const token = this.peek();
    return token.kind === 'punctuation' && token.text === text;
  }

  private acceptPunctuation(text: string): boolean {
    if (!this.isPunctuation(text)) return false;
    this.advance();
    return true;
  }

  private expectPunctuation(text: string): void {
    if (!this.acceptPunctuation(text)) this.fail();
  }

  private isKeyword(word: string): boolean {
    const token = this.peek();
    return token.kind === 'identifier' && token.text.toUpperCase() === word;
  }

  private acceptKeyword(word: string): boolean {
    if (!this.isKeyword(word)) return false;
    this.advance();
    return true;
  }

  private expectKeyword(word: string): void {
    if (!this.acceptKeyword(word)) this.fail();
  }

  private expectEnd(): void {
    if (this.peek().kind !== 'eof') this.fail();
  }

  private fail(): never {
    return this.failAt(this.pos);
  }

  private failAt(position: number): never {
    const token = this.tokens[position] ?? this.tokens[this.tokens.length - 1]!;
    throw new ExpressionSyntaxError(this.kind, tokenLabel(token), nearText(this.source, this.tokens, position), position);
  }
}

function isArithmetic(value: RawOperand | RawArithmetic): value is RawArithmetic {
  return value.kind === 'plus' || value.kind === 'minus';
}
