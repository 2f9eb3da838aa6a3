/**
 * Reads across the nodes of a three-process cluster never go back in time:
 * every timestamp comes from the one TSO, and a range's leader serves a read
 * only with its lease and every earlier entry applied.
 *   - read-your-writes: a write acknowledged by one node is seen by a
 *     consistent read through any other node right after;
 *   - monotonic reads: readers that hop between nodes while a counter keeps
 *     rising never see it fall.
 */
import t from 'tap';
import { GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { startCluster } from '../helpers/cluster.js';
import { createTable } from '../helpers/server.js';

const READERS = 3;
const RUN_MS = 4_000;

t.test('reads never go back in time, across nodes', async (t) => {
  const cluster = await startCluster(t, { nodes: 3, rangesPerNode: 2 });
  await createTable(cluster.client(0), 'clock', ['id', 'S']);

  for (let i = 0; i < 30; i++) {
    const key = { id: { S: `ryw-${i}` } };
    await cluster.client(i % 3).send(new PutItemCommand({ TableName: 'clock', Item: { ...key, v: { N: String(i) } } }));
    const got = await cluster.client((i + 1) % 3).send(new GetItemCommand({ TableName: 'clock', Key: key, ConsistentRead: true }));
    t.equal(got.Item?.v?.N, String(i), `write ${i} through node ${(i % 3) + 1} is read through node ${((i + 1) % 3) + 1}`);
  }

  const counter = { id: { S: 'counter' } };
  await cluster.client(0).send(new PutItemCommand({ TableName: 'clock', Item: { ...counter, n: { N: '0' } } }));
  const deadline = Date.now() + RUN_MS;
  let writes = 0;
  const writer = (async () => {
    while (Date.now() < deadline) {
      await cluster.client(writes % 3).send(
        new UpdateItemCommand({
          TableName: 'clock',
          Key: counter,
          UpdateExpression: 'ADD n :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        }),
      );
      writes++;
    }
  })();
  const regressions: string[] = [];
  let reads = 0;
  const readers = Array.from({ length: READERS }, async (_, r) => {
    let last = -1;
    let hop = r;
    while (Date.now() < deadline) {
      const node = hop++ % 3;
      const got = await cluster.client(node).send(new GetItemCommand({ TableName: 'clock', Key: counter, ConsistentRead: true }));
      const n = Number(got.Item?.n?.N);
      reads++;
      if (n < last) regressions.push(`reader ${r}: ${last} then ${n} (through node ${node + 1})`);
      last = n;
    }
  });
  await Promise.all([writer, ...readers]);
  t.comment(`${writes} increments, ${reads} reads`);
  t.ok(writes > 10 && reads > 30, 'the counter moved while it was read');
  t.same(regressions, [], 'no reader ever saw the counter go back');
  const final = await cluster.client(2).send(new GetItemCommand({ TableName: 'clock', Key: counter, ConsistentRead: true }));
  t.equal(Number(final.Item?.n?.N), writes, 'every acknowledged increment counted once');
});
