import t from 'tap';
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  DeleteItemCommand,
} from '@aws-sdk/client-dynamodb';
import { createTable, startTestServer, type TestServer } from '../../helpers/server.js';

let server: TestServer;
t.before(async () => {
  server = await startTestServer();
  await createTable(server.client, 'legacy', ['pk', 'S'], ['sk', 'N']);
  for (let sk = 0; sk < 6; sk++) {
    await server.client.send(
      new PutItemCommand({ TableName: 'legacy', Item: { pk: { S: 'a' }, sk: { N: String(sk) }, color: { S: sk % 2 ? 'red' : 'blue' } } }),
    );
  }
});
t.teardown(async () => {
  await server.close();
});

const key = (sk: number) => ({ pk: { S: 'a' }, sk: { N: String(sk) } });

t.test('Expected guards PutItem and DeleteItem', async (t) => {
  await t.rejects(
    server.client.send(new PutItemCommand({ TableName: 'legacy', Item: key(0), Expected: { pk: { Exists: false } } })),
    ConditionalCheckFailedException,
  );
  await server.client.send(
    new PutItemCommand({
      TableName: 'legacy',
      Item: { ...key(0), color: { S: 'green' } },
      Expected: { color: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'blue' }] } },
    }),
  );
  await t.rejects(
    server.client.send(new DeleteItemCommand({ TableName: 'legacy', Key: key(0), Expected: { color: { Value: { S: 'blue' } } } })),
    ConditionalCheckFailedException,
  );
  await t.rejects(
    server.client.send(
      new PutItemCommand({
        TableName: 'legacy',
        Item: key(9),
        Expected: { color: { Exists: true } },
      }),
    ),
    { name: 'ValidationException', message: /Value must be provided when Exists is true/ },
  );
  await t.rejects(
    server.client.send(
      new PutItemCommand({
        TableName: 'legacy',
        Item: key(9),
        ConditionExpression: 'attribute_exists(pk)',
        Expected: { color: { Exists: false } },
      }),
    ),
    {
      name: 'ValidationException',
      message:
        'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}',
    },
  );
});

t.test('AttributeUpdates applies PUT, ADD and DELETE', async (t) => {
  const result = await server.client.send(
    new UpdateItemCommand({
      TableName: 'legacy',
      Key: key(1),
      AttributeUpdates: {
        count: { Action: 'ADD', Value: { N: '5' } },
        tags: { Action: 'PUT', Value: { SS: ['x', 'y'] } },
        color: { Action: 'DELETE' },
      },
      ReturnValues: 'ALL_NEW',
    }),
  );
  t.same(result.Attributes?.count, { N: '5' });
  t.same(new Set(result.Attributes?.tags?.SS), new Set(['x', 'y']));
  t.equal(result.Attributes?.color, undefined);
  await server.client.send(
    new UpdateItemCommand({ TableName: 'legacy', Key: key(1), AttributeUpdates: { tags: { Action: 'DELETE', Value: { SS: ['x'] } } } }),
  );
  const got = await server.client.send(new GetItemCommand({ TableName: 'legacy', Key: key(1), AttributesToGet: ['tags'] }));
  t.same(got.Item, { tags: { SS: ['y'] } });
});

t.test('KeyConditions with QueryFilter, and ScanFilter', async (t) => {
  const queried = await server.client.send(
    new QueryCommand({
      TableName: 'legacy',
      KeyConditions: {
        pk: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'a' }] },
        sk: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ N: '2' }, { N: '5' }] },
      },
      QueryFilter: { color: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'red' }] } },
    }),
  );
  t.same(queried.Items?.map((i) => i.sk?.N), ['3', '5']);
  t.equal(queried.ScannedCount, 4);
  const scanned = await server.client.send(
    new ScanCommand({
      TableName: 'legacy',
      ScanFilter: { color: { ComparisonOperator: 'IN', AttributeValueList: [{ S: 'blue' }, { S: 'green' }] } },
    }),
  );
  t.same(scanned.Items?.map((i) => i.sk?.N).sort(), ['0', '2', '4']);
  await t.rejects(
    server.client.send(
      new QueryCommand({
        TableName: 'legacy',
        KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'a' }] } },
        QueryFilter: { sk: { ComparisonOperator: 'GT', AttributeValueList: [{ N: '1' }] } },
      }),
    ),
    { name: 'ValidationException', message: 'QueryFilter can only contain non-primary key attributes: Primary key attribute: sk' },
  );
});
