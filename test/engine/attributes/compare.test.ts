import t from 'tap';
import fc from 'fast-check';
import { canonicalize, compareStrings, compareValues, valuesEqual } from '../../../engine/attributes/compare.js';
import type { AttributeValue } from '../../../engine/types.js';

const b64 = (...bytes: number[]): string => Buffer.from(bytes).toString('base64');

t.test('ordering of scalars', async (t) => {
  const less: [AttributeValue, AttributeValue, string][] = [
    [{ N: '-10' }, { N: '9' }, 'numbers by value, not text'],
    [{ N: '2' }, { N: '10' }, 'numbers by value, not text'],
    [{ N: '1.5' }, { N: '1.50001' }, 'decimals'],
    [{ S: 'B' }, { S: 'a' }, 'strings by bytes: upper case first'],
    [{ S: '\uffff' }, { S: '\u{1F600}' }, 'strings by UTF-8 bytes, not UTF-16 units'],
    [{ S: 'ab' }, { S: 'abc' }, 'prefix first'],
    [{ B: b64(0x7f) }, { B: b64(0x80) }, 'binary unsigned'],
    [{ B: b64(1) }, { B: b64(1, 0) }, 'binary prefix first'],
  ];
  for (const [a, b, label] of less) {
    t.ok(compareValues(a, b)! < 0, label);
    t.ok(compareValues(b, a)! > 0, `${label} (reversed)`);
  }
  t.equal(compareValues({ N: '1' }, { N: '1.0' }), 0, 'equal numbers');
  t.equal(compareValues({ N: '1' }, { S: '1' }), undefined, 'different types do not compare');
  t.equal(compareValues({ SS: ['a'] }, { SS: ['a'] }), undefined, 'sets have no order');
});

t.test('equality', async (t) => {
  const equal: [AttributeValue, AttributeValue][] = [
    [{ N: '1' }, { N: '1.00' }],
    [{ SS: ['a', 'b'] }, { SS: ['b', 'a'] }],
    [{ NS: ['1', '2'] }, { NS: ['2.0', '1'] }],
    [{ BS: [b64(1), b64(2)] }, { BS: [b64(2), b64(1)] }],
    [{ L: [{ N: '1' }, { S: 'x' }] }, { L: [{ N: '1.0' }, { S: 'x' }] }],
    [{ M: { a: { N: '1' }, b: { NULL: true } } }, { M: { b: { NULL: true }, a: { N: '1' } } }],
    [{ BOOL: true }, { BOOL: true }],
    [{ NULL: true }, { NULL: true }],
  ];
  for (const [a, b] of equal) t.ok(valuesEqual(a, b), `${JSON.stringify(a)} = ${JSON.stringify(b)}`);
  const different: [AttributeValue, AttributeValue][] = [
    [{ N: '1' }, { S: '1' }],
    [{ SS: ['a'] }, { SS: ['a', 'b'] }],
    [{ L: [{ N: '1' }, { N: '2' }] }, { L: [{ N: '2' }, { N: '1' }] }],
    [{ M: { a: { N: '1' } } }, { M: { b: { N: '1' } } }],
    [{ BOOL: true }, { BOOL: false }],
    [{ S: 'a' }, { SS: ['a'] }],
  ];
  for (const [a, b] of different) t.notOk(valuesEqual(a, b), `${JSON.stringify(a)} <> ${JSON.stringify(b)}`);
});

t.test('canonicalize normalises numbers everywhere', async (t) => {
  t.same(canonicalize({ M: { a: { N: '1.50' }, b: { L: [{ NS: ['1e2', '-0'] }] }, c: { S: '1.50' } } }), {
    M: { a: { N: '1.5' }, b: { L: [{ NS: ['100', '0'] }] }, c: { S: '1.50' } },
  });
});

t.test('property: string order is UTF-8 byte order', async (t) => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
      const expected = Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));
      return Math.sign(compareStrings(a, b)) === expected;
    }),
    { numRuns: 200 },
  );
  t.pass('200 random pairs');
});
