import t from 'tap';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  GetItemCommand,
  PutItemCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { createTable, startTestServer, type TestServer } from '../../helpers/server.js';

let server: TestServer;
t.before(async () => {
  server = await startTestServer();
  for (const name of ['left', 'right']) await createTable(server.client, name, ['id', 'S']);
});
t.teardown(async () => {
  await server.close();
});

const key = (id: string) => ({ id: { S: id } });

t.test('BatchWriteItem puts and deletes across tables; BatchGetItem reads them back', async (t) => {
  await server.client.send(new PutItemCommand({ TableName: 'right', Item: { ...key('doomed'), v: { N: '0' } } }));
  const written = await server.client.send(
    new BatchWriteItemCommand({
      RequestItems: {
        left: Array.from({ length: 20 }, (_, i) => ({ PutRequest: { Item: { ...key(`l${i}`), v: { N: String(i) } } } })),
        right: [{ PutRequest: { Item: { ...key('r1'), v: { N: '100' } } } }, { DeleteRequest: { Key: key('doomed') } }],
      },
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  t.same(written.UnprocessedItems, {});
  t.same(written.ConsumedCapacity?.map((c) => c.TableName).sort(), ['left', 'right']);
  const read = await server.client.send(
    new BatchGetItemCommand({
      RequestItems: {
        left: { Keys: [key('l0'), key('l19'), key('missing')], ProjectionExpression: 'v' },
        right: { Keys: [key('r1'), key('doomed')], ConsistentRead: true },
      },
    }),
  );
  t.same(read.Responses?.left?.map((i) => i.v?.N).sort(), ['0', '19']);
  t.same(read.Responses?.left?.[0] && Object.keys(read.Responses.left[0]), ['v'], 'projection applied');
  t.same(read.Responses?.right, [{ ...key('r1'), v: { N: '100' } }]);
  t.same(read.UnprocessedKeys, {});
});

t.test('batch limits and duplicates are refused with nothing written', async (t) => {
  await t.rejects(
    server.client.send(
      new BatchWriteItemCommand({
        RequestItems: { left: Array.from({ length: 26 }, (_, i) => ({ PutRequest: { Item: key(`over-${i}`) } })) },
      }),
    ),
    { name: 'ValidationException' },
  );
  await t.rejects(
    server.client.send(
      new BatchWriteItemCommand({
        RequestItems: { left: [{ PutRequest: { Item: key('dup') } }, { DeleteRequest: { Key: key('dup') } }] },
      }),
    ),
    { name: 'ValidationException', message: 'Provided list of item keys contains duplicates' },
  );
  await t.rejects(
    server.client.send(new BatchGetItemCommand({ RequestItems: { left: { Keys: [key('a'), key('a')] } } })),
    { name: 'ValidationException', message: 'Provided list of item keys contains duplicates' },
  );
  await t.rejects(
    server.client.send(
      new BatchGetItemCommand({ RequestItems: { left: { Keys: Array.from({ length: 101 }, (_, i) => key(`k${i}`)) } } }),
    ),
    { name: 'ValidationException' },
  );
  const got = await server.client.send(new GetItemCommand({ TableName: 'left', Key: key('over-0') }));
  t.equal(got.Item, undefined);
  t.equal((await server.client.send(new GetItemCommand({ TableName: 'left', Key: key('dup') }))).Item, undefined);
});

t.test('TransactGetItems reads one snapshot and never sees half a transaction', async (t) => {
  await server.client.send(new PutItemCommand({ TableName: 'left', Item: { ...key('a'), n: { N: '0' } } }));
  await server.client.send(new PutItemCommand({ TableName: 'right', Item: { ...key('b'), n: { N: '0' } } }));
  let stop = false;
  let transfers = 0;
  const writer = (async () => {
    while (!stop) {
      const n = String(++transfers);
      await server.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: 'left', Item: { ...key('a'), n: { N: n } } } },
            { Put: { TableName: 'right', Item: { ...key('b'), n: { N: n } } } },
          ],
        }),
      );
    }
  })();
  let torn = 0;
  for (let i = 0; i < 60; i++) {
    const snapshot = await server.client.send(
      new TransactGetItemsCommand({
        TransactItems: [
          { Get: { TableName: 'left', Key: key('a') } },
          { Get: { TableName: 'right', Key: key('b'), ProjectionExpression: 'n' } },
        ],
      }),
    );
    const [left, right] = snapshot.Responses ?? [];
    if (left?.Item?.n?.N !== right?.Item?.n?.N) torn++;
    t.same(right?.Item && Object.keys(right.Item), ['n']);
  }
  stop = true;
  await writer;
  t.ok(transfers > 1, 'transactions ran concurrently with the reads');
  t.equal(torn, 0, 'no snapshot mixed two transactions');
  await t.rejects(
    server.client.send(
      new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: 'left', Key: key('a') } }, { Get: { TableName: 'left', Key: key('a') } }] }),
    ),
    { name: 'ValidationException', message: 'Transaction request cannot include multiple operations on one item' },
  );
});
