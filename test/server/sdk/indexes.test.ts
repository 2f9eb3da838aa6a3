import t from 'tap';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  paginateQuery,
} from '@aws-sdk/client-dynamodb';
import { startTestServer, type TestServer } from '../../helpers/server.js';

let server: TestServer;
t.before(async () => {
  server = await startTestServer();
  await server.client.send(
    new CreateTableCommand({
      TableName: 'orders',
      AttributeDefinitions: [
        { AttributeName: 'customer', AttributeType: 'S' },
        { AttributeName: 'orderId', AttributeType: 'S' },
        { AttributeName: 'status', AttributeType: 'S' },
        { AttributeName: 'total', AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: 'customer', KeyType: 'HASH' },
        { AttributeName: 'orderId', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        { IndexName: 'by-status', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }, { AttributeName: 'total', KeyType: 'RANGE' }], Projection: { ProjectionType: 'KEYS_ONLY' } },
        { IndexName: 'by-status-all', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
      ],
      LocalSecondaryIndexes: [
        {
          IndexName: 'by-total',
          KeySchema: [{ AttributeName: 'customer', KeyType: 'HASH' }, { AttributeName: 'total', KeyType: 'RANGE' }],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['note'] },
        },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const orders: Array<[string, string, string | undefined, number]> = [
    ['ann', 'o1', 'open', 30],
    ['ann', 'o2', 'shipped', 10],
    ['ann', 'o3', 'open', 20],
    ['bob', 'o4', 'open', 5],
    ['bob', 'o5', undefined, 50],
  ];
  for (const [customer, orderId, status, total] of orders) {
    await server.client.send(
      new PutItemCommand({
        TableName: 'orders',
        Item: {
          customer: { S: customer },
          orderId: { S: orderId },
          ...(status === undefined ? {} : { status: { S: status } }),
          total: { N: String(total) },
          note: { S: `note ${orderId}` },
          secret: { S: 'not projected' },
        },
      }),
    );
  }
});
t.teardown(async () => {
  await server.close();
});

const ids = (items: Array<Record<string, { S?: string }>> | undefined) => (items ?? []).map((i) => i.orderId?.S);

t.test('DescribeTable lists the indexes', async (t) => {
  const described = await server.client.send(new DescribeTableCommand({ TableName: 'orders' }));
  t.same(described.Table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.IndexStatus]), [['by-status', 'ACTIVE'], ['by-status-all', 'ACTIVE']]);
  t.same(described.Table?.LocalSecondaryIndexes?.map((i) => i.IndexName), ['by-total']);
  t.match(described.Table?.GlobalSecondaryIndexes?.[0]?.IndexArn, /table\/orders\/index\/by-status$/);
});

t.test('a global index is queried by its own keys, projected, and sparse', async (t) => {
  const open = await server.client.send(
    new QueryCommand({ TableName: 'orders', IndexName: 'by-status', KeyConditionExpression: '#s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': { S: 'open' } } }),
  );
  t.same(ids(open.Items), ['o4', 'o3', 'o1'], 'ordered by the index sort key (total)');
  t.same(Object.keys(open.Items![0]!).sort(), ['customer', 'orderId', 'status', 'total'], 'KEYS_ONLY projection');
  const scanned = await server.client.send(new ScanCommand({ TableName: 'orders', IndexName: 'by-status-all' }));
  t.equal(scanned.Count, 4, 'the item without a status is not in the index');
  t.equal(scanned.Items?.[0]?.secret?.S, 'not projected', 'ALL projection keeps everything');
  await t.rejects(
    server.client.send(new QueryCommand({ TableName: 'orders', IndexName: 'by-status', KeyConditionExpression: '#s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': { S: 'open' } }, ConsistentRead: true })),
    { name: 'ValidationException', message: 'Consistent reads are not supported on global secondary indexes' },
  );
  await t.rejects(
    server.client.send(new QueryCommand({ TableName: 'orders', IndexName: 'nope', KeyConditionExpression: 'customer = :c', ExpressionAttributeValues: { ':c': { S: 'ann' } } })),
    { name: 'ValidationException', message: 'The table does not have the specified index: nope' },
  );
});

t.test('a local index orders one partition by another attribute and can fetch whole items', async (t) => {
  const byTotal = await server.client.send(
    new QueryCommand({ TableName: 'orders', IndexName: 'by-total', KeyConditionExpression: 'customer = :c AND #t >= :min', ExpressionAttributeNames: { '#t': 'total' }, ExpressionAttributeValues: { ':c': { S: 'ann' }, ':min': { N: '15' } } }),
  );
  t.same(ids(byTotal.Items), ['o3', 'o1']);
  t.equal(byTotal.Items?.[0]?.note?.S, 'note o3', 'INCLUDE projects note');
  t.equal(byTotal.Items?.[0]?.secret, undefined, 'and not the rest');
  const whole = await server.client.send(
    new QueryCommand({ TableName: 'orders', IndexName: 'by-total', KeyConditionExpression: 'customer = :c', ExpressionAttributeValues: { ':c': { S: 'ann' } }, Select: 'ALL_ATTRIBUTES' }),
  );
  t.equal(whole.Items?.[0]?.secret?.S, 'not projected', 'ALL_ATTRIBUTES fetches from the table');
  const seen: Array<string | undefined> = [];
  for await (const page of paginateQuery(
    { client: server.client, pageSize: 1 },
    { TableName: 'orders', IndexName: 'by-total', KeyConditionExpression: 'customer = :c', ExpressionAttributeValues: { ':c': { S: 'ann' } } },
  )) {
    seen.push(...ids(page.Items));
  }
  t.same(seen, ['o2', 'o3', 'o1'], 'paging through an index with LastEvaluatedKey');
});

t.test('a local index fetches attributes it does not project when a read names them', async (t) => {
  const query = (extra: Partial<ConstructorParameters<typeof QueryCommand>[0]>) =>
    server.client.send(
      new QueryCommand({
        TableName: 'orders',
        IndexName: 'by-total',
        KeyConditionExpression: 'customer = :c',
        ...extra,
        ExpressionAttributeValues: { ':c': { S: 'ann' }, ...extra.ExpressionAttributeValues },
      }),
    );
  const projected = await query({ ProjectionExpression: 'orderId, secret' });
  t.same(projected.Items?.[0], { orderId: { S: 'o2' }, secret: { S: 'not projected' } }, 'ProjectionExpression');
  const legacy = await server.client.send(
    new QueryCommand({
      TableName: 'orders',
      IndexName: 'by-total',
      KeyConditions: { customer: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'ann' }] } },
      AttributesToGet: ['secret'],
    }),
  );
  t.same(legacy.Items?.[0], { secret: { S: 'not projected' } }, 'AttributesToGet');
  const filtered = await query({ FilterExpression: 'secret = :s', ExpressionAttributeValues: { ':s': { S: 'not projected' } } });
  t.same(ids(filtered.Items), ['o2', 'o3', 'o1'], 'the filter sees the table item');
  t.equal(filtered.Items?.[0]?.secret, undefined, 'and the result keeps the index projection');
  t.equal(filtered.Items?.[0]?.note?.S, 'note o2');
  const counted = await query({ Select: 'COUNT', FilterExpression: 'secret = :s', ExpressionAttributeValues: { ':s': { S: 'not projected' } } });
  t.equal(counted.Count, 3);
});

t.test('writes keep the indexes in step: updates move entries, deletes and transactions too', async (t) => {
  const openOf = async () =>
    ids(
      (
        await server.client.send(
          new QueryCommand({ TableName: 'orders', IndexName: 'by-status', KeyConditionExpression: '#s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': { S: 'open' } } }),
        )
      ).Items,
    );
  await server.client.send(
    new UpdateItemCommand({ TableName: 'orders', Key: { customer: { S: 'ann' }, orderId: { S: 'o1' } }, UpdateExpression: 'SET #s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': { S: 'shipped' } } }),
  );
  t.same(await openOf(), ['o4', 'o3']);
  await server.client.send(new DeleteItemCommand({ TableName: 'orders', Key: { customer: { S: 'bob' }, orderId: { S: 'o4' } } }));
  t.same(await openOf(), ['o3']);
  await server.client.send(
    new TransactWriteItemsCommand({
      TransactItems: [
        { Put: { TableName: 'orders', Item: { customer: { S: 'cat' }, orderId: { S: 'o6' }, status: { S: 'open' }, total: { N: '1' } } } },
        { Update: { TableName: 'orders', Key: { customer: { S: 'ann' }, orderId: { S: 'o3' } }, UpdateExpression: 'REMOVE #s', ExpressionAttributeNames: { '#s': 'status' } } },
      ],
    }),
  );
  t.same(await openOf(), ['o6']);
  await t.rejects(
    server.client.send(new PutItemCommand({ TableName: 'orders', Item: { customer: { S: 'x' }, orderId: { S: 'y' }, status: { N: '1' } } })),
    { name: 'ValidationException', message: 'One or more parameter values were invalid: Type mismatch for Index Key status Expected: S Actual: N IndexName: by-status' },
  );
});

t.test('UpdateTable adds a global index, backfills it, and deletes it', async (t) => {
  const created = await server.client.send(
    new UpdateTableCommand({
      TableName: 'orders',
      AttributeDefinitions: [{ AttributeName: 'region', AttributeType: 'S' }],
      GlobalSecondaryIndexUpdates: [
        { Create: { IndexName: 'by-region', KeySchema: [{ AttributeName: 'region', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } } },
      ],
    }),
  );
  t.ok(created.TableDescription?.GlobalSecondaryIndexes?.some((i) => i.IndexName === 'by-region'));
  t.ok(created.TableDescription?.AttributeDefinitions?.some((d) => d.AttributeName === 'region'));
  for (const [customer, orderId] of [['ann', 'o2'], ['bob', 'o5']]) {
    await server.client.send(
      new UpdateItemCommand({
        TableName: 'orders',
        Key: { customer: { S: customer! }, orderId: { S: orderId! } },
        UpdateExpression: 'SET #r = :r',
        ExpressionAttributeNames: { '#r': 'region' },
        ExpressionAttributeValues: { ':r': { S: 'north' } },
      }),
    );
  }
  let status: string | undefined;
  for (let attempt = 0; attempt < 100 && status !== 'ACTIVE'; attempt++) {
    const described = await server.client.send(new DescribeTableCommand({ TableName: 'orders' }));
    status = described.Table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === 'by-region')?.IndexStatus;
    if (status !== 'ACTIVE') await new Promise((resolve) => setTimeout(resolve, 50));
  }
  t.equal(status, 'ACTIVE', 'the backfill finished');
  const north = await server.client.send(
    new QueryCommand({ TableName: 'orders', IndexName: 'by-region', KeyConditionExpression: '#r = :r', ExpressionAttributeNames: { '#r': 'region' }, ExpressionAttributeValues: { ':r': { S: 'north' } } }),
  );
  t.same(ids(north.Items).sort(), ['o2', 'o5']);
  await server.client.send(new UpdateTableCommand({ TableName: 'orders', GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'by-region' } }] }));
  await t.rejects(
    server.client.send(
      new QueryCommand({ TableName: 'orders', IndexName: 'by-region', KeyConditionExpression: '#r = :r', ExpressionAttributeNames: { '#r': 'region' }, ExpressionAttributeValues: { ':r': { S: 'north' } } }),
    ),
    { name: 'ValidationException', message: 'The table does not have the specified index: by-region' },
  );
});

t.test('a backfill indexes items written before the index existed', async (t) => {
  await server.client.send(
    new CreateTableCommand({
      TableName: 'late-index',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  for (let i = 0; i < 40; i++) {
    await server.client.send(new PutItemCommand({ TableName: 'late-index', Item: { id: { S: `i${i}` }, group: { S: `g${i % 4}` } } }));
  }
  await server.client.send(
    new UpdateTableCommand({
      TableName: 'late-index',
      AttributeDefinitions: [{ AttributeName: 'group', AttributeType: 'S' }],
      GlobalSecondaryIndexUpdates: [
        { Create: { IndexName: 'by-group', KeySchema: [{ AttributeName: 'group', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } } },
      ],
    }),
  );
  let status: string | undefined;
  for (let attempt = 0; attempt < 100 && status !== 'ACTIVE'; attempt++) {
    const described = await server.client.send(new DescribeTableCommand({ TableName: 'late-index' }));
    status = described.Table?.GlobalSecondaryIndexes?.[0]?.IndexStatus;
    if (status !== 'ACTIVE') await new Promise((resolve) => setTimeout(resolve, 50));
  }
  t.equal(status, 'ACTIVE');
  const g1 = await server.client.send(
    new QueryCommand({ TableName: 'late-index', IndexName: 'by-group', KeyConditionExpression: '#g = :g', ExpressionAttributeNames: { '#g': 'group' }, ExpressionAttributeValues: { ':g': { S: 'g1' } } }),
  );
  t.equal(g1.Count, 10);
});
