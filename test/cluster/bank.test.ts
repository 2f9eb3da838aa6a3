/**
 * The bank: 100 accounts spread over every range of a three-process cluster,
 * concurrent transfers by TransactWriteItems from clients of every node,
 * while each node in turn is killed with SIGKILL and restarted.
 *
 * Every transfer moves an amount between two accounts AND writes a receipt
 * item (three actions over different partitions, so different ranges and
 * usually different leaders: the two-phase commit). Checked:
 *   - during the run, every TransactGetItems snapshot of all accounts sums to
 *     the starting total (no partial transaction is ever visible);
 *   - at the end, every acknowledged transfer has its receipt, and each
 *     account's balance is exactly the start plus the receipts that name it
 *     (every transfer that committed, acknowledged or not, is whole);
 *   - nothing is left locked: after a final read of every key, no replica
 *     on any node holds a lock.
 */
import t from 'tap';
import { randomUUID } from 'node:crypto';
import {
  BatchWriteItemCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { lockedRanges, startCluster } from '../helpers/cluster.js';
import { createTable } from '../helpers/server.js';

const ACCOUNTS = 100;
const START_BALANCE = 100;
const TOTAL = ACCOUNTS * START_BALANCE;
const WORKERS_PER_NODE = 2;
/** Pause after a kill before the restart, and after a restart before the next kill. */
const DOWN_MS = 1_500;
const SETTLE_MS = 1_000;

const account = (i: number) => `acct-${String(i).padStart(3, '0')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : String(error);
}

t.test('bank transfers stay whole while nodes are killed and restarted', async (t) => {
  const cluster = await startCluster(t, { nodes: 3, rangesPerNode: 2 });
  await createTable(cluster.client(0), 'bank', ['id', 'S']);
  await createTable(cluster.client(1), 'receipts', ['id', 'S']);
  for (let i = 0; i < ACCOUNTS; i += 25) {
    const items = Array.from({ length: 25 }, (_, j) => ({
      PutRequest: { Item: { id: { S: account(i + j) }, balance: { N: String(START_BALANCE) } } },
    }));
    await cluster.client(2).send(new BatchWriteItemCommand({ RequestItems: { bank: items } }));
  }

  const up = new Set([0, 1, 2]);
  const liveClient = (hint: number): DynamoDBClient => {
    const live = [...up];
    return cluster.client(live[hint % live.length]!);
  };

  const acknowledged: string[] = [];
  const outcomes = new Map<string, number>();
  const count = (name: string) => outcomes.set(name, (outcomes.get(name) ?? 0) + 1);
  let stopping = false;

  async function worker(w: number): Promise<void> {
    let n = 0;
    while (!stopping) {
      const from = Math.floor(Math.random() * ACCOUNTS);
      const to = (from + 1 + Math.floor(Math.random() * (ACCOUNTS - 1))) % ACCOUNTS;
      const amount = 1 + Math.floor(Math.random() * 5);
      const receipt = randomUUID();
      try {
        await liveClient(w + n++).send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                Update: {
                  TableName: 'bank',
                  Key: { id: { S: account(from) } },
                  UpdateExpression: 'SET balance = balance - :x',
                  ConditionExpression: 'balance >= :x',
                  ExpressionAttributeValues: { ':x': { N: String(amount) } },
                },
              },
              {
                Update: {
                  TableName: 'bank',
                  Key: { id: { S: account(to) } },
                  UpdateExpression: 'SET balance = balance + :x',
                  ExpressionAttributeValues: { ':x': { N: String(amount) } },
                },
              },
              {
                Put: {
                  TableName: 'receipts',
                  Item: { id: { S: receipt }, from: { S: account(from) }, to: { S: account(to) }, amount: { N: String(amount) } },
                },
              },
            ],
          }),
        );
        acknowledged.push(receipt);
        count('committed');
      } catch (error) {
        count(errorName(error)); // cancelled, conflicts, a node going away mid-request: the checks below judge
        await sleep(10);
      }
    }
  }

  let snapshots = 0;
  const badSums: number[] = [];
  async function auditor(): Promise<void> {
    let n = 0;
    while (!stopping) {
      try {
        const res = await liveClient(n++).send(
          new TransactGetItemsCommand({
            TransactItems: Array.from({ length: ACCOUNTS }, (_, i) => ({ Get: { TableName: 'bank', Key: { id: { S: account(i) } } } })),
          }),
        );
        const sum = (res.Responses ?? []).reduce((s, r) => s + Number(r.Item?.balance?.N ?? 'NaN'), 0);
        snapshots++;
        if (sum !== TOTAL) badSums.push(sum);
      } catch {
        // a node went away or the snapshot met a conflict: try again
      }
      await sleep(100);
    }
  }

  const workers = [...Array.from({ length: 3 * WORKERS_PER_NODE }, (_, w) => worker(w)), auditor()];
  for (let i = 0; i < 3; i++) {
    await sleep(SETTLE_MS);
    up.delete(i);
    await cluster.kill(i);
    await sleep(DOWN_MS);
    await cluster.restart(i);
    up.add(i);
  }
  await sleep(SETTLE_MS);
  stopping = true;
  await Promise.all(workers);
  t.comment(`outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}; ${snapshots} snapshots`);

  t.ok((outcomes.get('committed') ?? 0) > 20, 'transfers kept committing through the kills');
  // A 100-key snapshot waits for the live locks it meets, and fails when a node goes away
  // mid-read; on a loaded machine only a few succeed. Each one that did is checked below.
  t.ok(snapshots > 0, `the auditor took snapshots (${snapshots})`);
  t.same(badSums, [], 'every snapshot summed to the starting total');

  // Final state, read (and any lock resolved) through one node.
  const client = cluster.client(0);
  const receipts = new Map<string, { from: string; to: string; amount: number }>();
  let startKey: Record<string, never> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: 'receipts', ConsistentRead: true, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) {
      receipts.set(item.id!.S!, { from: item.from!.S!, to: item.to!.S!, amount: Number(item.amount!.N) });
    }
    startKey = page.LastEvaluatedKey as typeof startKey;
  } while (startKey !== undefined);
  const missing = acknowledged.filter((id) => !receipts.has(id));
  t.same(missing, [], 'every acknowledged transfer has its receipt');

  const expected = new Map(Array.from({ length: ACCOUNTS }, (_, i) => [account(i), START_BALANCE]));
  for (const { from, to, amount } of receipts.values()) {
    expected.set(from, expected.get(from)! - amount);
    expected.set(to, expected.get(to)! + amount);
  }
  const balances = await client.send(
    new TransactGetItemsCommand({
      TransactItems: Array.from({ length: ACCOUNTS }, (_, i) => ({ Get: { TableName: 'bank', Key: { id: { S: account(i) } } } })),
    }),
  );
  const wrong = (balances.Responses ?? [])
    .map((r, i) => ({ id: account(i), balance: Number(r.Item?.balance?.N), expected: expected.get(account(i)) }))
    .filter((b) => b.balance !== b.expected);
  t.same(wrong, [], 'each balance is the start plus exactly the committed transfers');

  // Every key was read above (resolving whatever a killed coordinator left); no lock may remain on any replica.
  t.same(await lockedRanges(cluster.nodes), [], 'no lock remains on any replica');
});
