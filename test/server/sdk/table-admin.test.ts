import t from 'tap';
import {
  CreateTableCommand,
  DescribeEndpointsCommand,
  DescribeLimitsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  GetItemCommand,
  ListTagsOfResourceCommand,
  PutItemCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  DeleteTableCommand,
} from '@aws-sdk/client-dynamodb';
import { startTestServer, type TestServer } from '../../helpers/server.js';

let server: TestServer;
let arn: string;
t.before(async () => {
  server = await startTestServer();
  const created = await server.client.send(
    new CreateTableCommand({
      TableName: 'admin',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
    }),
  );
  arn = created.TableDescription!.TableArn!;
});
t.teardown(async () => {
  await server.close();
});

t.test('time to live: enable, describe, and expire only what is due', async (t) => {
  const before = await server.client.send(new DescribeTimeToLiveCommand({ TableName: 'admin' }));
  t.same(before.TimeToLiveDescription, { TimeToLiveStatus: 'DISABLED' });
  const updated = await server.client.send(
    new UpdateTimeToLiveCommand({ TableName: 'admin', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' } }),
  );
  t.same(updated.TimeToLiveSpecification, { Enabled: true, AttributeName: 'expires' });
  await t.rejects(
    server.client.send(new UpdateTimeToLiveCommand({ TableName: 'admin', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' } })),
    { name: 'ValidationException', message: 'TimeToLive is already enabled' },
  );
  const described = await server.client.send(new DescribeTimeToLiveCommand({ TableName: 'admin' }));
  t.same(described.TimeToLiveDescription, { TimeToLiveStatus: 'ENABLED', AttributeName: 'expires' });

  const now = Math.floor(Date.now() / 1000);
  const items: Array<[string, Record<string, unknown>]> = [
    ['past', { expires: { N: String(now - 60) } }],
    ['future', { expires: { N: String(now + 3600) } }],
    ['ancient', { expires: { N: String(now - 6 * 365 * 24 * 3600) } }],
    ['not-a-number', { expires: { S: String(now - 60) } }],
    ['no-ttl', {}],
  ];
  for (const [id, extra] of items) {
    await server.client.send(new PutItemCommand({ TableName: 'admin', Item: { id: { S: id }, ...(extra as object) } }));
  }
  const deleted = await server.node.engine.expireItems(now);
  t.equal(deleted, 1);
  const present = async (id: string) =>
    (await server.client.send(new GetItemCommand({ TableName: 'admin', Key: { id: { S: id } } }))).Item !== undefined;
  t.notOk(await present('past'), 'the expired item is gone');
  for (const id of ['future', 'ancient', 'not-a-number', 'no-ttl']) t.ok(await present(id), `${id} stays`);
});

t.test('tags: add, overwrite, list, remove', async (t) => {
  await server.client.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'team', Value: 'db' }, { Key: 'env', Value: 'test' }] }));
  await server.client.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'env', Value: 'prod' }] }));
  const listed = await server.client.send(new ListTagsOfResourceCommand({ ResourceArn: arn }));
  t.same(listed.Tags, [{ Key: 'team', Value: 'db' }, { Key: 'env', Value: 'prod' }]);
  await server.client.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['team'] }));
  const after = await server.client.send(new ListTagsOfResourceCommand({ ResourceArn: arn }));
  t.same(after.Tags, [{ Key: 'env', Value: 'prod' }]);
  await t.rejects(server.client.send(new ListTagsOfResourceCommand({ ResourceArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/nope' })), {
    name: 'ResourceNotFoundException',
  });
});

t.test('UpdateTable changes throughput, billing mode and deletion protection', async (t) => {
  const raised = await server.client.send(
    new UpdateTableCommand({ TableName: 'admin', ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 2 } }),
  );
  t.equal(raised.TableDescription?.ProvisionedThroughput?.ReadCapacityUnits, 5);
  t.ok(raised.TableDescription?.ProvisionedThroughput?.LastIncreaseDateTime instanceof Date);
  const onDemand = await server.client.send(new UpdateTableCommand({ TableName: 'admin', BillingMode: 'PAY_PER_REQUEST' }));
  t.equal(onDemand.TableDescription?.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST');
  // The switch time, not the creation time (the table was created PROVISIONED).
  const switchedAt = onDemand.TableDescription?.BillingModeSummary?.LastUpdateToPayPerRequestDateTime;
  t.ok(switchedAt instanceof Date && switchedAt.getTime() > onDemand.TableDescription!.CreationDateTime!.getTime());
  // Back to PROVISIONED: a table that has been on demand keeps its BillingModeSummary.
  const provisioned = await server.client.send(
    new UpdateTableCommand({
      TableName: 'admin',
      BillingMode: 'PROVISIONED',
      ProvisionedThroughput: { ReadCapacityUnits: 3, WriteCapacityUnits: 3 },
    }),
  );
  t.same(provisioned.TableDescription?.BillingModeSummary, { BillingMode: 'PROVISIONED', LastUpdateToPayPerRequestDateTime: switchedAt });
  const described = await server.client.send(new DescribeTableCommand({ TableName: 'admin' }));
  t.same(described.Table?.BillingModeSummary, { BillingMode: 'PROVISIONED', LastUpdateToPayPerRequestDateTime: switchedAt });
  await server.client.send(new UpdateTableCommand({ TableName: 'admin', DeletionProtectionEnabled: true }));
  await t.rejects(server.client.send(new DeleteTableCommand({ TableName: 'admin' })), { name: 'ResourceInUseException' });
  await server.client.send(new UpdateTableCommand({ TableName: 'admin', DeletionProtectionEnabled: false }));
  await t.rejects(server.client.send(new UpdateTableCommand({ TableName: 'admin' })), {
    name: 'ValidationException',
    message:
      'At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required',
  });
});

t.test('CreateTable keeps its Tags', async (t) => {
  const created = await server.client.send(
    new CreateTableCommand({
      TableName: 'tagged-at-birth',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      Tags: [
        { Key: 'team', Value: 'a' },
        { Key: 'env', Value: 'dev' },
      ],
    }),
  );
  const listed = await server.client.send(new ListTagsOfResourceCommand({ ResourceArn: created.TableDescription!.TableArn! }));
  t.same(listed.Tags, [
    { Key: 'team', Value: 'a' },
    { Key: 'env', Value: 'dev' },
  ]);
});

t.test('DescribeLimits and DescribeEndpoints', async (t) => {
  const limits = await server.client.send(new DescribeLimitsCommand({}));
  t.equal(limits.TableMaxReadCapacityUnits, 40000);
  const endpoints = await server.client.send(new DescribeEndpointsCommand({}));
  t.equal(endpoints.Endpoints?.[0]?.CachePeriodInMinutes, 1440);
});
