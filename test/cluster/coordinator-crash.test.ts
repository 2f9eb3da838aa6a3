/**
 * A coordinator killed in the middle of a two-phase TransactWriteItems: the
 * node that received the request SIGKILLs itself (the RANGEDB_FAULT_KILL_AT
 * testing knob) either after every range is prewritten (nothing decided: the
 * locks must be rolled back) or right after the primary committed (decided:
 * the secondaries must be rolled forward). Later readers on the surviving
 * nodes meet the locks, wait out their TTL, resolve them through the primary,
 * and see all of the transaction or none of it; no lock remains.
 */
import t from 'tap';
import { GetItemCommand, PutItemCommand, TransactGetItemsCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { lockedRanges, startCluster } from '../helpers/cluster.js';
import { createTable } from '../helpers/server.js';

const KEYS = Array.from({ length: 8 }, (_, i) => `key-${i}`);

for (const [phase, expected] of [
  ['prewritten', 'old'],
  ['primary-committed', 'new'],
] as const) {
  t.test(`a coordinator killed once ${phase}: readers see ${expected === 'old' ? 'none' : 'all'} of it`, async (t) => {
    const cluster = await startCluster(t, { nodes: 3, rangesPerNode: 2, env: { RANGEDB_FAULT_KILL_AT: phase } });
    const survivor = cluster.client(1);
    await createTable(survivor, 'crash', ['id', 'S']);
    for (const id of KEYS) await survivor.send(new PutItemCommand({ TableName: 'crash', Item: { id: { S: id }, v: { S: 'old' } } }));

    await t.rejects(
      cluster.client(0).send(
        new TransactWriteItemsCommand({
          TransactItems: KEYS.map((id) => ({ Put: { TableName: 'crash', Item: { id: { S: id }, v: { S: 'new' } } } })),
        }),
      ),
      'the coordinating node dies before it answers',
    );

    // Each read meets a lock (live for its TTL), then resolves it through the primary.
    const seen = [];
    for (const id of KEYS) {
      const got = await survivor.send(new GetItemCommand({ TableName: 'crash', Key: { id: { S: id } }, ConsistentRead: true }));
      seen.push(got.Item?.v?.S);
    }
    t.same(seen, KEYS.map(() => expected), `every key reads ${expected}`);
    const snapshot = await cluster.client(2).send(
      new TransactGetItemsCommand({ TransactItems: KEYS.map((id) => ({ Get: { TableName: 'crash', Key: { id: { S: id } } } })) }),
    );
    t.same(snapshot.Responses?.map((r) => r.Item?.v?.S), KEYS.map(() => expected), 'and so does a snapshot through the third node');

    t.same(await lockedRanges(cluster.nodes.slice(1)), [], 'no lock remains on the surviving nodes');
  });
}
