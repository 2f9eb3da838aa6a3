import t from 'tap';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { startTestServer, type TestServer } from '../../helpers/server.js';

let server: TestServer;
t.before(async () => {
  server = await startTestServer();
});
t.teardown(async () => {
  await server.close();
});

t.test('CreateTable with a hash key reports the table, then it is ACTIVE', async (t) => {
  const created = await server.client.send(
    new CreateTableCommand({
      TableName: 'hash-only',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 7 },
    }),
  );
  const description = created.TableDescription!;
  t.equal(description.TableName, 'hash-only');
  t.equal(description.TableStatus, 'CREATING');
  t.same(description.KeySchema, [{ AttributeName: 'pk', KeyType: 'HASH' }]);
  t.equal(description.ProvisionedThroughput?.ReadCapacityUnits, 5);
  t.equal(description.ProvisionedThroughput?.WriteCapacityUnits, 7);
  t.match(description.TableArn, /^arn:aws:dynamodb:[a-z0-9-]+:\d{12}:table\/hash-only$/);
  t.ok(description.CreationDateTime instanceof Date);
  await waitUntilTableExists({ client: server.client, maxWaitTime: 60, minDelay: 1 }, { TableName: 'hash-only' });
  const described = await server.client.send(new DescribeTableCommand({ TableName: 'hash-only' }));
  t.equal(described.Table?.TableStatus, 'ACTIVE');
  t.equal(described.Table?.TableId, description.TableId);
});

t.test('CreateTable with hash and range keys of N and B, on demand', async (t) => {
  const created = await server.client.send(
    new CreateTableCommand({
      TableName: 'composite',
      AttributeDefinitions: [
        { AttributeName: 'id', AttributeType: 'N' },
        { AttributeName: 'blob', AttributeType: 'B' },
      ],
      KeySchema: [
        { AttributeName: 'id', KeyType: 'HASH' },
        { AttributeName: 'blob', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  t.equal(created.TableDescription?.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST');
  t.equal(created.TableDescription?.ProvisionedThroughput?.ReadCapacityUnits, 0);
  await server.client.send(
    new PutItemCommand({ TableName: 'composite', Item: { id: { N: '1' }, blob: { B: new Uint8Array([1, 2]) } } }),
  );
  const got = await server.client.send(
    new GetItemCommand({ TableName: 'composite', Key: { id: { N: '1.0' }, blob: { B: new Uint8Array([1, 2]) } } }),
  );
  t.same(got.Item?.id, { N: '1' }, 'numbers are keys by value');
});

t.test('CreateTable refuses an existing name and inconsistent schemas', async (t) => {
  await t.rejects(
    server.client.send(
      new CreateTableCommand({
        TableName: 'hash-only',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    ),
    { name: 'ResourceInUseException', message: 'Table already exists: hash-only' },
  );
  await t.rejects(
    server.client.send(
      new CreateTableCommand({
        TableName: 'bad-schema',
        AttributeDefinitions: [{ AttributeName: 'other', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    ),
    {
      name: 'ValidationException',
      message:
        'One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [pk], AttributeDefinitions: [other]',
    },
  );
  await t.rejects(
    server.client.send(
      new CreateTableCommand({
        TableName: 'no-throughput',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    ),
    {
      name: 'ValidationException',
      message:
        'One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED',
    },
  );
  await t.rejects(
    server.client.send(
      new CreateTableCommand({
        TableName: 'extra-definitions',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'unused', AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    ),
    {
      name: 'ValidationException',
      message:
        'One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions',
    },
  );
});

t.test('DescribeTable and DeleteTable of a missing table', async (t) => {
  await t.rejects(server.client.send(new DescribeTableCommand({ TableName: 'missing' })), {
    name: 'ResourceNotFoundException',
    message: 'Requested resource not found: Table: missing not found',
  });
  await t.rejects(server.client.send(new DeleteTableCommand({ TableName: 'missing' })), {
    name: 'ResourceNotFoundException',
  });
});

t.test('ListTables pages in name order', async (t) => {
  for (const name of ['list-c', 'list-a', 'list-b']) {
    await server.client.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
  const all = await server.client.send(new ListTablesCommand({}));
  const names = all.TableNames!;
  t.same(names, [...names].sort(), 'sorted');
  t.ok(['list-a', 'list-b', 'list-c'].every((n) => names.includes(n)));
  const first = await server.client.send(new ListTablesCommand({ ExclusiveStartTableName: 'list-', Limit: 2 }));
  t.same(first.TableNames, ['list-a', 'list-b']);
  t.equal(first.LastEvaluatedTableName, 'list-b');
  const second = await server.client.send(
    new ListTablesCommand({ ExclusiveStartTableName: first.LastEvaluatedTableName, Limit: 2 }),
  );
  t.equal(second.TableNames?.[0], 'list-c');
});

t.test('DeleteTable removes the table; a recreated table starts empty', async (t) => {
  const definition = {
    TableName: 'recreated',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' as const }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }],
    BillingMode: 'PAY_PER_REQUEST' as const,
  };
  await server.client.send(new CreateTableCommand(definition));
  await server.client.send(new PutItemCommand({ TableName: 'recreated', Item: { pk: { S: 'old' } } }));
  const deleted = await server.client.send(new DeleteTableCommand({ TableName: 'recreated' }));
  t.equal(deleted.TableDescription?.TableStatus, 'DELETING');
  await t.rejects(server.client.send(new DescribeTableCommand({ TableName: 'recreated' })), { name: 'ResourceNotFoundException' });
  await t.rejects(server.client.send(new GetItemCommand({ TableName: 'recreated', Key: { pk: { S: 'old' } } })), {
    name: 'ResourceNotFoundException',
    message: 'Requested resource not found',
  });
  await server.client.send(new CreateTableCommand(definition));
  const got = await server.client.send(new GetItemCommand({ TableName: 'recreated', Key: { pk: { S: 'old' } } }));
  t.equal(got.Item, undefined, 'no data from the earlier incarnation');
});
