import t from 'tap';
import { attributeValueSizeBytes, itemSizeBytes, numberSizeBytes } from '../../../engine/attributes/size.js';

// Rules from "Item sizes and formats" (DynamoDB developer guide); numbers take
// one byte per base-100 digit pair plus one, as DynamoDB's capacity shows.
t.test('scalar sizes', async (t) => {
  t.equal(attributeValueSizeBytes('a', { S: 'abc' }), 4, 'name + UTF-8 string');
  t.equal(attributeValueSizeBytes('é', { S: 'é' }), 4, 'two-byte characters count twice');
  t.equal(attributeValueSizeBytes('b', { B: Buffer.from([1, 2, 3]).toString('base64') }), 4, 'binary counts decoded bytes');
  t.equal(attributeValueSizeBytes('n', { NULL: true }), 2);
  t.equal(attributeValueSizeBytes('t', { BOOL: false }), 2);
});

t.test('number sizes', async (t) => {
  const cases: [string, number][] = [
    ['0', 1],
    ['1', 2],
    ['12', 2],
    ['123', 3],
    ['100', 2],
    ['1.5', 3],
    ['0.5', 2],
    ['-1', 3],
    ['12345678901234567890123456789012345678', 20],
    ['1e125', 2],
  ];
  for (const [n, bytes] of cases) t.equal(numberSizeBytes(n), bytes, n);
});

t.test('sets, lists and maps', async (t) => {
  t.equal(attributeValueSizeBytes('s', { SS: ['ab', 'c'] }), 1 + 3, 'sets: sum of elements');
  t.equal(attributeValueSizeBytes('s', { NS: ['1', '123'] }), 1 + 2 + 3);
  t.equal(attributeValueSizeBytes('l', { L: [] }), 1 + 3, 'empty list: overhead only');
  t.equal(attributeValueSizeBytes('l', { L: [{ S: 'ab' }, { NULL: true }] }), 1 + 3 + (1 + 2) + (1 + 1));
  t.equal(attributeValueSizeBytes('m', { M: { k: { S: 'v' } } }), 1 + 3 + 1 + 1 + 1, 'map entries count their names');
  t.equal(attributeValueSizeBytes('m', { M: { k: { L: [{ N: '1' }] } } }), 1 + 3 + 1 + 1 + (3 + 1 + 2));
});

t.test('item size is the sum of its attributes', async (t) => {
  t.equal(itemSizeBytes({}), 0);
  t.equal(itemSizeBytes({ id: { S: 'x1' }, count: { N: '12' }, tags: { SS: ['a'] } }), 2 + 2 + 5 + 2 + 4 + 1);
  t.equal(itemSizeBytes({ big: { S: 'x'.repeat(400 * 1024) } }), 3 + 400 * 1024);
});
