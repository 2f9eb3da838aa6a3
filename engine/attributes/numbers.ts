/**
 * DynamoDB numbers: decimal strings with up to 38 significant digits and a
 * magnitude between 1E-130 and 9.9999999999999999999999999999999999999E+125.
 * All arithmetic goes through decimal.js with enough precision to be exact for
 * every pair of in-range numbers; JS floats never touch a number.
 */
import { Decimal as DecimalJs } from 'decimal.js';
import { ValidationError } from '../errors.js';

/** Most significant digits a stored number may have. */
export const NUMBER_MAX_SIGNIFICANT_DIGITS = 38;
/** Largest decimal exponent of the most significant digit (9.99..E+125). */
export const NUMBER_MAX_EXPONENT = 125;
/** Smallest decimal exponent of the most significant digit (1E-130). */
export const NUMBER_MIN_EXPONENT = -130;

/**
 * Exact for sums of any two in-range numbers: the widest sum spans from
 * 10^126 down to 10^-168 (38 digits below 1E-130), under 300 digits.
 */
const EXACT_PRECISION_DIGITS = 400;

export const Decimal = DecimalJs.clone({
  precision: EXACT_PRECISION_DIGITS,
  rounding: DecimalJs.ROUND_HALF_EVEN,
  toExpNeg: -9e15,
  toExpPos: 9e15,
  maxE: 9e15,
  minE: -9e15,
});
export type Decimal = InstanceType<typeof Decimal>;

/** What Java's BigDecimal (and so DynamoDB) accepts: no spaces, no Infinity/NaN, no hex. */
const NUMBER_SYNTAX = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export const NUMBER_MESSAGES = {
  empty: 'The parameter cannot be converted to a numeric value',
  digits: 'Attempting to store more than 38 significant digits in a Number',
  overflow: 'Number overflow. Attempting to store a number with magnitude larger than supported range',
  underflow: 'Number underflow. Attempting to store a number with magnitude smaller than supported range',
} as const;

export function invalidNumberMessage(text: string): string {
  return text === '' ? NUMBER_MESSAGES.empty : `${NUMBER_MESSAGES.empty}: ${text}`;
}

/**
 * Exponents beyond this are decided without building the number: no request
 * can hold enough mantissa digits to bring such a value back into range, and
 * decimal.js would round it to zero or infinity.
 */
const EXPONENT_TEXT_MAX = 1_000_000_000n;

/** The message DynamoDB gives for `text` as a number, or undefined when it is valid. */
export function numberProblem(text: string): string | undefined {
  const syntax = NUMBER_SYNTAX.exec(text);
  if (syntax === null) return invalidNumberMessage(text);
  const exponent = syntax[2] === undefined ? 0n : BigInt(syntax[2].slice(1));
  if (exponent > EXPONENT_TEXT_MAX || exponent < -EXPONENT_TEXT_MAX) {
    if (!/[1-9]/.test(syntax[1]!)) return undefined; // zero, whatever its exponent
    return exponent > 0n ? NUMBER_MESSAGES.overflow : NUMBER_MESSAGES.underflow;
  }
  return rangeProblem(new Decimal(text));
}

/** The message DynamoDB gives for a computed value that cannot be stored. */
export function rangeProblem(value: Decimal): string | undefined {
  if (value.isZero()) return undefined;
  // decimal.js's exponent is the power of ten of the most significant digit.
  if (value.e > NUMBER_MAX_EXPONENT) return NUMBER_MESSAGES.overflow;
  if (value.e < NUMBER_MIN_EXPONENT) return NUMBER_MESSAGES.underflow;
  if (value.sd() > NUMBER_MAX_SIGNIFICANT_DIGITS) return NUMBER_MESSAGES.digits;
  return undefined;
}

/** Parses a DynamoDB number, throwing DynamoDB's ValidationError if it is not one. */
export function parseNumber(text: string): Decimal {
  const problem = numberProblem(text);
  if (problem !== undefined) throw new ValidationError(problem);
  // A zero with a huge exponent passes; decimal.js must not see that exponent.
  const value = new Decimal(text);
  return value.isZero() ? new Decimal(0) : value;
}

/** Plain decimal notation without trailing zeros, as DynamoDB returns numbers ("1.50" -> "1.5", "-0" -> "0", "1e2" -> "100"). */
export function formatNumber(value: Decimal): string {
  if (value.isZero()) return '0';
  return value.toFixed();
}

/** Canonical text of a valid number string. */
export function canonicalNumber(text: string): string {
  return formatNumber(parseNumber(text));
}

/** Orders two valid number strings numerically: negative, zero or positive. */
export function compareNumbers(a: string, b: string): number {
  return new Decimal(a).comparedTo(new Decimal(b));
}

export function numbersEqual(a: string, b: string): boolean {
  return compareNumbers(a, b) === 0;
}

/** Exact a + b, validated against DynamoDB's limits. */
export function addNumbers(a: string, b: string): string {
  return storable(new Decimal(a).plus(new Decimal(b)));
}

/** Exact a - b, validated against DynamoDB's limits. */
export function subtractNumbers(a: string, b: string): string {
  return storable(new Decimal(a).minus(new Decimal(b)));
}

function storable(value: Decimal): string {
  const problem = rangeProblem(value);
  if (problem !== undefined) throw new ValidationError(problem);
  return formatNumber(value);
}

/** Significant digits and the exponent of the most significant digit, for size accounting. */
export function numberShape(text: string): { digits: number; exponent: number; negative: boolean; zero: boolean } {
  const value = new Decimal(text);
  return { digits: value.sd(), exponent: value.e, negative: value.isNegative() && !value.isZero(), zero: value.isZero() };
}
