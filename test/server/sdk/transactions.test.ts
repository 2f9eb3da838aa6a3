import t from 'tap';
import {
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { createTable, startTestServer, type TestServer } from '../../helpers/server.js';

let server: TestServer;
t.before(async () => {
  server = await startTestServer();
  for (const name of ['accounts', 'audit']) await createTable(server.client, name, ['id', 'S']);
});
t.teardown(async () => {
  await server.close();
});

const get = async (table: string, id: string) =>
  (await server.client.send(new GetItemCommand({ TableName: table, Key: { id: { S: id } }, ConsistentRead: true }))).Item;

t.test('Put, Update, Delete and ConditionCheck across tables commit together', async (t) => {
  await server.client.send(new PutItemCommand({ TableName: 'accounts', Item: { id: { S: 'alice' }, balance: { N: '100' } } }));
  await server.client.send(new PutItemCommand({ TableName: 'accounts', Item: { id: { S: 'gone' }, balance: { N: '0' } } }));
  await server.client.send(new PutItemCommand({ TableName: 'accounts', Item: { id: { S: 'guard' }, open: { BOOL: true } } }));
  await server.client.send(
    new TransactWriteItemsCommand({
      TransactItems: [
        {
          Update: {
            TableName: 'accounts',
            Key: { id: { S: 'alice' } },
            UpdateExpression: 'SET balance = balance - :amount',
            ConditionExpression: 'balance >= :amount',
            ExpressionAttributeValues: { ':amount': { N: '30' } },
          },
        },
        { Put: { TableName: 'accounts', Item: { id: { S: 'bob' }, balance: { N: '30' } }, ConditionExpression: 'attribute_not_exists(id)' } },
        { Delete: { TableName: 'accounts', Key: { id: { S: 'gone' } } } },
        { ConditionCheck: { TableName: 'accounts', Key: { id: { S: 'guard' } }, ConditionExpression: '#o = :yes', ExpressionAttributeNames: { '#o': 'open' }, ExpressionAttributeValues: { ':yes': { BOOL: true } } } },
        { Put: { TableName: 'audit', Item: { id: { S: 'transfer-1' }, amount: { N: '30' } } } },
      ],
    }),
  );
  t.same((await get('accounts', 'alice'))?.balance, { N: '70' });
  t.same((await get('accounts', 'bob'))?.balance, { N: '30' });
  t.equal(await get('accounts', 'gone'), undefined);
  t.same((await get('audit', 'transfer-1'))?.amount, { N: '30' });
});

t.test('one failed condition cancels everything, with reasons in request order', async (t) => {
  const before = await get('accounts', 'alice');
  try {
    await server.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: 'audit', Item: { id: { S: 'should-not-exist' } } } },
          {
            Update: {
              TableName: 'accounts',
              Key: { id: { S: 'alice' } },
              UpdateExpression: 'SET balance = balance - :amount',
              ConditionExpression: 'balance >= :amount',
              ExpressionAttributeValues: { ':amount': { N: '1000' } },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          { ConditionCheck: { TableName: 'accounts', Key: { id: { S: 'nobody' } }, ConditionExpression: 'attribute_exists(id)' } },
        ],
      }),
    );
    t.fail('the transaction should be cancelled');
  } catch (error) {
    t.ok(error instanceof TransactionCanceledException, 'TransactionCanceledException');
    const reasons = (error as TransactionCanceledException).CancellationReasons!;
    t.same(
      reasons.map((r) => r.Code),
      ['None', 'ConditionalCheckFailed', 'ConditionalCheckFailed'],
    );
    t.same(reasons[1]?.Item?.balance, before?.balance, 'ALL_OLD returns the item');
    t.equal(reasons[2]?.Item, undefined);
    t.match((error as Error).message, /Transaction cancelled, please refer cancellation reasons for specific reasons \[None, ConditionalCheckFailed, ConditionalCheckFailed\]/);
  }
  t.equal(await get('audit', 'should-not-exist'), undefined, 'nothing was written');
  t.same(await get('accounts', 'alice'), before);
});

t.test('refused transaction shapes', async (t) => {
  const put = (id: string): TransactWriteItem => ({ Put: { TableName: 'audit', Item: { id: { S: id } } } });
  await t.rejects(
    server.client.send(new TransactWriteItemsCommand({ TransactItems: [put('dup'), { Delete: { TableName: 'audit', Key: { id: { S: 'dup' } } } }] })),
    { name: 'ValidationException', message: 'Transaction request cannot include multiple operations on one item' },
  );
  await t.rejects(
    server.client.send(new TransactWriteItemsCommand({ TransactItems: Array.from({ length: 101 }, (_, i) => put(`many-${i}`)) })),
    { name: 'ValidationException' },
  );
  await t.rejects(
    server.client.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: 'missing-table', Item: { id: { S: 'x' } } } }] })),
    { name: 'ResourceNotFoundException' },
  );
  t.equal(await get('audit', 'dup'), undefined);
  t.equal(await get('audit', 'many-0'), undefined);
});

t.test('ClientRequestToken makes a retry idempotent', async (t) => {
  const request = (amount: string) =>
    new TransactWriteItemsCommand({
      ClientRequestToken: 'token-1',
      TransactItems: [
        {
          Update: {
            TableName: 'accounts',
            Key: { id: { S: 'idem' } },
            UpdateExpression: 'ADD visits :n',
            ExpressionAttributeValues: { ':n': { N: amount } },
          },
        },
      ],
    });
  await server.client.send(request('1'));
  await server.client.send(request('1'));
  t.same((await get('accounts', 'idem'))?.visits, { N: '1' }, 'applied once');
  await t.rejects(server.client.send(request('2')), { name: 'IdempotentParameterMismatchException' });
});

t.test('concurrent conditional increments lose no update', async (t) => {
  await server.client.send(new PutItemCommand({ TableName: 'accounts', Item: { id: { S: 'hot' }, n: { N: '0' } } }));
  const workers = 8;
  const attemptsPerWorker = 15;
  let succeeded = 0;
  let conflicted = 0;
  const worker = async () => {
    for (let i = 0; i < attemptsPerWorker; i++) {
      const current = (await get('accounts', 'hot'))!.n as { N: string };
      try {
        await server.client.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                Update: {
                  TableName: 'accounts',
                  Key: { id: { S: 'hot' } },
                  UpdateExpression: 'SET n = :next',
                  ConditionExpression: 'n = :seen',
                  ExpressionAttributeValues: { ':seen': current, ':next': { N: String(Number(current.N) + 1) } },
                },
              },
            ],
          }),
        );
        succeeded++;
      } catch (error) {
        const name = (error as Error).name;
        if (name !== 'TransactionCanceledException' && name !== 'TransactionConflictException') throw error;
        conflicted++;
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  const final = await get('accounts', 'hot');
  t.equal(succeeded + conflicted, workers * attemptsPerWorker);
  t.ok(succeeded > 0);
  t.same(final?.n, { N: String(succeeded) }, 'every successful increment is in the final value');
});
