/** Shared helpers of the expression and attribute tests. */
import type { Test } from 'tap';
import { ValidationError } from '../../../engine/errors.js';
import { ExpressionContext } from '../../../engine/expressions/index.js';
import type { AttributeValue } from '../../../engine/types.js';

/** Asserts that `fn` throws a ValidationError with exactly `message`. */
export function throwsValidation(t: Test, fn: () => unknown, message: string, label = message): void {
  try {
    fn();
  } catch (error) {
    t.ok(error instanceof ValidationError, `ValidationError for: ${label}`);
    t.equal((error as Error).message, message, label);
    return;
  }
  t.fail(`expected ValidationError "${message}" but nothing was thrown (${label})`);
}

/** A context with the placeholders most tests use. */
export function context(
  names: Record<string, string> = {},
  values: Record<string, AttributeValue> = {},
): ExpressionContext {
  return new ExpressionContext(Object.keys(names).length > 0 ? names : undefined, Object.keys(values).length > 0 ? values : undefined);
}

export const S = (s: string): AttributeValue => ({ S: s });
export const N = (n: string): AttributeValue => ({ N: n });
export const B = (text: string): AttributeValue => ({ B: Buffer.from(text).toString('base64') });
