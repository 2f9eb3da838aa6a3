/**
 * ClientRequestToken idempotency across the nodes of a three-process cluster:
 * the token's record is replicated with the transaction on the range of its
 * first item, and checked by that range's leader, so a retry sent to another
 * node replays instead of writing again, another request with the token is
 * refused whichever node receives it, and the same call sent to every node
 * at once writes once. Both shapes: one item (one-phase) and items spread
 * over the ranges of every node (two-phase).
 */
import t from 'tap';
const CONCURRENT_ROUNDS = 5;
/** What a call that races a twin with its token may answer instead of success (DynamoDB says one of these too). */
const RACE_ERRORS = ['TransactionCanceledException', 'TransactionInProgressException'];
import { GetItemCommand, TransactWriteItemsCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { lockedRanges, startCluster } from '../helpers/cluster.js';
import { createTable } from '../helpers/server.js';

const MISMATCH_MESSAGE = 'The request uses the same client token as a previous, but non-identical request.';

/** ADD visits :n on each item. */
function visits(ids: readonly string[], n: number): TransactWriteItem[] {
  return ids.map((id) => ({
    Update: {
      TableName: 'tokens',
      Key: { id: { S: id } },
      UpdateExpression: 'ADD visits :n',
      ExpressionAttributeValues: { ':n': { N: String(n) } },
    },
  }));
}

t.test('a ClientRequestToken holds across nodes', async (t) => {
  const cluster = await startCluster(t, { nodes: 3, rangesPerNode: 2 });
  await createTable(cluster.client(0), 'tokens', ['id', 'S']);
  const read = async (id: string) => {
    const got = await cluster.client(2).send(new GetItemCommand({ TableName: 'tokens', Key: { id: { S: id } }, ConsistentRead: true }));
    return got.Item?.visits?.N;
  };

  for (const [shape, ids] of [
    ['one item', ['solo']],
    ['items on every node', Array.from({ length: 8 }, (_, i) => `spread-${i}`)],
  ] as const) {
    const token = `token-${shape.replaceAll(' ', '-')}`;
    const send = (node: number, n: number) =>
      cluster.client(node).send(new TransactWriteItemsCommand({ ClientRequestToken: token, TransactItems: visits(ids, n) }));
    await send(0, 1);
    await send(1, 1); // the retry reaches another node: a replay
    await send(2, 1);
    t.same(await Promise.all(ids.map(read)), ids.map(() => '1'), `${shape}: written once though sent to three nodes`);
    for (const node of [0, 1, 2]) {
      await t.rejects(send(node, 2), { name: 'IdempotentParameterMismatchException', message: MISMATCH_MESSAGE }, `${shape}: another request through node ${node + 1} is refused`);
    }
    t.same(await Promise.all(ids.map(read)), ids.map(() => '1'), `${shape}: the refused requests wrote nothing`);

    // One call, a fresh token each round, sent to the three nodes at once (twins
    // of a two-phase call may all cancel each other), then retried once more.
    let succeeded = 0;
    for (let round = 0; round < CONCURRENT_ROUNDS; round++) {
      const request = { ClientRequestToken: `${token}-race-${round}`, TransactItems: visits(ids, 1) };
      const answers = await Promise.allSettled([0, 1, 2].map((node) => cluster.client(node).send(new TransactWriteItemsCommand(request))));
      for (const answer of answers) {
        if (answer.status === 'fulfilled') succeeded++;
        else if (!RACE_ERRORS.includes((answer.reason as Error).name)) throw answer.reason;
      }
      await cluster.client(round % 3).send(new TransactWriteItemsCommand(request));
    }
    t.comment(`${shape}: ${succeeded} of ${3 * CONCURRENT_ROUNDS} racing calls succeeded`);
    t.same(await Promise.all(ids.map(read)), ids.map(() => String(1 + CONCURRENT_ROUNDS)), `${shape}: each round wrote once`);
  }
  t.same(await lockedRanges(cluster.nodes), [], 'no lock remains');
});
