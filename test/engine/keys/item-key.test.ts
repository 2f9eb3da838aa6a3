import fc from 'fast-check';
import t from 'tap';
import { ValidationError } from '../../../engine/errors.js';
import {
  decodeItemKey,
  encodeItemKey,
  itemKeySuccessor,
  MAX_TABLE_ID,
  partitionSpan,
  sortKeySpan,
  tableSegmentSpan,
  tableSpan,
  type SortKeyCondition,
} from '../../../engine/keys/item-key.js';
import { prefixEnd, spanContains } from '../../../engine/keys/key-span.js';
import { MalformedKeyError } from '../../../engine/keys/malformed-key-error.js';
import type { KeyScalarValue } from '../../../engine/keys/values.js';
import type { ScalarAttributeType } from '../../../engine/types.js';
import { canonical, dynamoCompare, isPrefix, typeArb, valueArb } from './key-arbitraries.js';

const RUNS = 200;
/** What the MVCC layer appends to an item key: an 8-byte inverted timestamp. */
const TIMESTAMP_SUFFIXES = [Buffer.alloc(8, 0x00), Buffer.alloc(8, 0xff)];

interface Schema {
  hashType: ScalarAttributeType;
  rangeType?: ScalarAttributeType;
}

interface ItemKey {
  hashKey: KeyScalarValue;
  rangeKey?: KeyScalarValue;
}

const schemaArb: fc.Arbitrary<Schema> = fc.record({ hashType: typeArb, rangeType: typeArb }, { requiredKeys: ['hashType'] });

function keysArb(schema: Schema, maxLength: number): fc.Arbitrary<ItemKey[]> {
  // Few partition keys, so several items share a partition.
  return fc.array(valueArb(schema.hashType), { minLength: 1, maxLength: 3 }).chain((hashes) =>
    fc.array(
      fc.record({
        hashKey: fc.constantFrom(...hashes),
        ...(schema.rangeType === undefined ? {} : { rangeKey: valueArb(schema.rangeType) }),
      }) as fc.Arbitrary<ItemKey>,
      { minLength: 1, maxLength },
    ),
  );
}

const tableIdArb = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant(MAX_TABLE_ID), fc.integer({ min: 0, max: MAX_TABLE_ID }));
const encode = (tableId: number, key: ItemKey): Buffer => encodeItemKey(tableId, key.hashKey, key.rangeKey);
const samePartition = (a: ItemKey, b: ItemKey): boolean => dynamoCompare(a.hashKey, b.hashKey) === 0;

t.test('decodeItemKey(encodeItemKey(k)) is k', async (t) => {
  fc.assert(
    fc.property(tableIdArb, schemaArb.chain((schema) => fc.tuple(fc.constant(schema), keysArb(schema, 3))), (tableId, [schema, keys]) => {
      for (const key of keys) {
        const decoded = decodeItemKey(encode(tableId, key), schema.hashType, schema.rangeType);
        const expected = { tableId, hashKey: canonical(key.hashKey), ...(key.rangeKey ? { rangeKey: canonical(key.rangeKey) } : {}) };
        if (JSON.stringify(decoded) !== JSON.stringify(expected)) {
          throw new Error(`${JSON.stringify(expected)} decoded as ${JSON.stringify(decoded)}`);
        }
      }
    }),
    { numRuns: RUNS },
  );
  t.pass('round trip holds');
});

t.test('no item key is a prefix of another, within a table or across tables', async (t) => {
  const tableArb = fc.record({ tableId: fc.integer({ min: 0, max: 2 }), schemaIndex: fc.nat(2) });
  fc.assert(
    fc.property(fc.array(schemaArb, { minLength: 3, maxLength: 3 }), fc.array(tableArb, { minLength: 1, maxLength: 4 }), fc.infiniteStream(fc.nat()), (schemas, tables, picks) => {
      // Each table id has one schema (its key schema is fixed at creation).
      const keys: Buffer[] = [];
      for (const { tableId } of tables) {
        const schema = schemas[tableId] as Schema;
        const sample = fc.sample(keysArb(schema, 4), { numRuns: 1, seed: picks.next().value as number })[0] ?? [];
        for (const key of sample) keys.push(encode(tableId, key));
      }
      for (const a of keys) {
        for (const b of keys) {
          if (!a.equals(b) && isPrefix(a, b)) throw new Error(`${a.toString('hex')} is a prefix of ${b.toString('hex')}`);
        }
      }
    }),
    { numRuns: RUNS },
  );
  t.pass('prefix-free');
});

t.test('a partition span holds exactly its partition, versions included, sorted by sort key', async (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: MAX_TABLE_ID - 1 }),
      schemaArb.chain((schema) => fc.tuple(fc.constant(schema), keysArb(schema, 8))),
      (tableId, [schema, keys]) => {
        const neighbours = [tableId - 1, tableId + 1].filter((id) => id >= 0);
        for (const owner of keys) {
          const span = partitionSpan(tableId, owner.hashKey);
          for (const key of keys) {
            const encoded = encode(tableId, key);
            for (const version of [encoded, ...TIMESTAMP_SUFFIXES.map((ts) => Buffer.concat([encoded, ts]))]) {
              if (spanContains(span, version) !== samePartition(owner, key)) throw new Error('partition span membership is wrong');
            }
            for (const other of neighbours) {
              if (spanContains(span, encode(other, key))) throw new Error('another table leaks into the span');
            }
          }
        }
        if (schema.rangeType !== undefined) {
          const first = keys[0] as ItemKey;
          const inPartition = keys.filter((k) => samePartition(k, first));
          const byBytes = [...inPartition].sort((a, b) => Buffer.compare(encode(tableId, a), encode(tableId, b)));
          for (let i = 1; i < byBytes.length; i++) {
            if (dynamoCompare((byBytes[i - 1] as ItemKey).rangeKey!, (byBytes[i] as ItemKey).rangeKey!) > 0) {
              throw new Error('items of a partition are not in sort key order');
            }
          }
        }
      },
    ),
    { numRuns: RUNS },
  );
  t.pass('partition spans are exact');
});

t.test('a table span holds exactly the table', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: MAX_TABLE_ID - 1 }), schemaArb.chain((s) => keysArb(s, 4)), (tableId, keys) => {
      const span = tableSpan(tableId);
      for (const key of keys) {
        if (!spanContains(span, encode(tableId, key))) throw new Error('own item outside the table span');
        if (spanContains(span, encode(tableId - 1, key)) || spanContains(span, encode(tableId + 1, key))) {
          throw new Error('neighbouring table inside the span');
        }
      }
    }),
    { numRuns: RUNS },
  );
  const last = tableSpan(MAX_TABLE_ID);
  t.ok(spanContains(last, encodeItemKey(MAX_TABLE_ID, { B: Buffer.alloc(4, 0xff).toString('base64') })), 'the last table id has a span too');
  t.throws(() => encodeItemKey(MAX_TABLE_ID + 1, { S: 'x' }), RangeError);
  t.throws(() => encodeItemKey(-1, { S: 'x' }), RangeError);
});

/** DynamoDB's meaning of a sort key condition: the oracle for sortKeySpan. */
function satisfies(value: KeyScalarValue, condition: SortKeyCondition): boolean {
  switch (condition.op) {
    case 'EQ':
      return dynamoCompare(value, condition.value as KeyScalarValue) === 0;
    case 'LT':
      return dynamoCompare(value, condition.value as KeyScalarValue) < 0;
    case 'LE':
      return dynamoCompare(value, condition.value as KeyScalarValue) <= 0;
    case 'GT':
      return dynamoCompare(value, condition.value as KeyScalarValue) > 0;
    case 'GE':
      return dynamoCompare(value, condition.value as KeyScalarValue) >= 0;
    case 'BETWEEN':
      return dynamoCompare(value, condition.low as KeyScalarValue) >= 0 && dynamoCompare(value, condition.high as KeyScalarValue) <= 0;
    case 'BEGINS_WITH': {
      const bytes = (v: KeyScalarValue): Buffer => ('S' in v ? Buffer.from(v.S, 'utf8') : Buffer.from((v as { B: string }).B, 'base64'));
      return isPrefix(bytes(condition.prefix as KeyScalarValue), bytes(value));
    }
  }
}

function conditionArb(type: ScalarAttributeType, sortKeys: KeyScalarValue[]): fc.Arbitrary<SortKeyCondition> {
  // Operands are often existing sort keys, so the bounds land exactly on items.
  const operand = fc.oneof(fc.constantFrom(...sortKeys), valueArb(type));
  const comparisons = fc.record({ op: fc.constantFrom('EQ', 'LT', 'LE', 'GT', 'GE') as fc.Arbitrary<'EQ'>, value: operand });
  const between = fc.record({ op: fc.constant('BETWEEN' as const), low: operand, high: operand });
  if (type === 'N') return fc.oneof(comparisons, between);
  const prefixes = sortKeys.map((v) => {
    const bytes = 'S' in v ? Buffer.from(v.S, 'utf8') : Buffer.from((v as { B: string }).B, 'base64');
    return bytes;
  });
  const prefix = fc.oneof(
    valueArb(type),
    fc.tuple(fc.constantFrom(...prefixes), fc.nat(8)).map(([bytes, n]) => {
      // A string prefix must stay valid UTF-8: cut at a character boundary.
      if (type === 'S') return { S: [...bytes.toString('utf8')].slice(0, n).join('') };
      return { B: bytes.subarray(0, n).toString('base64') };
    }),
  );
  return fc.oneof(comparisons, between, fc.record({ op: fc.constant('BEGINS_WITH' as const), prefix }));
}

t.test('a sort key span holds exactly the items that satisfy the condition', async (t) => {
  const caseArb = fc
    .record({ hashType: typeArb, rangeType: typeArb })
    .chain((schema) =>
      fc.record({
        schema: fc.constant(schema),
        hashKey: valueArb(schema.hashType),
        sortKeys: fc.array(valueArb(schema.rangeType), { minLength: 1, maxLength: 10 }),
      }),
    )
    .chain((c) => fc.record({ c: fc.constant(c), condition: conditionArb(c.schema.rangeType, c.sortKeys) }));
  fc.assert(
    fc.property(caseArb, ({ c, condition }) => {
      const span = sortKeySpan(7, c.hashKey, condition);
      const partition = partitionSpan(7, c.hashKey);
      if (Buffer.compare(span.start, span.end) > 0) throw new Error('inverted span');
      if (Buffer.compare(span.start, partition.start) < 0 || Buffer.compare(span.end, partition.end) > 0) {
        throw new Error('the span leaves the partition');
      }
      for (const sortKey of c.sortKeys) {
        const key = encodeItemKey(7, c.hashKey, sortKey);
        const want = satisfies(sortKey, condition);
        for (const version of [key, ...TIMESTAMP_SUFFIXES.map((ts) => Buffer.concat([key, ts]))]) {
          if (spanContains(span, version) !== want) {
            throw new Error(`${JSON.stringify(sortKey)} ${condition.op}: expected ${want}`);
          }
        }
      }
    }),
    { numRuns: RUNS * 3 },
  );
  t.pass('sort key spans are exact');
  t.throws(() => sortKeySpan(7, { S: 'p' }, { op: 'BEGINS_WITH', prefix: { N: '1' } }), ValidationError);
});

t.test('table segments tile the table span and hold every item exactly once', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: MAX_TABLE_ID }), fc.integer({ min: 1, max: 64 }), schemaArb.chain((s) => keysArb(s, 6)), (tableId, total, keys) => {
      const segments = Array.from({ length: total }, (_, i) => tableSegmentSpan(tableId, i, total));
      const whole = tableSpan(tableId);
      if (!segments[0]?.start.equals(whole.start) || !segments[total - 1]?.end.equals(whole.end)) throw new Error('segments do not cover the table');
      for (let i = 1; i < total; i++) {
        if (!segments[i]?.start.equals((segments[i - 1] as { end: Buffer }).end)) throw new Error('gap or overlap between segments');
      }
      for (const key of keys) {
        const holders = segments.filter((s) => spanContains(s, encode(tableId, key)));
        if (holders.length !== 1) throw new Error(`item in ${holders.length} segments`);
      }
    }),
    { numRuns: RUNS },
  );
  t.throws(() => tableSegmentSpan(1, 4, 4), RangeError);
  t.throws(() => tableSegmentSpan(1, 0, 0), RangeError);
});

t.test('the successor of an item key bounds that item and its versions only', async (t) => {
  fc.assert(
    fc.property(schemaArb.chain((s) => keysArb(s, 6)), (keys) => {
      for (const a of keys) {
        const start = encode(3, a);
        const span = { start, end: itemKeySuccessor(start) };
        for (const b of keys) {
          const same = dynamoCompare(a.hashKey, b.hashKey) === 0 && (a.rangeKey === undefined || dynamoCompare(a.rangeKey, b.rangeKey!) === 0);
          const other = Buffer.concat([encode(3, b), TIMESTAMP_SUFFIXES[1] as Buffer]);
          if (spanContains(span, other) !== same) throw new Error('successor span is wrong');
        }
      }
    }),
    { numRuns: RUNS },
  );
  t.same(prefixEnd(Buffer.from([1, 0xff, 0xff])), Buffer.from([2]));
  t.equal(prefixEnd(Buffer.from([0xff])), undefined);
});

t.test('malformed item keys are refused', async (t) => {
  const key = encodeItemKey(1, { S: 'a' }, { N: '5' });
  t.throws(() => decodeItemKey(key, 'S'), MalformedKeyError, 'trailing sort key when the schema has none');
  t.throws(() => decodeItemKey(key.subarray(0, key.length - 1), 'S', 'N'), MalformedKeyError, 'truncated');
  t.throws(() => decodeItemKey(key.subarray(0, 8), 'S'), MalformedKeyError, 'header only');
});
