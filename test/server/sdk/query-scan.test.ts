import t from 'tap';
import { PutItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { paginateQuery, paginateScan } from '@aws-sdk/client-dynamodb';
import { createTable, startTestServer, type TestServer } from '../../helpers/server.js';

let server: TestServer;
const PARTITIONS = ['p1', 'p2', 'p3'];
const SORT_KEYS = 12;

t.before(async () => {
  server = await startTestServer();
  await createTable(server.client, 'events', ['pk', 'S'], ['sk', 'N']);
  for (const pk of PARTITIONS) {
    for (let sk = 0; sk < SORT_KEYS; sk++) {
      await server.client.send(
        new PutItemCommand({
          TableName: 'events',
          Item: { pk: { S: pk }, sk: { N: String(sk - 5) }, even: { BOOL: sk % 2 === 0 }, label: { S: `item-${sk}` } },
        }),
      );
    }
  }
});
t.teardown(async () => {
  await server.close();
});

const sks = (items: Array<Record<string, { N?: string }>> | undefined) => (items ?? []).map((i) => Number(i.sk?.N));

t.test('Query returns one partition in sort order, numbers ordered by value', async (t) => {
  const result = await server.client.send(
    new QueryCommand({ TableName: 'events', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'p2' } } }),
  );
  t.same(sks(result.Items), Array.from({ length: SORT_KEYS }, (_, i) => i - 5));
  t.equal(result.Count, SORT_KEYS);
  t.equal(result.ScannedCount, SORT_KEYS);
  t.equal(result.LastEvaluatedKey, undefined);
});

t.test('Query sort key conditions, reverse order, filter and projection', async (t) => {
  const between = await server.client.send(
    new QueryCommand({
      TableName: 'events',
      KeyConditionExpression: 'pk = :p AND sk BETWEEN :lo AND :hi',
      ExpressionAttributeValues: { ':p': { S: 'p1' }, ':lo': { N: '-2' }, ':hi': { N: '3' } },
      ScanIndexForward: false,
    }),
  );
  t.same(sks(between.Items), [3, 2, 1, 0, -1, -2]);
  const filtered = await server.client.send(
    new QueryCommand({
      TableName: 'events',
      KeyConditionExpression: 'pk = :p AND sk >= :lo',
      FilterExpression: 'even = :yes',
      ProjectionExpression: 'sk, label',
      ExpressionAttributeValues: { ':p': { S: 'p1' }, ':lo': { N: '0' }, ':yes': { BOOL: true } },
    }),
  );
  t.same(sks(filtered.Items), [1, 3, 5]);
  t.equal(filtered.ScannedCount, 7, 'the filter applies after the read');
  t.same(Object.keys(filtered.Items![0]!).sort(), ['label', 'sk']);
  const counted = await server.client.send(
    new QueryCommand({
      TableName: 'events',
      KeyConditionExpression: 'pk = :p AND sk < :hi',
      ExpressionAttributeValues: { ':p': { S: 'p3' }, ':hi': { N: '0' } },
      Select: 'COUNT',
    }),
  );
  t.equal(counted.Count, 5);
  t.equal(counted.Items, undefined);
});

t.test('Query pages with Limit and ExclusiveStartKey, forwards and backwards', async (t) => {
  for (const forward of [true, false]) {
    const seen: number[] = [];
    let pages = 0;
    for await (const page of paginateQuery(
      { client: server.client, pageSize: 5 },
      { TableName: 'events', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'p3' } }, ScanIndexForward: forward },
    )) {
      pages++;
      seen.push(...sks(page.Items));
    }
    const expected = Array.from({ length: SORT_KEYS }, (_, i) => i - 5);
    t.same(seen, forward ? expected : expected.reverse(), `every item once, ${forward ? 'forwards' : 'backwards'}`);
    t.equal(pages, 3);
  }
});

t.test('Scan pages over every item, and parallel segments cover the table exactly once', async (t) => {
  const all: string[] = [];
  for await (const page of paginateScan({ client: server.client, pageSize: 7 }, { TableName: 'events' })) {
    for (const item of page.Items ?? []) all.push(`${item.pk?.S}/${item.sk?.N}`);
  }
  t.equal(all.length, PARTITIONS.length * SORT_KEYS);
  t.equal(new Set(all).size, all.length, 'no duplicates');
  const segments = 4;
  const bySegment: string[] = [];
  for (let segment = 0; segment < segments; segment++) {
    for await (const page of paginateScan({ client: server.client, pageSize: 4 }, { TableName: 'events', Segment: segment, TotalSegments: segments })) {
      for (const item of page.Items ?? []) bySegment.push(`${item.pk?.S}/${item.sk?.N}`);
    }
  }
  t.same(bySegment.sort(), [...all].sort());
  const filtered = await server.client.send(
    new ScanCommand({ TableName: 'events', FilterExpression: 'sk = :zero', ExpressionAttributeValues: { ':zero': { N: '0' } } }),
  );
  t.equal(filtered.Count, PARTITIONS.length);
  t.equal(filtered.ScannedCount, PARTITIONS.length * SORT_KEYS);
});

t.test('Query and Scan validation messages', async (t) => {
  await t.rejects(server.client.send(new QueryCommand({ TableName: 'events' })), {
    name: 'ValidationException',
    message: 'Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.',
  });
  await t.rejects(
    server.client.send(
      new QueryCommand({ TableName: 'events', KeyConditionExpression: 'sk = :v', ExpressionAttributeValues: { ':v': { N: '1' } } }),
    ),
    { name: 'ValidationException', message: 'Query condition missed key schema element: pk' },
  );
  await t.rejects(
    server.client.send(
      new QueryCommand({
        TableName: 'events',
        KeyConditionExpression: 'pk = :p',
        FilterExpression: 'sk > :v',
        ExpressionAttributeValues: { ':p': { S: 'p1' }, ':v': { N: '1' } },
      }),
    ),
    { name: 'ValidationException', message: 'Filter Expression can only contain non-primary key attributes: Primary key attribute: sk' },
  );
  await t.rejects(server.client.send(new ScanCommand({ TableName: 'events', Segment: 1 })), {
    name: 'ValidationException',
    message: 'The TotalSegments parameter is required but was not present in the request when Segment parameter is present',
  });
  await t.rejects(server.client.send(new ScanCommand({ TableName: 'events', Select: 'SPECIFIC_ATTRIBUTES' })), {
    name: 'ValidationException',
    message: 'Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES',
  });
  await t.rejects(
    server.client.send(
      new QueryCommand({
        TableName: 'events',
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': { S: 'p1' } },
        ExclusiveStartKey: { pk: { S: 'p2' }, sk: { N: '1' } },
      }),
    ),
    { name: 'ValidationException', message: 'The provided starting key is outside query boundaries based on provided conditions' },
  );
});
