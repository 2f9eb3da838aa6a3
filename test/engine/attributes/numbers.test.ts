import t from 'tap';
import fc from 'fast-check';
import { Decimal as DecimalJs } from 'decimal.js';
import {
  addNumbers,
  canonicalNumber,
  compareNumbers,
  numberProblem,
  parseNumber,
  subtractNumbers,
} from '../../../engine/attributes/numbers.js';
import { throwsValidation } from '../expressions/helpers.js';

const OVERFLOW = 'Number overflow. Attempting to store a number with magnitude larger than supported range';
const UNDERFLOW = 'Number underflow. Attempting to store a number with magnitude smaller than supported range';
const DIGITS = 'Attempting to store more than 38 significant digits in a Number';

t.test('canonical form', async (t) => {
  const cases: [string, string][] = [
    ['1.50', '1.5'],
    ['-0', '0'],
    ['0.000', '0'],
    ['1e2', '100'],
    ['1E+2', '100'],
    ['+5', '5'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['-001.2300', '-1.23'],
    ['1.5e-3', '0.0015'],
    ['1e-130', `0.${'0'.repeat(129)}1`],
    ['9.9999999999999999999999999999999999999E+125', `${'9'.repeat(38)}${'0'.repeat(88)}`],
    ['1000000000000000000000000000000000000000000', '1000000000000000000000000000000000000000000'],
    ['0e99999999999999999999', '0'],
    ['-0.00e-99999999999999999999', '0'],
  ];
  for (const [input, canonical] of cases) t.equal(canonicalNumber(input), canonical, input);
});

t.test('invalid numbers', async (t) => {
  const cases: [string, string][] = [
    ['', 'The parameter cannot be converted to a numeric value'],
    ['abc', 'The parameter cannot be converted to a numeric value: abc'],
    [' 1.23', 'The parameter cannot be converted to a numeric value:  1.23'],
    ['1.23 ', 'The parameter cannot be converted to a numeric value: 1.23 '],
    ['Infinity', 'The parameter cannot be converted to a numeric value: Infinity'],
    ['NaN', 'The parameter cannot be converted to a numeric value: NaN'],
    ['0x10', 'The parameter cannot be converted to a numeric value: 0x10'],
    ['1e', 'The parameter cannot be converted to a numeric value: 1e'],
    ['1e126', OVERFLOW],
    ['-1e126', OVERFLOW],
    ['1.7976931348623157e+150', OVERFLOW],
    ['1e-131', UNDERFLOW],
    ['-1e-131', UNDERFLOW],
    ['123456789012345678901234567890123456789', DIGITS],
    ['-1.23456789012345678901234567890123456789', DIGITS],
    ['1e99999999999999999999', OVERFLOW],
    ['1e-99999999999999999999', UNDERFLOW],
    ['-0.5e-99999999999999999999', UNDERFLOW],
  ];
  for (const [input, message] of cases) {
    t.equal(numberProblem(input), message, JSON.stringify(input));
    throwsValidation(t, () => parseNumber(input), message);
  }
  t.equal(numberProblem('12345678901234567890123456789012345678'), undefined, '38 digits are fine');
  t.equal(numberProblem('12345678901234567890123456789012345678000'), undefined, 'trailing zeros are not significant');
});

t.test('exact arithmetic', async (t) => {
  t.equal(addNumbers('0.1', '0.2'), '0.3');
  t.equal(subtractNumbers('1', '1.000'), '0');
  t.equal(addNumbers('99999999999999999999999999999999999999', '-1'), '99999999999999999999999999999999999998');
  throwsValidation(t, () => addNumbers('99999999999999999999999999999999999999', '1e-10'), DIGITS);
  throwsValidation(t, () => addNumbers('9.9999999999999999999999999999999999999E+125', '1E+125'), OVERFLOW);
});

const decimalText = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 38n - 1n }), fc.integer({ min: -120, max: 80 }))
  .map(([negative, mantissa, exponent]) => `${negative ? '-' : ''}${mantissa}e${exponent}`);

t.test('property: canonical form round-trips and keeps the value', async (t) => {
  fc.assert(
    fc.property(decimalText, (text) => {
      const canonical = canonicalNumber(text);
      return canonicalNumber(canonical) === canonical && new DecimalJs(canonical).equals(new DecimalJs(text));
    }),
    { numRuns: 300 },
  );
  t.pass('300 random numbers');
});

t.test('property: ordering agrees with decimal.js', async (t) => {
  fc.assert(
    fc.property(decimalText, decimalText, (a, b) => Math.sign(compareNumbers(a, b)) === new DecimalJs(a).comparedTo(new DecimalJs(b))),
    { numRuns: 300 },
  );
  t.pass('300 random pairs');
});
