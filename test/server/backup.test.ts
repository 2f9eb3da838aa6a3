/**
 * Live backup (POST /admin/backup) against a real listening node on real
 * RocksDB: taken while writers keep writing, it is one consistent cut (every
 * writer's sequence is a prefix, a transfer invariant holds), requests keep
 * being served while it copies, and a server started on it in a new process
 * (`node dist/server/main.js --data-dir <backup>`) serves it, with the data-dir
 * lock refusing a second process. Then the refusals (names, an existing target,
 * a second backup at once, a shutdown mid-copy), `npm run backup`, a cluster
 * node's backup (its own store, Raft state included) and --backup-dir.
 */
import t, { type Test } from 'tap';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { startEmbeddedNode, type EmbeddedNode } from '../../server/embedded-node.js';
import { BACKUP_BATCH_BYTES_MAX, BACKUP_PATH, DEFAULT_BACKUP_DIR_SUFFIX, type BackupProgress } from '../../server/admin/backup.js';
import { LOCK_FILE_NAME } from '../../server/data-dir/lock.js';
import { EXIT_DATA_DIR_REFUSED } from '../../server/data-dir/data-dir.js';
import { parseConfig } from '../../server/config.js';
import { createTable, sdkClient, startInProcessCluster, tempDir } from '../helpers/server.js';
import { RocksDbStore } from '../../engine/storage/rocksdb/rocksdb-store.js';
import { freePort, MAIN, startChildServer } from '../helpers/child-server.js';
import { NodeChild } from '../helpers/child-process.js';

const BACKUP_CLI = fileURLToPath(new URL('../../server/backup-cli.js', import.meta.url));
/** Bulk data so a paced backup copies several batches (and takes about two seconds). */
const BULK_ITEMS = 50;
const BULK_VALUE_CHARS = 100_000;
/** Slow enough that the copy of the bulk data spans a few batches and pauses. */
const PACED_BYTES_PER_SECOND = 4 * 1024 * 1024;
const SEQ_WRITERS = 3;
const ACCOUNTS = 4;
const ACCOUNT_START_BALANCE = 250;
/** A Raft group's hard state key: 'r', the group id (u32), 'h' (consensus/adapters/rocksdb-storage.ts). */
const RAFT_PREFIX = 0x72;
const RAFT_HARD_STATE_KIND = 0x68;
const RAFT_HARD_STATE_KEY_BYTES = 6;
/** A refused start must be quick; this bounds a hung one. */
const REFUSED_START_TIMEOUT_MS = 20_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Served {
  node: EmbeddedNode;
  endpoint: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  root: string;
  backupDir: string;
  close(): Promise<void>;
}

/** An embedded node on 127.0.0.1 with its data and backups in one temp dir. */
async function serve(t: Test): Promise<Served> {
  const root = await tempDir('backup');
  const backupDir = join(root, 'backups');
  const node = await startEmbeddedNode({ dataDir: join(root, 'data'), backupDir, logger: false, gcIntervalMs: 0, ttlIntervalMs: 0 });
  const endpoint = await node.app.listen({ port: 0, host: '127.0.0.1' });
  const client = sdkClient(endpoint);
  const served = { node, endpoint, client, doc: DynamoDBDocumentClient.from(client), root, backupDir, close: () => node.close() };
  t.teardown(async () => {
    client.destroy();
    await node.close();
    await rm(root, { recursive: true, force: true });
  });
  return served;
}

async function postBackup(endpoint: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(endpoint + BACKUP_PATH, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function backupProgress(endpoint: string): Promise<BackupProgress | undefined> {
  const response = await fetch(endpoint + BACKUP_PATH);
  return response.status === 200 ? ((await response.json()) as BackupProgress) : undefined;
}

/** BULK_ITEMS items of BULK_VALUE_CHARS, 25 per BatchWriteItem. */
async function loadBulk({ client, doc }: Pick<Served, 'client' | 'doc'>): Promise<void> {
  await createTable(client, 'bulk', ['pk', 'S']);
  const value = 'v'.repeat(BULK_VALUE_CHARS);
  for (let i = 0; i < BULK_ITEMS; i += 25) {
    const puts = Array.from({ length: Math.min(25, BULK_ITEMS - i) }, (_, j) => ({ PutRequest: { Item: { pk: `b${i + j}`, value } } }));
    await doc.send(new BatchWriteCommand({ RequestItems: { bulk: puts } }));
  }
}

async function scanAll(doc: DynamoDBDocumentClient, table: string): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ TableName: table, ...(start ? { ExclusiveStartKey: start } : {}) }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

/**
 * Writers that run until stopped: SEQ_WRITERS each put w<k>-0, w<k>-1, ...
 * one after the other (a write starts only once the previous one is
 * acknowledged), and one moves money between accounts with TransactWriteItems.
 */
function startWriters(doc: DynamoDBDocumentClient) {
  const acked = Array.from({ length: SEQ_WRITERS }, () => 0);
  let stopped = false;
  let transfers = 0;
  const seq = async (k: number) => {
    for (let i = 0; !stopped; i++) {
      await doc.send(new PutCommand({ TableName: 'seq', Item: { pk: `w${k}-${i}`, writer: k, i } }));
      acked[k] = i + 1;
    }
  };
  const bank = async () => {
    for (let n = 0; !stopped; n++) {
      const from = `a${n % ACCOUNTS}`;
      const to = `a${(n * 7 + 1) % ACCOUNTS}`;
      if (from === to) continue;
      await doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Update: { TableName: 'bank', Key: { pk: from }, UpdateExpression: 'SET balance = balance - :a', ConditionExpression: 'balance >= :a', ExpressionAttributeValues: { ':a': 3 } } },
            { Update: { TableName: 'bank', Key: { pk: to }, UpdateExpression: 'SET balance = balance + :a', ExpressionAttributeValues: { ':a': 3 } } },
          ],
        }),
      ).catch((error: Error) => {
        if (error.name !== 'TransactionCanceledException') throw error;
      });
      transfers++;
    }
  };
  const running = Promise.all([...acked.map((_, k) => seq(k)), bank()]);
  return {
    acked: () => [...acked],
    transfers: () => transfers,
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}

t.test('a live backup under writers is a consistent cut that a new server process opens', async (t) => {
  const server = await serve(t);
  const { doc } = server;
  await createTable(server.client, 'seq', ['pk', 'S']);
  await createTable(server.client, 'bank', ['pk', 'S']);
  for (let a = 0; a < ACCOUNTS; a++) await doc.send(new PutCommand({ TableName: 'bank', Item: { pk: `a${a}`, balance: ACCOUNT_START_BALANCE } }));
  await loadBulk(server);

  const writers = startWriters(doc);
  while (Math.min(...writers.acked()) < 20) await pause(10);
  const before = writers.acked();
  const answer = postBackup(server.endpoint, { name: 'live-1', maxBytesPerSecond: PACED_BYTES_PER_SECOND });
  // Requests are served while the copy runs: progress read between batches.
  const midCopy: BackupProgress[] = [];
  let done = false;
  void answer.finally(() => (done = true));
  while (!done) {
    const progress = await backupProgress(server.endpoint);
    if (progress?.state === 'running' && progress.keys > 0) midCopy.push(progress);
    await pause(50);
  }
  const { status, json } = await answer;
  const during = writers.acked().reduce((sum, n, k) => sum + n - before[k]!, 0);
  // Keep writing past the answer: what comes after the cut must be missing from the backup.
  const answered = writers.acked();
  while (writers.acked().some((n, k) => n < answered[k]! + 5)) await pause(10);
  await writers.stop();
  const final = writers.acked();

  t.equal(status, 200, JSON.stringify(json));
  const result = json as { path: string; keys: number; bytes: number; ms: number };
  t.equal(result.path, join(server.backupDir, 'live-1'));
  t.ok(result.bytes > 2 * BACKUP_BATCH_BYTES_MAX, `several batches copied (${result.bytes} bytes, ${result.keys} keys, ${result.ms} ms)`);
  t.ok(midCopy.some((p) => p.keys < result.keys), `progress was served mid-copy (${midCopy.map((p) => p.keys).join(', ')} of ${result.keys} keys)`);
  t.ok(during > 0, `${during} writes were acknowledged while the backup ran`);
  t.ok(writers.transfers() > 0, `${writers.transfers()} transfers ran`);
  t.same((await backupProgress(server.endpoint))?.state, 'done');
  t.same(await readdir(server.backupDir), ['live-1'], 'no staging dir is left');
  await server.close();

  // `npm start -- --data-dir <backup>` in a new process.
  const restored = await startChildServer(result.path);
  t.teardown(() => restored.kill('SIGTERM'));
  const client = sdkClient(restored.endpoint);
  t.teardown(() => client.destroy());
  const restoredDoc = DynamoDBDocumentClient.from(client);
  const seqItems = await scanAll(restoredDoc, 'seq');
  for (let k = 0; k < SEQ_WRITERS; k++) {
    const indexes = seqItems.filter((item) => item.writer === k).map((item) => item.i as number).sort((a, b) => a - b);
    t.strictSame(indexes, indexes.map((_, i) => i), `writer ${k}: no holes at the cut (${indexes.length} writes)`);
    t.ok(indexes.length >= before[k]!, `writer ${k}: all ${before[k]} writes acknowledged before the backup are in it`);
    t.ok(indexes.length < final[k]!, `writer ${k}: writes after the backup (up to ${final[k]}) are not`);
  }
  const balances = (await scanAll(restoredDoc, 'bank')).map((item) => item.balance as number);
  t.equal(balances.length, ACCOUNTS);
  t.equal(balances.reduce((sum, b) => sum + b, 0), ACCOUNTS * ACCOUNT_START_BALANCE, 'transfers are all in or all out');
  const bulk = await restoredDoc.send(new GetCommand({ TableName: 'bulk', Key: { pk: `b${BULK_ITEMS - 1}` } }));
  t.equal((bulk.Item?.value as string | undefined)?.length, BULK_VALUE_CHARS);

  // A second process on the backup dir while the first has it open: refused by the data-dir lock.
  const second = new NodeChild(MAIN, ['--port', String(await freePort()), '--host', '127.0.0.1', '--data-dir', result.path]);
  const timer = setTimeout(() => void second.kill('SIGKILL'), REFUSED_START_TIMEOUT_MS);
  const exit = await second.exited;
  clearTimeout(timer);
  t.equal(exit.code, EXIT_DATA_DIR_REFUSED, second.output());
  t.match(second.output(), `Data dir ${result.path} is in use by process ${restored.process.pid}`);
});

t.test('bad names, an existing target, a second backup at once and a shutdown mid-copy are refused', async (t) => {
  const server = await serve(t);
  t.equal((await fetch(server.endpoint + BACKUP_PATH)).status, 404, 'no progress before the first backup');
  const invalid = ['../escape', 'a/b/c', '..', 'ab', '.hidden', 'x'.repeat(256), 'sp ace', 'a\\b'];
  for (const name of invalid) {
    const { status, json } = await postBackup(server.endpoint, { name });
    t.equal(status, 400, `name ${JSON.stringify(name)}`);
    t.equal(json.__type, 'com.amazonaws.dynamodb.v20120810#ValidationException');
  }
  for (const body of ['not json', '[]', { name: 42 }, { name: 'okay', extra: 1 }, { name: 'okay', maxBytesPerSecond: 10 }, '']) {
    const { status, json } = await postBackup(server.endpoint, body);
    t.equal(status, 400, `body ${JSON.stringify(body)}: ${String(json.message)}`);
  }
  t.same(await readdir(server.root), ['data'], 'a refused request writes nothing, not even the backup dir');

  t.equal((await postBackup(server.endpoint, { name: 'first' })).status, 200);
  const again = await postBackup(server.endpoint, { name: 'first' });
  t.equal(again.status, 409);
  t.equal(again.json.__type, 'com.amazonaws.dynamodb.v20120810#BackupAlreadyExistsException');
  t.match(again.json.message, 'already exists');

  // A staging dir left by a dead process is replaced.
  const stale = join(server.backupDir, '.stale-one.partial');
  await mkdir(stale);
  await writeFile(join(stale, LOCK_FILE_NAME), '999999999\n');
  await writeFile(join(stale, 'junk'), 'left by a crash');
  t.equal((await postBackup(server.endpoint, { name: 'stale-one' })).status, 200);
  t.notOk((await readdir(join(server.backupDir, 'stale-one'))).includes('junk'));

  await loadBulk(server);
  const slow = postBackup(server.endpoint, { name: 'slow', maxBytesPerSecond: 1024 * 1024 });
  let progress: BackupProgress | undefined;
  while (progress?.name !== 'slow' || progress.keys === 0) {
    progress = await backupProgress(server.endpoint);
    if (progress?.state === 'failed') throw new Error(`the slow backup failed: ${progress.error}`);
    await pause(20);
  }
  const second = await postBackup(server.endpoint, { name: 'other' });
  t.equal(second.status, 409, 'one backup at a time');
  t.equal(second.json.__type, 'com.amazonaws.dynamodb.v20120810#BackupInUseException');
  const closeStartedMs = Date.now();
  await server.close();
  t.ok(Date.now() - closeStartedMs < 5_000, `the shutdown did not wait for the copy (${Date.now() - closeStartedMs} ms)`);
  const aborted = await slow;
  t.equal(aborted.status, 503);
  t.match(aborted.json.message, 'shutting down');
  t.same((await readdir(server.backupDir)).sort(), ['first', 'stale-one'], 'the aborted backup left nothing');
});

/** Runs `node dist/server/backup-cli.js` to its exit. */
async function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BACKUP_CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', (exitCode) => resolve(exitCode)));
  return { code, stdout, stderr };
}

t.test('npm run backup prints progress and the result, and fails on a refusal', async (t) => {
  const server = await serve(t);
  await loadBulk(server);
  const run = await runCli(['--url', server.endpoint, '--name', 'nightly', '--max-bytes-per-second', String(PACED_BYTES_PER_SECOND)]);
  t.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout) as { path: string; keys: number };
  t.equal(result.path, join(server.backupDir, 'nightly'));
  t.match(run.stderr, /backup nightly: \d+ keys, \d+ bytes copied/, 'progress lines');
  const refused = await runCli(['--url', server.endpoint, '--name', 'nightly']);
  t.equal(refused.code, 1);
  t.match(refused.stderr, 'HTTP 409');
  t.equal((await runCli(['--url', server.endpoint])).code, 2, 'no --name');
});

t.test("a cluster node's backup holds its own store, Raft state included", async (t) => {
  const cluster = await startInProcessCluster(1);
  t.teardown(() => cluster.close());
  const client = sdkClient(cluster.endpoints[0]!);
  t.teardown(() => client.destroy());
  await createTable(client, 'kept', ['pk', 'S']);
  await DynamoDBDocumentClient.from(client).send(new PutCommand({ TableName: 'kept', Item: { pk: 'a', marker: 'cluster-backup-marker' } }));
  const { status, json } = await postBackup(cluster.endpoints[1]!, { name: 'node-2' });
  t.equal(status, 200, JSON.stringify(json));
  const path = json.path as string;
  t.equal(path, `${join(cluster.dataDir, 'n2')}${DEFAULT_BACKUP_DIR_SUFFIX}/node-2`, 'the default backup dir sits beside the data dir');
  const copy = await RocksDbStore.open(path);
  let hardStates = 0;
  let marker = false;
  for await (const [key, value] of copy.iterate({})) {
    if (key[0] === RAFT_PREFIX && key.length === RAFT_HARD_STATE_KEY_BYTES && key[RAFT_HARD_STATE_KEY_BYTES - 1] === RAFT_HARD_STATE_KIND) hardStates++;
    if (value.includes('cluster-backup-marker')) marker = true;
  }
  await copy.close();
  t.ok(hardStates >= 3, `Raft hard states of the TSO, meta and range groups (${hardStates})`);
  t.ok(marker, 'the item written through node 1 is in node 2\'s backup');
});

t.test('--backup-dir and RANGEDB_BACKUP_DIR choose the backup dir', async (t) => {
  t.equal(parseConfig(['--backup-dir', '/srv/backups'], {}).backupDir, '/srv/backups');
  t.equal(parseConfig([], { RANGEDB_BACKUP_DIR: '/srv/env-backups' }).backupDir, '/srv/env-backups');
  t.equal(parseConfig([], {}).backupDir, undefined, 'absent: the data dir path + -backups, decided by the node');
  t.throws(() => parseConfig(['--backup-dir', ' '], {}), { message: '--backup-dir must not be empty' });
});
