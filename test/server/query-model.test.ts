/**
 * Property: Query and Scan (ordering, paging with Limit and ExclusiveStartKey,
 * sort key conditions, filters) agree with a simple in-memory model, over
 * random items and random requests.
 */
import t from 'tap';
import fc from 'fast-check';
import { rm } from 'node:fs/promises';
import { startEmbeddedNode, type EmbeddedNode } from '../../server/embedded-node.js';
import { tempDir } from '../helpers/server.js';
import { callOperation } from '../helpers/inject.js';

const RUNS = Number(process.env.QUERY_MODEL_RUNS ?? 60);

let node: EmbeddedNode;
let dataDir: string;
let tableCount = 0;

async function call(operation: string, body: unknown): Promise<Record<string, any>> {
  const response = await callOperation(node, operation, body);
  if (response.status !== 200) throw new Error(`${operation} ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}

t.before(async () => {
  dataDir = await tempDir('query-model');
  node = await startEmbeddedNode({ dataDir, logger: false });
});
t.teardown(async () => {
  await node.close();
  await rm(dataDir, { recursive: true, force: true });
});

interface ModelItem {
  pk: string;
  sk: number;
  color: string;
  n: number;
}

const modelItem = fc.record({
  pk: fc.constantFrom('a', 'b', 'c', 'é', 'a\u0000'),
  sk: fc.integer({ min: -50, max: 50 }),
  color: fc.constantFrom('red', 'blue'),
  n: fc.integer({ min: 0, max: 9 }),
});
type SortCondition = { op: '=' | '<' | '<=' | '>' | '>='; v: number } | { op: 'BETWEEN'; lo: number; hi: number } | undefined;
const sortCondition: fc.Arbitrary<SortCondition> = fc.oneof(
  fc.constant(undefined),
  fc.record({ op: fc.constantFrom('=', '<', '<=', '>', '>=' as const), v: fc.integer({ min: -55, max: 55 }) }),
  fc.tuple(fc.integer({ min: -55, max: 55 }), fc.integer({ min: 0, max: 40 })).map(([lo, width]) => ({ op: 'BETWEEN' as const, lo, hi: lo + width })),
);
const filter = fc.option(fc.oneof(fc.record({ color: fc.constantFrom('red', 'blue') }), fc.record({ below: fc.integer({ min: 0, max: 9 }) })), { nil: undefined });

function matchesSort(sk: number, condition: SortCondition): boolean {
  if (condition === undefined) return true;
  switch (condition.op) {
    case '=': return sk === condition.v;
    case '<': return sk < condition.v;
    case '<=': return sk <= condition.v;
    case '>': return sk > condition.v;
    case '>=': return sk >= condition.v;
    case 'BETWEEN': return sk >= condition.lo && sk <= condition.hi;
  }
}

function filterParts(f: { color: string } | { below: number } | undefined) {
  if (f === undefined) return { expression: undefined, values: {}, test: () => true };
  if ('color' in f) return { expression: 'color = :color', values: { ':color': { S: f.color } }, test: (i: ModelItem) => i.color === f.color };
  return { expression: 'n < :below', values: { ':below': { N: String(f.below) } }, test: (i: ModelItem) => i.n < f.below };
}

async function loadTable(items: ModelItem[]): Promise<{ name: string; model: Map<string, ModelItem> }> {
  const name = `model-${tableCount++}`;
  await call('CreateTable', {
    TableName: name,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
  const model = new Map<string, ModelItem>();
  for (const item of items) {
    model.set(`${item.pk}/${item.sk}`, item);
    await call('PutItem', { TableName: name, Item: { pk: { S: item.pk }, sk: { N: String(item.sk) }, color: { S: item.color }, n: { N: String(item.n) } } });
  }
  return { name, model };
}

const fromWire = (item: any): string => `${item.pk.S}/${Number(item.sk.N)}`;

t.test('Query agrees with the model', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(modelItem, { maxLength: 30 }),
      fc.constantFrom('a', 'b', 'é', 'a\u0000'),
      sortCondition,
      filter,
      fc.boolean(),
      fc.option(fc.integer({ min: 1, max: 7 }), { nil: undefined }),
      async (items, pk, sort, f, forward, limit) => {
        const { name, model } = await loadTable(items);
        const parts = filterParts(f);
        const expected = [...model.values()]
          .filter((i) => i.pk === pk && matchesSort(i.sk, sort) && parts.test(i))
          .sort((a, b) => (forward ? a.sk - b.sk : b.sk - a.sk))
          .map((i) => `${i.pk}/${i.sk}`);
        const values: Record<string, unknown> = { ':pk': { S: pk }, ...parts.values };
        let keyCondition = 'pk = :pk';
        if (sort !== undefined && sort.op === 'BETWEEN') {
          keyCondition += ' AND sk BETWEEN :lo AND :hi';
          values[':lo'] = { N: String(sort.lo) };
          values[':hi'] = { N: String(sort.hi) };
        } else if (sort !== undefined) {
          keyCondition += ` AND sk ${sort.op} :v`;
          values[':v'] = { N: String(sort.v) };
        }
        const got: string[] = [];
        let startKey: unknown;
        let pages = 0;
        do {
          const page = await call('Query', {
            TableName: name,
            KeyConditionExpression: keyCondition,
            ...(parts.expression ? { FilterExpression: parts.expression } : {}),
            ExpressionAttributeValues: values,
            ScanIndexForward: forward,
            ...(limit ? { Limit: limit } : {}),
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          });
          if (limit !== undefined && page.ScannedCount > limit) return false;
          got.push(...page.Items.map(fromWire));
          startKey = page.LastEvaluatedKey;
          if (++pages > 100) return false;
        } while (startKey !== undefined);
        return JSON.stringify(got) === JSON.stringify(expected);
      },
    ),
    { numRuns: RUNS },
  );
  t.pass('Query matched the model');
});

t.test('Scan with paging and segments agrees with the model', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(modelItem, { maxLength: 30 }),
      filter,
      fc.option(fc.integer({ min: 1, max: 9 }), { nil: undefined }),
      fc.integer({ min: 1, max: 4 }),
      async (items, f, limit, segments) => {
        const { name, model } = await loadTable(items);
        const parts = filterParts(f);
        const expected = [...model.values()].filter(parts.test).map((i) => `${i.pk}/${i.sk}`).sort();
        const got: string[] = [];
        for (let segment = 0; segment < segments; segment++) {
          let startKey: unknown;
          let pages = 0;
          do {
            const page = await call('Scan', {
              TableName: name,
              ...(segments > 1 ? { Segment: segment, TotalSegments: segments } : {}),
              ...(parts.expression ? { FilterExpression: parts.expression, ExpressionAttributeValues: parts.values } : {}),
              ...(limit ? { Limit: limit } : {}),
              ...(startKey ? { ExclusiveStartKey: startKey } : {}),
            });
            got.push(...page.Items.map(fromWire));
            startKey = page.LastEvaluatedKey;
            if (++pages > 100) return false;
          } while (startKey !== undefined);
        }
        return JSON.stringify(got.sort()) === JSON.stringify(expected);
      },
    ),
    { numRuns: RUNS },
  );
  t.pass('Scan matched the model');
});
