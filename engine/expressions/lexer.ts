/**
 * Turns expression text into tokens. Whitespace is dropped but every token
 * keeps its offsets, because DynamoDB's syntax errors quote the offending
 * token together with its neighbours and the spacing between them.
 */
import { ExpressionSyntaxError, type ExpressionKind } from './errors.js';

export type TokenKind =
  | 'identifier' // a bare attribute name, function name or keyword
  | 'name' // #placeholder
  | 'value' // :placeholder
  | 'number' // digits, only valid as a list index
  | 'punctuation'
  | 'eof';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

const WHITESPACE = new Set([' ', '\t', '\r', '\n']);
const WORD_CHAR = /[A-Za-z0-9_#:]/;
/** Longest first, so that `<=` wins over `<`. */
const PUNCTUATION = ['<>', '<=', '>=', '=', '<', '>', '(', ')', '[', ']', ',', '.', '+', '-'];

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;
const NAME = /^#[A-Za-z0-9_]+$/;
const VALUE = /^:[A-Za-z0-9_]+$/;
const NUMBER = /^[0-9]+$/;

export function tokenize(source: string, kind: ExpressionKind): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i] as string;
    if (WHITESPACE.has(ch)) {
      i++;
      continue;
    }
    const punct = PUNCTUATION.find((p) => source.startsWith(p, i));
    if (punct !== undefined) {
      tokens.push({ kind: 'punctuation', text: punct, start: i, end: i + punct.length });
      i += punct.length;
      continue;
    }
    let end = i;
    while (end < source.length && WORD_CHAR.test(source[end] as string)) end++;
    // A character no token can hold is a token of its own, and a bad one.
    if (end === i) end = i + (source.codePointAt(i)! > 0xffff ? 2 : 1);
    const text = source.slice(i, end);
    const wordKind = classifyWord(text);
    if (wordKind === undefined) {
      const before = source.slice(tokens.length > 0 ? tokens[tokens.length - 1]!.start : 0, i);
      throw new ExpressionSyntaxError(kind, String.fromCodePoint(text.codePointAt(0)!), before + text, tokens.length);
    }
    tokens.push({ kind: wordKind, text, start: i, end });
    i = end;
  }
  tokens.push({ kind: 'eof', text: '', start: source.length, end: source.length });
  return tokens;
}

function classifyWord(text: string): TokenKind | undefined {
  if (IDENTIFIER.test(text)) return 'identifier';
  if (NAME.test(text)) return 'name';
  if (VALUE.test(text)) return 'value';
  if (NUMBER.test(text)) return 'number';
  return undefined;
}

/**
 * DynamoDB's `near`: the token before the offending one, the spacing, the
 * offending token, the spacing and the token after it.
 */
export function nearText(source: string, tokens: readonly Token[], index: number): string {
  const current = tokens[index];
  if (current === undefined) return '';
  const previous = index > 0 ? tokens[index - 1] : undefined;
  const before = source.slice(previous === undefined ? 0 : previous.start, current.start);
  if (current.kind === 'eof') return before;
  const next = tokens[index + 1];
  return before + source.slice(current.start, next === undefined ? current.end : next.end);
}

export function tokenLabel(token: Token): string {
  return token.kind === 'eof' ? '<EOF>' : token.text;
}
