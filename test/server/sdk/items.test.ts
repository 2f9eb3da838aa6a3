import t from 'tap';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createTable, startTestServer, type TestServer } from '../../helpers/server.js';

let server: TestServer;
t.before(async () => {
  server = await startTestServer();
  await createTable(server.client, 'items', ['pk', 'S'], ['sk', 'N']);
});
t.teardown(async () => {
  await server.close();
});

const key = (pk: string, sk = '1') => ({ pk: { S: pk }, sk: { N: sk } });

t.test('PutItem then GetItem round-trips every attribute type', async (t) => {
  const item = {
    ...key('all-types'),
    s: { S: 'héllo' },
    n: { N: '-12.50' },
    b: { B: new Uint8Array([0, 255, 7]) },
    ss: { SS: ['a', 'b'] },
    ns: { NS: ['1', '2.5'] },
    bs: { BS: [new Uint8Array([1]), new Uint8Array([2])] },
    m: { M: { inner: { S: 'x' }, deeper: { M: { n: { N: '1' } } } } },
    l: { L: [{ S: 'a' }, { N: '1' }, { BOOL: true }] },
    nul: { NULL: true },
    bool: { BOOL: false },
    empty: { S: '' },
  };
  await server.client.send(new PutItemCommand({ TableName: 'items', Item: item }));
  const got = await server.client.send(new GetItemCommand({ TableName: 'items', Key: key('all-types') }));
  t.same(got.Item?.s, { S: 'héllo' });
  t.same(got.Item?.n, { N: '-12.5' }, 'numbers come back normalised');
  t.same(got.Item?.b?.B, new Uint8Array([0, 255, 7]));
  t.same(new Set(got.Item?.ss?.SS), new Set(['a', 'b']));
  t.same(got.Item?.m, item.m);
  t.same(got.Item?.l, item.l);
  t.same(got.Item?.nul, { NULL: true });
  t.same(got.Item?.bool, { BOOL: false });
  t.same(got.Item?.empty, { S: '' }, 'empty strings are allowed outside keys');
});

t.test('GetItem of a missing item returns no Item', async (t) => {
  const got = await server.client.send(new GetItemCommand({ TableName: 'items', Key: key('nobody') }));
  t.equal(got.Item, undefined);
});

t.test('GetItem with a ProjectionExpression keeps nested structure', async (t) => {
  await server.client.send(
    new PutItemCommand({
      TableName: 'items',
      Item: {
        ...key('projected'),
        a: { S: 'keep' },
        b: { S: 'drop' },
        m: { M: { x: { N: '1' }, y: { N: '2' } } },
        l: { L: [{ S: 'zero' }, { S: 'one' }, { S: 'two' }] },
      },
    }),
  );
  const got = await server.client.send(
    new GetItemCommand({
      TableName: 'items',
      Key: key('projected'),
      ProjectionExpression: '#a, m.y, l[2]',
      ExpressionAttributeNames: { '#a': 'a' },
    }),
  );
  t.same(got.Item, { a: { S: 'keep' }, m: { M: { y: { N: '2' } } }, l: { L: [{ S: 'two' }] } });
});

t.test('conditional PutItem: attribute_not_exists guards creation', async (t) => {
  const put = () =>
    server.client.send(
      new PutItemCommand({
        TableName: 'items',
        Item: { ...key('once'), v: { N: '1' } },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  await put();
  await t.rejects(put(), ConditionalCheckFailedException);
  try {
    await server.client.send(
      new PutItemCommand({
        TableName: 'items',
        Item: { ...key('once'), v: { N: '2' } },
        ConditionExpression: 'v = :two',
        ExpressionAttributeValues: { ':two': { N: '2' } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    t.fail('the condition should fail');
  } catch (error) {
    t.ok(error instanceof ConditionalCheckFailedException);
    t.same((error as ConditionalCheckFailedException).Item?.v, { N: '1' }, 'the old item is returned');
    t.equal((error as Error).message, 'The conditional request failed');
  }
  const got = await server.client.send(new GetItemCommand({ TableName: 'items', Key: key('once') }));
  t.same(got.Item?.v, { N: '1' }, 'nothing was written');
});

t.test('PutItem and DeleteItem return old values and consumed capacity', async (t) => {
  await server.client.send(new PutItemCommand({ TableName: 'items', Item: { ...key('rv'), v: { S: 'first' } } }));
  const replaced = await server.client.send(
    new PutItemCommand({
      TableName: 'items',
      Item: { ...key('rv'), v: { S: 'second' } },
      ReturnValues: 'ALL_OLD',
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  t.same(replaced.Attributes?.v, { S: 'first' });
  t.same(replaced.ConsumedCapacity, { TableName: 'items', CapacityUnits: 1 });
  await t.rejects(
    server.client.send(
      new DeleteItemCommand({
        TableName: 'items',
        Key: key('rv'),
        ConditionExpression: 'v = :v',
        ExpressionAttributeValues: { ':v': { S: 'first' } },
      }),
    ),
    ConditionalCheckFailedException,
  );
  const deleted = await server.client.send(
    new DeleteItemCommand({ TableName: 'items', Key: key('rv'), ReturnValues: 'ALL_OLD' }),
  );
  t.same(deleted.Attributes?.v, { S: 'second' });
  const got = await server.client.send(new GetItemCommand({ TableName: 'items', Key: key('rv') }));
  t.equal(got.Item, undefined);
});

t.test('UpdateItem SET and REMOVE with ReturnValues', async (t) => {
  const created = await server.client.send(
    new UpdateItemCommand({
      TableName: 'items',
      Key: key('counter'),
      UpdateExpression: 'SET #c = :zero, tags = :tags',
      ExpressionAttributeNames: { '#c': 'count' },
      ExpressionAttributeValues: { ':zero': { N: '0' }, ':tags': { L: [{ S: 'a' }] } },
      ReturnValues: 'ALL_NEW',
    }),
  );
  t.same(created.Attributes, { ...key('counter'), count: { N: '0' }, tags: { L: [{ S: 'a' }] } });
  const incremented = await server.client.send(
    new UpdateItemCommand({
      TableName: 'items',
      Key: key('counter'),
      UpdateExpression: 'SET #c = #c + :one REMOVE tags',
      ConditionExpression: '#c < :limit',
      ExpressionAttributeNames: { '#c': 'count' },
      ExpressionAttributeValues: { ':one': { N: '1' }, ':limit': { N: '10' } },
      ReturnValues: 'UPDATED_OLD',
    }),
  );
  t.same(incremented.Attributes, { count: { N: '0' }, tags: { L: [{ S: 'a' }] } });
  const got = await server.client.send(new GetItemCommand({ TableName: 'items', Key: key('counter') }));
  t.same(got.Item, { ...key('counter'), count: { N: '1' } });
  await t.rejects(
    server.client.send(
      new UpdateItemCommand({
        TableName: 'items',
        Key: key('counter'),
        UpdateExpression: 'SET pk = :x',
        ExpressionAttributeValues: { ':x': { S: 'y' } },
      }),
    ),
    {
      name: 'ValidationException',
      message: 'One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key',
    },
  );
});

t.test('the DocumentClient works unchanged', async (t) => {
  await server.doc.send(
    new PutCommand({ TableName: 'items', Item: { pk: 'doc', sk: 2, name: 'Ada', tags: new Set(['x']), nested: { a: [1, 2] } } }),
  );
  const got = await server.doc.send(new GetCommand({ TableName: 'items', Key: { pk: 'doc', sk: 2 } }));
  t.same(got.Item, { pk: 'doc', sk: 2, name: 'Ada', tags: new Set(['x']), nested: { a: [1, 2] } });
});

t.test('item validation errors carry DynamoDB messages and write nothing', async (t) => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['missing sort key', { pk: { S: 'x' } }, 'One or more parameter values were invalid: Missing the key sk in the item'],
    [
      'key type mismatch',
      { pk: { N: '1' }, sk: { N: '1' } },
      'One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N',
    ],
    [
      'empty string key',
      { pk: { S: '' }, sk: { N: '1' } },
      'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk',
    ],
    [
      'number with 39 digits',
      { pk: { S: 'x' }, sk: { N: '1' }, n: { N: '123456789012345678901234567890123456789' } },
      'Attempting to store more than 38 significant digits in a Number',
    ],
    [
      'oversized item',
      { pk: { S: 'x' }, sk: { N: '1' }, big: { S: 'x'.repeat(400 * 1024) } },
      'Item size has exceeded the maximum allowed size',
    ],
  ];
  for (const [name, item, message] of cases) {
    await t.rejects(
      server.client.send(new PutItemCommand({ TableName: 'items', Item: item as never })),
      { name: 'ValidationException', message },
      name,
    );
  }
  await t.rejects(server.client.send(new GetItemCommand({ TableName: 'items', Key: { pk: { S: 'x' } } })), {
    name: 'ValidationException',
    message: 'The provided key element does not match the schema',
  });
  await t.rejects(
    server.client.send(
      new PutItemCommand({
        TableName: 'items',
        Item: key('x'),
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':unused': { S: 'u' } },
      }),
    ),
    { name: 'ValidationException', message: 'Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}' },
  );
  await t.rejects(server.client.send(new PutItemCommand({ TableName: 'nope', Item: key('x') })), {
    name: 'ResourceNotFoundException',
  });
  const got = await server.client.send(new GetItemCommand({ TableName: 'items', Key: key('x') }));
  t.equal(got.Item, undefined, 'nothing was written by refused requests');
});
