import fc from 'fast-check';
import t from 'tap';
import { ValidationError } from '../../../engine/errors.js';
import { MalformedKeyError } from '../../../engine/keys/malformed-key-error.js';
import { decodeKeyComponent, encodeKeyComponent, escapeBytes } from '../../../engine/keys/values.js';
import { canonical, dynamoCompare, isPrefix, typeArb, valueArb } from './key-arbitraries.js';

const RUNS = 1000;
const sign = (n: number): number => Math.sign(n);

t.test('decode(encode(x)) is x, in canonical form, and consumes exactly the component', async (t) => {
  fc.assert(
    fc.property(
      typeArb.chain((type) => fc.tuple(fc.constant(type), valueArb(type))),
      fc.uint8Array({ maxLength: 4 }),
      ([type, value], trailing) => {
        const encoded = encodeKeyComponent(value);
        const decoded = decodeKeyComponent(Buffer.concat([encoded, trailing]), 0, type);
        if (JSON.stringify(decoded.value) !== JSON.stringify(canonical(value))) {
          throw new Error(`${JSON.stringify(value)} decoded as ${JSON.stringify(decoded.value)}`);
        }
        if (decoded.end !== encoded.length) throw new Error(`${JSON.stringify(value)}: end ${decoded.end} != ${encoded.length}`);
      },
    ),
    { numRuns: RUNS },
  );
  t.pass('round trip holds');
});

t.test('byte order of encodings is DynamoDB order, and no encoding is a prefix of another', async (t) => {
  for (const type of ['S', 'N', 'B'] as const) {
    fc.assert(
      fc.property(valueArb(type), valueArb(type), fc.uint8Array({ maxLength: 3 }), fc.uint8Array({ maxLength: 3 }), (a, b, sa, sb) => {
        const ea = encodeKeyComponent(a);
        const eb = encodeKeyComponent(b);
        const order = sign(dynamoCompare(a, b));
        if (sign(Buffer.compare(ea, eb)) !== order) throw new Error(`${JSON.stringify(a)} vs ${JSON.stringify(b)}: wrong order`);
        if (order !== 0 && (isPrefix(ea, eb) || isPrefix(eb, ea))) throw new Error('one encoding is a prefix of another');
        // Whatever follows a component (a sort key, a timestamp) cannot change the order of distinct values.
        if (order !== 0 && sign(Buffer.compare(Buffer.concat([ea, sa]), Buffer.concat([eb, sb]))) !== order) {
          throw new Error('a suffix changed the order');
        }
      }),
      { numRuns: RUNS },
    );
    t.pass(`${type}: order and prefix-freeness hold`);
  }
});

t.test('numbers decode to DynamoDB canonical form', async (t) => {
  const cases: Array<[string, string]> = [
    ['1E+2', '100'],
    ['1.50', '1.5'],
    ['-0', '0'],
    ['0.000', '0'],
    ['+007.2500', '7.25'],
    ['.5', '0.5'],
    ['-12.5e-3', '-0.0125'],
    ['1e-130', `0.${'0'.repeat(129)}1`],
    ['9.9999999999999999999999999999999999999E+125', `99999999999999999999999999999999999999${'0'.repeat(88)}`],
    ['12345678901234567890123456789012345678', '12345678901234567890123456789012345678'],
  ];
  for (const [input, expected] of cases) {
    t.same(decodeKeyComponent(encodeKeyComponent({ N: input }), 0, 'N').value, { N: expected }, input);
  }
  const order = ['-1e125', '-10', '-2', '-1.5', '-1', '-0.5', '-1e-130', '0', '1e-130', '0.5', '1', '1.5', '2', '10', '1e125'];
  const encoded = order.map((n) => encodeKeyComponent({ N: n }));
  t.same([...encoded].sort(Buffer.compare), encoded, 'a hand-picked ladder sorts in numeric order');
});

t.test('numbers DynamoDB refuses are refused with its messages', async (t) => {
  const refused: Array<[string, RegExp]> = [
    ['abc', /cannot be converted to a numeric value: abc/],
    ['', /cannot be converted/],
    ['0x1f', /cannot be converted/],
    ['Infinity', /cannot be converted/],
    ['NaN', /cannot be converted/],
    ['1e', /cannot be converted/],
    ['123456789012345678901234567890123456789', /more than 38 significant digits/],
    ['1e126', /Number overflow/],
    ['-1e126', /Number overflow/],
    ['1e-131', /Number underflow/],
  ];
  for (const [input, message] of refused) {
    t.throws(() => encodeKeyComponent({ N: input }), ValidationError, input);
    t.throws(() => encodeKeyComponent({ N: input }), { message }, input);
  }
  t.throws(() => encodeKeyComponent({ BOOL: true }), ValidationError, 'only S, N and B are key types');
  t.doesNotThrow(() => encodeKeyComponent({ N: '1000000000000000000000000000000000000000000' }), 'trailing zeros are not significant');
});

t.test('escapeBytes is the prefix of every encoding of a value that starts with those bytes', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 6 }), fc.uint8Array({ maxLength: 6 }), (prefix, rest) => {
      const whole = Buffer.concat([prefix, rest]);
      return isPrefix(escapeBytes(Buffer.from(prefix)), encodeKeyComponent({ B: whole.toString('base64') }));
    }),
    { numRuns: RUNS },
  );
  t.same(escapeBytes(Buffer.from([0, 1, 0])), Buffer.from([0, 0xff, 1, 0, 0xff]));
});

t.test('malformed components are refused with MalformedKeyError', async (t) => {
  const malformed: Array<[number[], 'S' | 'N' | 'B']> = [
    [[0x61, 0x62], 'S'], // no terminator
    [[0x61, 0x00], 'S'], // cut inside the terminator
    [[0x61, 0x00, 0x07], 'B'], // bad escape
    [[], 'N'],
    [[0x09], 'N'], // bad class byte
    [[0x03, 0x82], 'N'], // no digits terminator
    [[0x03, 0x82, 0x00], 'N'], // no digits
    [[0x03, 0x82, 0xc8, 0x00], 'N'], // digit pair out of range
  ];
  for (const [bytes, type] of malformed) {
    t.throws(() => decodeKeyComponent(Buffer.from(bytes), 0, type), MalformedKeyError, `${type} ${Buffer.from(bytes).toString('hex')}`);
  }
});
