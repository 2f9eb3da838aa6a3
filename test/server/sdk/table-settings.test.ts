/**
 * Table settings DynamoDB describes without this server implementing the
 * feature behind them: StreamSpecification (no DynamoDB Streams API) and
 * SSESpecification (no KMS), and continuous backups with point-in-time
 * recovery (no restore); they survive a restart of the node.
 */
import t from 'tap';
import { rm } from 'node:fs/promises';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  UpdateContinuousBackupsCommand,
  UpdateTableCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { startEmbeddedNode } from '../../../server/embedded-node.js';
import { sdkClient, startTestServer, tempDir, type TestServer } from '../../helpers/server.js';

let server: TestServer;
t.before(async () => {
  server = await startTestServer();
});
t.teardown(async () => {
  await server.close();
});

const LABEL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/;

function tableInput(name: string, extra: Partial<CreateTableCommandInput> = {}): CreateTableCommandInput {
  return {
    TableName: name,
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
    ...extra,
  };
}

t.test('CreateTable with a stream describes it, its label and its ARN', async (t) => {
  const created = await server.client.send(
    new CreateTableCommand(tableInput('streamed', { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } })),
  );
  const description = created.TableDescription!;
  t.same(description.StreamSpecification, { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
  t.match(description.LatestStreamLabel, LABEL);
  t.equal(description.LatestStreamArn, `${description.TableArn}/stream/${description.LatestStreamLabel}`);
  const described = (await server.client.send(new DescribeTableCommand({ TableName: 'streamed' }))).Table!;
  t.same(described.StreamSpecification, description.StreamSpecification);
  t.equal(described.LatestStreamArn, description.LatestStreamArn);
  t.equal(described.LatestStreamLabel, description.LatestStreamLabel);
});

t.test('CreateTable without a stream, or with StreamEnabled false, describes none', async (t) => {
  for (const [name, extra] of [
    ['no-stream', {}],
    ['stream-off', { StreamSpecification: { StreamEnabled: false } }],
  ] as const) {
    const created = (await server.client.send(new CreateTableCommand(tableInput(name, extra)))).TableDescription!;
    t.equal(created.StreamSpecification, undefined, name);
    t.equal(created.LatestStreamArn, undefined, name);
    t.equal(created.LatestStreamLabel, undefined, name);
  }
});

t.test('CreateTable refuses a stream specification DynamoDB refuses', async (t) => {
  await t.rejects(server.client.send(new CreateTableCommand(tableInput('bad-stream', { StreamSpecification: { StreamEnabled: true } }))), {
    name: 'ValidationException',
    message: 'One or more parameter values were invalid: Table is being created with a stream enabled, UpdateViewType is required',
  });
  await t.rejects(
    server.client.send(new CreateTableCommand(tableInput('bad-stream', { StreamSpecification: { StreamEnabled: false, StreamViewType: 'KEYS_ONLY' } }))),
    {
      name: 'ValidationException',
      message: 'One or more parameter values were invalid: Table is being created with a stream disabled, UpdateViewType should not be specified',
    },
  );
  await t.rejects(server.client.send(new DescribeTableCommand({ TableName: 'bad-stream' })), { name: 'ResourceNotFoundException' });
});

t.test('UpdateTable enables and disables a stream as DynamoDB does', async (t) => {
  await server.client.send(new CreateTableCommand(tableInput('toggled')));
  await t.rejects(server.client.send(new UpdateTableCommand({ TableName: 'toggled', StreamSpecification: { StreamEnabled: false } })), {
    name: 'ValidationException',
    message: 'Table has no stream to disable: TableName: toggled',
  });
  await t.rejects(server.client.send(new UpdateTableCommand({ TableName: 'toggled', StreamSpecification: { StreamEnabled: true } })), {
    name: 'ValidationException',
    message: 'One or more parameter values were invalid: If stream is being enabled then UpdateViewType is required',
  });

  const enabled = (
    await server.client.send(new UpdateTableCommand({ TableName: 'toggled', StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' } }))
  ).TableDescription!;
  t.same(enabled.StreamSpecification, { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' });
  t.match(enabled.LatestStreamLabel, LABEL);
  t.equal(enabled.LatestStreamArn, `arn:aws:dynamodb:us-east-1:000000000000:table/toggled/stream/${enabled.LatestStreamLabel}`);

  // A second enable, with the same or another view type, is refused: the view type cannot change in place.
  for (const viewType of ['KEYS_ONLY', 'NEW_IMAGE'] as const) {
    await t.rejects(
      server.client.send(new UpdateTableCommand({ TableName: 'toggled', StreamSpecification: { StreamEnabled: true, StreamViewType: viewType } })),
      { name: 'ValidationException', message: 'Table already has an enabled stream: TableName: toggled' },
    );
  }
  await t.rejects(
    server.client.send(new UpdateTableCommand({ TableName: 'toggled', StreamSpecification: { StreamEnabled: false, StreamViewType: 'KEYS_ONLY' } })),
    { name: 'ValidationException', message: 'One or more parameter values were invalid: If stream is being disabled, then UpdateViewType must not be specified' },
  );

  // Disabled: no StreamSpecification, but the latest stream's label and ARN stay.
  const disabled = (await server.client.send(new UpdateTableCommand({ TableName: 'toggled', StreamSpecification: { StreamEnabled: false } })))
    .TableDescription!;
  t.equal(disabled.StreamSpecification, undefined);
  t.equal(disabled.LatestStreamLabel, enabled.LatestStreamLabel);
  t.equal(disabled.LatestStreamArn, enabled.LatestStreamArn);
  const described = (await server.client.send(new DescribeTableCommand({ TableName: 'toggled' }))).Table!;
  t.equal(described.StreamSpecification, undefined);
  t.equal(described.LatestStreamArn, enabled.LatestStreamArn);
  await t.rejects(server.client.send(new UpdateTableCommand({ TableName: 'toggled', StreamSpecification: { StreamEnabled: false } })), {
    name: 'ValidationException',
    message: 'Table has no stream to disable: TableName: toggled',
  });

  // Enabled again: a new stream, with a new label.
  await new Promise((resolve) => setTimeout(resolve, 5));
  const again = (
    await server.client.send(new UpdateTableCommand({ TableName: 'toggled', StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } }))
  ).TableDescription!;
  t.same(again.StreamSpecification, { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
  t.not(again.LatestStreamLabel, enabled.LatestStreamLabel);
});

t.test('UpdateTable refuses a stream change combined with throughput or index changes', async (t) => {
  await server.client.send(
    new CreateTableCommand({
      ...tableInput('combined'),
      BillingMode: 'PROVISIONED',
      ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
    }),
  );
  await t.rejects(
    server.client.send(
      new UpdateTableCommand({
        TableName: 'combined',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
        ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: 2 },
      }),
    ),
    { name: 'ValidationException', message: 'One or more parameter values were invalid: You cannot modify stream status while updating table IOPS' },
  );
  await t.rejects(
    server.client.send(
      new UpdateTableCommand({
        TableName: 'combined',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
        AttributeDefinitions: [{ AttributeName: 'g', AttributeType: 'S' }],
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: 'byG',
              KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
              Projection: { ProjectionType: 'ALL' },
              ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
            },
          },
        ],
      }),
    ),
    { name: 'ValidationException', message: 'One or more parameter values were invalid: You cannot create or delete index while changing stream status' },
  );
  const described = (await server.client.send(new DescribeTableCommand({ TableName: 'combined' }))).Table!;
  t.equal(described.StreamSpecification, undefined, 'nothing was applied');
  t.equal(described.GlobalSecondaryIndexes, undefined);
  t.equal(described.ProvisionedThroughput?.ReadCapacityUnits, 1);
});

const ACCOUNT_KMS = 'arn:aws:kms:us-east-1:000000000000:';
const MANAGED_KEY = new RegExp(`^${ACCOUNT_KMS}key/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`);

t.test('CreateTable with SSESpecification describes the KMS encryption', async (t) => {
  const keyArn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const custom = (
    await server.client.send(new CreateTableCommand(tableInput('sse-custom', { SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn } })))
  ).TableDescription!;
  t.same(custom.SSEDescription, { Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: keyArn });
  const described = (await server.client.send(new DescribeTableCommand({ TableName: 'sse-custom' }))).Table!;
  t.same(described.SSEDescription, custom.SSEDescription);

  const byId = (
    await server.client.send(new CreateTableCommand(tableInput('sse-key-id', { SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: 'k-1' } })))
  ).TableDescription!;
  t.equal(byId.SSEDescription?.KMSMasterKeyArn, `${ACCOUNT_KMS}key/k-1`);

  // Enabled alone, or SSEType KMS alone: the account's AWS managed key, the same for every table.
  const managed = (await server.client.send(new CreateTableCommand(tableInput('sse-managed', { SSESpecification: { Enabled: true } }))))
    .TableDescription!;
  t.equal(managed.SSEDescription?.Status, 'ENABLED');
  t.equal(managed.SSEDescription?.SSEType, 'KMS');
  t.match(managed.SSEDescription?.KMSMasterKeyArn, MANAGED_KEY);
  const typed = (await server.client.send(new CreateTableCommand(tableInput('sse-typed', { SSESpecification: { SSEType: 'KMS' } })))).TableDescription!;
  t.equal(typed.SSEDescription?.KMSMasterKeyArn, managed.SSEDescription?.KMSMasterKeyArn);

  // DynamoDB's default encryption (an AWS owned key) has no SSEDescription.
  for (const [name, spec] of [
    ['sse-off', { Enabled: false }],
    ['sse-empty', {}],
  ] as const) {
    const created = (await server.client.send(new CreateTableCommand(tableInput(name, { SSESpecification: spec })))).TableDescription!;
    t.equal(created.SSEDescription, undefined, name);
  }
});

t.test('SSESpecification refusals are DynamoDB’s', async (t) => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ Enabled: false, SSEType: 'KMS' }, 'SSEType can not be specified if Enabled is false'],
    [{ Enabled: false, KMSMasterKeyId: 'k' }, 'KMSMasterKeyId can not be specified if Enabled is false'],
    [{ Enabled: true, KMSMasterKeyId: 'k' }, 'SSEType KMS is required if KMSMasterKeyId is specified'],
    [{ Enabled: true, SSEType: 'AES256' }, 'SSEType AES256 is not supported'],
  ];
  for (const [spec, message] of cases) {
    await t.rejects(server.client.send(new CreateTableCommand(tableInput('sse-bad', { SSESpecification: spec }))), {
      name: 'ValidationException',
      message: `One or more parameter values were invalid: ${message}`,
    });
  }
  await t.rejects(server.client.send(new DescribeTableCommand({ TableName: 'sse-bad' })), { name: 'ResourceNotFoundException' });
});

t.test('UpdateTable switches between default and KMS encryption', async (t) => {
  await server.client.send(new CreateTableCommand(tableInput('sse-switch')));
  for (const spec of [{ Enabled: false }, {}]) {
    await t.rejects(server.client.send(new UpdateTableCommand({ TableName: 'sse-switch', SSESpecification: spec })), {
      name: 'ValidationException',
      message: 'One or more parameter values were invalid: Table is already encrypted by default',
    });
  }
  await t.rejects(
    server.client.send(new UpdateTableCommand({ TableName: 'sse-switch', SSESpecification: { Enabled: true }, DeletionProtectionEnabled: true })),
    { name: 'ValidationException', message: 'One or more parameter values were invalid: Server-Side Encryption modification must be the only operation in the request' },
  );
  const enabled = (await server.client.send(new UpdateTableCommand({ TableName: 'sse-switch', SSESpecification: { Enabled: true } }))).TableDescription!;
  t.match(enabled.SSEDescription, { Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: MANAGED_KEY });
  t.equal(enabled.DeletionProtectionEnabled, false, 'the refused request applied nothing');

  const keyArn = `${ACCOUNT_KMS}key/0000-custom`;
  const changed = (
    await server.client.send(new UpdateTableCommand({ TableName: 'sse-switch', SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn } }))
  ).TableDescription!;
  t.equal(changed.SSEDescription?.KMSMasterKeyArn, keyArn);
  await t.rejects(
    server.client.send(new UpdateTableCommand({ TableName: 'sse-switch', SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn } })),
    {
      name: 'ValidationException',
      message:
        'One or more parameter values were invalid: Table is already encrypted with given KMSMasterKeyId. Use KMSMasterKeyId parameter if you want to change Master Key',
    },
  );
  const described = (await server.client.send(new DescribeTableCommand({ TableName: 'sse-switch' }))).Table!;
  t.equal(described.SSEDescription?.KMSMasterKeyArn, keyArn);

  const disabled = (await server.client.send(new UpdateTableCommand({ TableName: 'sse-switch', SSESpecification: { Enabled: false } }))).TableDescription!;
  t.equal(disabled.SSEDescription, undefined);
  t.equal((await server.client.send(new DescribeTableCommand({ TableName: 'sse-switch' }))).Table!.SSEDescription, undefined);
});

t.test('DescribeContinuousBackups right after CreateTable, and for a missing table', async (t) => {
  await server.client.send(new CreateTableCommand(tableInput('backed-up')));
  const described = await server.client.send(new DescribeContinuousBackupsCommand({ TableName: 'backed-up' }));
  t.same(described.ContinuousBackupsDescription, {
    ContinuousBackupsStatus: 'ENABLED',
    PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'DISABLED' },
  });
  for (const send of [
    () => server.client.send(new DescribeContinuousBackupsCommand({ TableName: 'no-such-table' })),
    () =>
      server.client.send(
        new UpdateContinuousBackupsCommand({ TableName: 'no-such-table', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      ),
  ]) {
    await t.rejects(send(), { name: 'TableNotFoundException', message: 'Table not found: no-such-table', $metadata: { httpStatusCode: 400 } });
  }
});

t.test('UpdateContinuousBackups enables and disables point-in-time recovery', async (t) => {
  await server.client.send(new CreateTableCommand(tableInput('recoverable')));
  const before = Date.now();
  const enabled = await server.client.send(
    new UpdateContinuousBackupsCommand({ TableName: 'recoverable', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
  );
  const pitr = enabled.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
  t.equal(enabled.ContinuousBackupsDescription?.ContinuousBackupsStatus, 'ENABLED');
  t.equal(pitr?.PointInTimeRecoveryStatus, 'ENABLED');
  t.equal(pitr?.RecoveryPeriodInDays, 35);
  t.ok(pitr?.EarliestRestorableDateTime instanceof Date && pitr.EarliestRestorableDateTime.getTime() >= before - 1);
  t.ok(pitr?.LatestRestorableDateTime instanceof Date && pitr.LatestRestorableDateTime.getTime() >= pitr.EarliestRestorableDateTime!.getTime());

  const described = await server.client.send(new DescribeContinuousBackupsCommand({ TableName: 'recoverable' }));
  t.equal(described.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus, 'ENABLED');
  t.same(described.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.EarliestRestorableDateTime, pitr?.EarliestRestorableDateTime);

  // Enabled again with another period: the period changes, the earliest restorable time stays.
  const again = await server.client.send(
    new UpdateContinuousBackupsCommand({
      TableName: 'recoverable',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 7 },
    }),
  );
  t.equal(again.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.RecoveryPeriodInDays, 7);
  t.same(again.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.EarliestRestorableDateTime, pitr?.EarliestRestorableDateTime);

  await t.rejects(
    server.client.send(
      new UpdateContinuousBackupsCommand({
        TableName: 'recoverable',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false, RecoveryPeriodInDays: 7 },
      }),
    ),
    { name: 'ValidationException', message: 'Invalid Request: Cannot specify RecoveryPeriodInDays when disabling point-in-time recovery.' },
  );
  await t.rejects(
    server.client.send(
      new UpdateContinuousBackupsCommand({
        TableName: 'recoverable',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 0 },
      }),
    ),
    {
      name: 'ValidationException',
      message:
        "1 validation error detected: Value '0' at 'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy constraint: Member must have value greater than or equal to 1",
    },
  );

  const disabled = await server.client.send(
    new UpdateContinuousBackupsCommand({ TableName: 'recoverable', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } }),
  );
  t.same(disabled.ContinuousBackupsDescription, {
    ContinuousBackupsStatus: 'ENABLED',
    PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'DISABLED' },
  });

  // A table created again under the same name starts without it.
  await server.client.send(
    new UpdateContinuousBackupsCommand({ TableName: 'recoverable', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
  );
  await server.client.send(new DeleteTableCommand({ TableName: 'recoverable' }));
  await server.client.send(new CreateTableCommand(tableInput('recoverable')));
  const fresh = await server.client.send(new DescribeContinuousBackupsCommand({ TableName: 'recoverable' }));
  t.equal(fresh.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus, 'DISABLED');
});

t.test('the settings survive a restart of the node', async (t) => {
  const dataDir = await tempDir('settings-restart');
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  let node = await startEmbeddedNode({ dataDir, logger: false });
  let client = sdkClient(await node.app.listen({ port: 0, host: '127.0.0.1' }));
  const created = (
    await client.send(new CreateTableCommand(
        tableInput('kept', {
          StreamSpecification: { StreamEnabled: true, StreamViewType: 'OLD_IMAGE' },
          SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: 'alias/kept' },
        }),
      ),)
  ).TableDescription!;
  await client.send(
    new UpdateContinuousBackupsCommand({ TableName: 'kept', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 3 } }),
  );
  client.destroy();
  await node.close();

  node = await startEmbeddedNode({ dataDir, logger: false });
  client = sdkClient(await node.app.listen({ port: 0, host: '127.0.0.1' }));
  t.teardown(async () => {
    client.destroy();
    await node.close();
  });
  const described = (await client.send(new DescribeTableCommand({ TableName: 'kept' }))).Table!;
  t.same(described.StreamSpecification, { StreamEnabled: true, StreamViewType: 'OLD_IMAGE' });
  t.equal(described.LatestStreamArn, created.LatestStreamArn);
  t.equal(described.LatestStreamLabel, created.LatestStreamLabel);
  t.same(described.SSEDescription, { Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: 'arn:aws:kms:us-east-1:000000000000:alias/kept' });
  const backups = await client.send(new DescribeContinuousBackupsCommand({ TableName: 'kept' }));
  t.match(backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription, { PointInTimeRecoveryStatus: 'ENABLED', RecoveryPeriodInDays: 3 });
});
