/**
 * Three cluster nodes in one process (real RocksDB, real TCP between them):
 * tables pre-split into ranges led by every node, and every request served
 * by any node, routed to the range leaders.
 */
import t from 'tap';
import { GetItemCommand, PutItemCommand, QueryCommand, ScanCommand, DeleteTableCommand, ListTablesCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { createTable, sdkClient, startInProcessCluster } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait-for.js';

const IDS = [1, 2, 3];

t.test('a table is split over ranges led by every node, and any node serves any key', async (t) => {
  const cluster = await startInProcessCluster();
  t.teardown(() => cluster.close());
  const clients = cluster.endpoints.map((endpoint) => sdkClient(endpoint));

  await createTable(clients[0]!, 'accounts', ['id', 'S'], ['n', 'N']);
  const listed = await clients[2]!.send(new ListTablesCommand({}));
  t.same(listed.TableNames, ['accounts'], 'the table is visible from another node');

  await waitFor(
    'range leaders on all three nodes',
    async () => {
      const ranges = (await (await fetch(`${cluster.endpoints[0]}/admin/ranges`)).json()) as { ranges: Array<{ leader: number }> };
      const leaders = new Set(ranges.ranges.map((r) => r.leader));
      return ranges.ranges.length === 6 && IDS.every((id) => leaders.has(id)) ? true : undefined;
    },
    20_000,
    50,
  );

  for (let i = 0; i < 30; i++) {
    const client = clients[i % 3]!;
    await client.send(new PutItemCommand({ TableName: 'accounts', Item: { id: { S: `a${i % 10}` }, n: { N: String(i) }, v: { N: '1' } } }));
  }
  for (let i = 0; i < 30; i++) {
    const client = clients[(i + 1) % 3]!;
    const got = await client.send(new GetItemCommand({ TableName: 'accounts', Key: { id: { S: `a${i % 10}` }, n: { N: String(i) } }, ConsistentRead: true }));
    t.equal(got.Item?.v?.N, '1');
  }
  const updated = await clients[1]!.send(
    new UpdateItemCommand({
      TableName: 'accounts',
      Key: { id: { S: 'a1' }, n: { N: '1' } },
      UpdateExpression: 'ADD v :one',
      ExpressionAttributeValues: { ':one': { N: '1' } },
      ReturnValues: 'ALL_NEW',
    }),
  );
  t.equal(updated.Attributes?.v?.N, '2');
  const queried = await clients[2]!.send(
    new QueryCommand({ TableName: 'accounts', KeyConditionExpression: 'id = :id', ExpressionAttributeValues: { ':id': { S: 'a3' } } }),
  );
  t.same(queried.Items?.map((item) => item.n?.N), ['3', '13', '23']);
  const scanned = await clients[0]!.send(new ScanCommand({ TableName: 'accounts' }));
  t.equal(scanned.Count, 30, 'a scan crosses every range');
  const paged: string[] = [];
  let startKey: Record<string, never> | undefined;
  do {
    const page = await clients[1]!.send(new ScanCommand({ TableName: 'accounts', Limit: 7, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) paged.push(`${item.id?.S}/${item.n?.N}`);
    startKey = page.LastEvaluatedKey as typeof startKey;
  } while (startKey !== undefined);
  t.equal(new Set(paged).size, 30, 'paging a scan over ranges sees each item once');

  await clients[1]!.send(new DeleteTableCommand({ TableName: 'accounts' }));
  const after = await clients[0]!.send(new ListTablesCommand({}));
  t.same(after.TableNames, []);
});
