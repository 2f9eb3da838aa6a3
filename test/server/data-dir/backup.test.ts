/**
 * The backup procedure docs/OPERATIONS.md documents: stop the node, copy its
 * data dir, start a node on the copy. (A data dir left by a killed process,
 * stale lock file included, is covered in test/server/process/ops-start.test.ts.)
 */
import t from 'tap';
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { startEmbeddedNode } from '../../../server/embedded-node.js';
import { startTestServer, tempDir } from '../../helpers/server.js';
import { dynamoRequest } from '../protocol/helpers.js';

t.test('a stopped node\'s data dir, copied, serves the same data', async (t) => {
  const server = await startTestServer();
  const backupRoot = await tempDir('backup');
  t.teardown(async () => {
    await server.close();
    await rm(backupRoot, { recursive: true, force: true });
  });
  await server.client.send(
    new CreateTableCommand({
      TableName: 'kept',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await server.doc.send(new PutCommand({ TableName: 'kept', Item: { pk: 'a', n: 1 } }));
  await server.node.close();

  const backup = join(backupRoot, 'data');
  await cp(server.dataDir, backup, { recursive: true });
  const restored = await startEmbeddedNode({ dataDir: backup, logger: false, gcIntervalMs: 0, ttlIntervalMs: 0 });
  t.teardown(() => restored.close());
  const response = await dynamoRequest(restored.app, 'GetItem', { TableName: 'kept', Key: { pk: { S: 'a' } } });
  t.equal(response.statusCode, 200);
  t.strictSame(response.json(), { Item: { pk: { S: 'a' }, n: { N: '1' } } });
  // The source is untouched by the restore and still opens.
  const original = await startEmbeddedNode({ dataDir: server.dataDir, logger: false, gcIntervalMs: 0, ttlIntervalMs: 0 });
  const again = await dynamoRequest(original.app, 'GetItem', { TableName: 'kept', Key: { pk: { S: 'a' } } });
  await original.close();
  t.strictSame(again.json(), response.json());
});
