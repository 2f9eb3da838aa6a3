/**
 * Acknowledged writes survive kill -9, and no transaction is half-applied.
 * A child-process server takes concurrent PutItems and two-item transactions;
 * it is killed with SIGKILL while writes are in flight and restarted on the
 * same data dir.
 */
import t from 'tap';
import { rm } from 'node:fs/promises';
import {
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { sdkClient, tempDir } from '../../helpers/server.js';
import { startChildServer, type ChildServer } from '../../helpers/child-server.js';

const WRITERS = 16;
/** Kill once this many writes were acknowledged. */
const ACKS_BEFORE_KILL = 400;

let dataDir: string;
let server: ChildServer | undefined;

t.before(async () => {
  dataDir = await tempDir('durability');
});
t.teardown(async () => {
  await server?.kill();
  await rm(dataDir, { recursive: true, force: true });
});

const get = async (client: DynamoDBClient, id: string) =>
  (await client.send(new GetItemCommand({ TableName: 'durable', Key: { id: { S: id } }, ConsistentRead: true }))).Item;

t.test('every acknowledged write is there after kill -9', async (t) => {
  server = await startChildServer(dataDir);
  let client = sdkClient(server.endpoint);
  await client.send(
    new CreateTableCommand({
      TableName: 'durable',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );

  const acknowledgedPuts: string[] = [];
  const acknowledgedTxns: number[] = [];
  const attemptedTxns: number[] = [];
  let sequence = 0;
  let stop = false;
  let killed: Promise<number | null> | undefined;
  const writer = async (w: number) => {
    while (!stop) {
      const n = sequence++;
      try {
        if (n % 3 === 0) {
          attemptedTxns.push(n);
          await client.send(
            new TransactWriteItemsCommand({
              TransactItems: [
                { Put: { TableName: 'durable', Item: { id: { S: `txn-${n}-a` }, n: { N: String(n) } } } },
                { Put: { TableName: 'durable', Item: { id: { S: `txn-${n}-b` }, n: { N: String(n) } } } },
              ],
            }),
          );
          acknowledgedTxns.push(n);
        } else {
          await client.send(new PutItemCommand({ TableName: 'durable', Item: { id: { S: `put-${n}` }, w: { N: String(w) } } }));
          acknowledgedPuts.push(`put-${n}`);
        }
      } catch {
        stop = true; // the server is gone
      }
      if (!stop && acknowledgedPuts.length + acknowledgedTxns.length >= ACKS_BEFORE_KILL && killed === undefined) {
        killed = server!.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  await killed;
  client.destroy();
  t.ok(acknowledgedPuts.length + acknowledgedTxns.length >= ACKS_BEFORE_KILL, 'writes were acknowledged before the kill');

  server = await startChildServer(dataDir);
  client = sdkClient(server.endpoint);
  let missing = 0;
  for (const id of acknowledgedPuts) if ((await get(client, id)) === undefined) missing++;
  t.equal(missing, 0, `all ${acknowledgedPuts.length} acknowledged puts survived`);
  for (const n of acknowledgedTxns) {
    if ((await get(client, `txn-${n}-a`)) === undefined || (await get(client, `txn-${n}-b`)) === undefined) missing++;
  }
  t.equal(missing, 0, `all ${acknowledgedTxns.length} acknowledged transactions survived`);
  let halfApplied = 0;
  for (const n of attemptedTxns) {
    const a = await get(client, `txn-${n}-a`);
    const b = await get(client, `txn-${n}-b`);
    if ((a === undefined) !== (b === undefined)) halfApplied++;
  }
  t.equal(halfApplied, 0, `none of ${attemptedTxns.length} attempted transactions is half-applied`);

  // Timestamps must not go back across the restart: a new version written now
  // must shadow the versions written before the crash.
  const id = acknowledgedPuts[0]!;
  await client.send(new PutItemCommand({ TableName: 'durable', Item: { id: { S: id }, w: { N: '-1' } } }));
  t.same((await get(client, id))?.w, { N: '-1' }, 'writes after the restart are newer than those before');
  client.destroy();
  t.equal(await server.kill('SIGTERM'), 0, 'SIGTERM shuts down cleanly');
  server = undefined;
});
