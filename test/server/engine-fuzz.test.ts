/**
 * Property: requests that pass the schemas but are semantically random
 * (random items, keys, expressions, names and values) never get a 5xx from
 * the real engine, and a refused request writes nothing.
 */
import t from 'tap';
import fc from 'fast-check';
import { rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { startEmbeddedNode, type EmbeddedNode } from '../../server/embedded-node.js';
import { HEAD_PREFIX, prefixSpace } from '../../engine/mvcc/layout.js';
import { tempDir } from '../helpers/server.js';
import { callOperation } from '../helpers/inject.js';

/** Runs per property; the whole file stays within a few seconds. */
const RUNS = Number(process.env.ENGINE_FUZZ_RUNS ?? 300);

let node: EmbeddedNode;
let dataDir: string;

const call = (operation: string, body: unknown) => callOperation(node, operation, body);

async function snapshot(): Promise<string> {
  const hash = createHash('sha256');
  for await (const [key, value] of node.store.iterate(prefixSpace(HEAD_PREFIX))) hash.update(key).update(value);
  return hash.digest('hex');
}

t.before(async () => {
  dataDir = await tempDir('engine-fuzz');
  node = await startEmbeddedNode({ dataDir, logger: false });
  const created = await call('CreateTable', {
    TableName: 'fuzz',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'N' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  });
  if (created.status !== 200) throw new Error(`CreateTable failed: ${JSON.stringify(created.body)}`);
});
t.teardown(async () => {
  await node.close();
  await rm(dataDir, { recursive: true, force: true });
});

const names = fc.constantFrom('pk', 'sk', 'a', 'b', 'status', 'n', 'l', 'm', '#a', ':v', '');
const numberText = fc.oneof(
  fc.integer().map(String),
  fc.constantFrom('1e126', '-1e-131', '0.0', '12345678901234567890123456789012345678901', 'abc', '', ' 1', '1.5e3', '-0'),
);
const attributeValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.record({ S: fc.string({ maxLength: 6 }) }),
    fc.record({ N: numberText }),
    fc.record({ B: fc.oneof(fc.base64String({ maxLength: 8 }), fc.constantFrom('', '***')) }),
    fc.record({ SS: fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }) }),
    fc.record({ NS: fc.array(numberText, { maxLength: 3 }) }),
    fc.record({ BOOL: fc.boolean() }),
    fc.record({ NULL: fc.boolean() }),
    fc.record({ L: fc.array(tie('value'), { maxLength: 3 }) }),
    fc.record({ M: fc.dictionary(fc.string({ maxLength: 3 }), tie('value'), { maxKeys: 3 }) }),
    fc.constant({}),
    fc.record({ S: fc.string({ maxLength: 3 }), N: numberText }),
  ),
}))['value'];
const validValue = fc.oneof(
  fc.record({ S: fc.string({ maxLength: 6 }) }),
  fc.integer({ min: -1000, max: 1000 }).map((n) => ({ N: String(n) })),
  fc.record({ BOOL: fc.boolean() }),
  fc.record({ L: fc.array(fc.record({ S: fc.string({ maxLength: 3 }) }), { maxLength: 3 }) }),
);
/** Mostly well-formed values, sometimes anything. */
const someValue = fc.oneof({ arbitrary: validValue, weight: 4 }, { arbitrary: attributeValue, weight: 1 });
const item = fc.dictionary(fc.constantFrom('a', 'b', 'n', 'l', 'm', 'status'), someValue, { maxKeys: 4 });
const validKey = fc.record({ pk: fc.constantFrom('k1', 'k2', 'k3').map((S) => ({ S })), sk: fc.constantFrom('1', '2').map((N) => ({ N })) });
const randomKey = fc.record({ pk: fc.oneof(fc.record({ S: fc.constantFrom('k1', '') }), attributeValue), sk: attributeValue }, { requiredKeys: [] });
const keyPart = fc.oneof({ arbitrary: validKey, weight: 5 }, { arbitrary: randomKey, weight: 1 });
const expressionToken = fc.constantFrom(
  'a', 'b', '#a', '#b', ':v', ':w', '=', '<>', '<', '>=', 'AND', 'OR', 'NOT', '(', ')', ',', '.', '[0]', 'BETWEEN',
  'IN', 'size(a)', 'attribute_exists(a)', 'attribute_not_exists(#a)', 'begins_with(a, :v)', 'contains(#a, :w)',
  'SET', 'REMOVE', 'ADD', 'DELETE', '+', '-', 'if_not_exists(a, :v)', 'list_append(a, :v)', 'status', '',
);
const randomExpression = fc.array(expressionToken, { maxLength: 8 }).map((tokens) => tokens.join(' '));
const condition = fc.oneof(
  fc.constantFrom('attribute_exists(a)', 'attribute_not_exists(pk)', 'a = :v', '#a <> :v', 'size(l) > :w', 'a = :v OR NOT b < :w', 'begins_with(#a, :v)'),
  randomExpression,
);
const update = fc.oneof(
  fc.constantFrom('SET a = :v', 'SET #a = :v, b = :w', 'REMOVE b', 'SET l = list_append(l, :v)', 'ADD n :w', 'SET n = n + :w', 'SET a = if_not_exists(a, :v) REMOVE l[0]'),
  randomExpression,
);
const expressionMaps = fc.record(
  {
    ExpressionAttributeNames: fc.oneof(
      { arbitrary: fc.constant({ '#a': 'a' }), weight: 3 },
      { arbitrary: fc.dictionary(fc.constantFrom('#a', '#b', 'a', '#'), names, { maxKeys: 2 }), weight: 1 },
    ),
    ExpressionAttributeValues: fc.oneof(
      { arbitrary: fc.record({ ':v': someValue, ':w': someValue }), weight: 3 },
      { arbitrary: fc.dictionary(fc.constantFrom(':v', ':w', 'v'), attributeValue, { maxKeys: 2 }), weight: 1 },
    ),
  },
  { requiredKeys: [] },
);

const request = fc.oneof(
  fc.tuple(fc.constant('PutItem'), fc.record({ TableName: fc.constantFrom('fuzz', 'nope'), Item: fc.tuple(keyPart, item).map(([k, i]) => ({ ...i, ...k })), ConditionExpression: fc.option(condition, { nil: undefined }) }), expressionMaps),
  fc.tuple(fc.constant('UpdateItem'), fc.record({ TableName: fc.constant('fuzz'), Key: keyPart, UpdateExpression: fc.option(update, { nil: undefined }), ConditionExpression: fc.option(condition, { nil: undefined }), ReturnValues: fc.constantFrom('NONE', 'ALL_NEW', 'UPDATED_OLD') }), expressionMaps),
  fc.tuple(fc.constant('DeleteItem'), fc.record({ TableName: fc.constant('fuzz'), Key: keyPart, ConditionExpression: fc.option(condition, { nil: undefined }) }), expressionMaps),
  fc.tuple(fc.constant('GetItem'), fc.record({ TableName: fc.constant('fuzz'), Key: keyPart, ProjectionExpression: fc.option(fc.oneof(fc.constantFrom('a, #a', 'l[0], b'), randomExpression), { nil: undefined }) }), expressionMaps),
  fc.tuple(
    fc.constant('TransactWriteItems'),
    fc.record({
      TransactItems: fc.array(
        fc.oneof(
          fc.record({ Put: fc.record({ TableName: fc.constant('fuzz'), Item: fc.tuple(keyPart, item).map(([k, i]) => ({ ...i, ...k })) }) }),
          fc.record({ Delete: fc.record({ TableName: fc.constant('fuzz'), Key: keyPart }) }),
          fc.record({ ConditionCheck: fc.record({ TableName: fc.constant('fuzz'), Key: keyPart, ConditionExpression: fc.constantFrom('attribute_exists(a)', 'attribute_not_exists(pk)') }) }),
        ),
        { minLength: 1, maxLength: 3 },
      ),
    }),
    fc.constant({}),
  ),
);

t.test('semantically random requests: never a 5xx, and a refused request writes nothing', async (t) => {
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(request, async ([operation, body, maps]) => {
      const payload = { ...JSON.parse(JSON.stringify(body)), ...maps };
      const before = await snapshot();
      const response = await call(operation, payload);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (process.env.FUZZ_DEBUG) console.error(operation, response.status, JSON.stringify(response.body).slice(0, 150));
      if (response.status >= 500) throw new Error(`5xx for ${operation} ${JSON.stringify(payload)}: ${JSON.stringify(response.body)}`);
      if (response.status === 400) {
        if (typeof response.body.__type !== 'string') throw new Error(`no __type in ${JSON.stringify(response.body)}`);
        const after = await snapshot();
        if (after !== before) throw new Error(`refused ${operation} wrote data: ${JSON.stringify(payload)} -> ${JSON.stringify(response.body)}`);
      }
    }),
    { numRuns: RUNS },
  );
  t.ok((statuses.get(200) ?? 0) > 0, `some requests succeeded (${JSON.stringify([...statuses])})`);
  t.ok((statuses.get(400) ?? 0) > 0, 'some requests were refused');
  const health = await call('ListTables', {});
  t.equal(health.status, 200, 'the server still serves');
});

/** Every operation, with bodies assembled from real member names and random values. */
const OPERATIONS = [
  'CreateTable', 'DescribeTable', 'ListTables', 'DeleteTable', 'UpdateTable', 'PutItem', 'GetItem', 'DeleteItem',
  'UpdateItem', 'TransactWriteItems', 'TransactGetItems', 'Query', 'Scan', 'BatchGetItem', 'BatchWriteItem',
  'UpdateTimeToLive', 'DescribeTimeToLive', 'TagResource', 'UntagResource', 'ListTagsOfResource', 'DescribeLimits',
  'DescribeEndpoints', 'DescribeContinuousBackups', 'UpdateContinuousBackups',
];
const member = fc.constantFrom(
  'TableName', 'Key', 'Item', 'Tags', 'TagKeys', 'ResourceArn', 'TimeToLiveSpecification', 'RequestItems', 'TransactItems',
  'KeyConditionExpression', 'FilterExpression', 'ProjectionExpression', 'ExclusiveStartKey', 'Limit', 'Segment',
  'TotalSegments', 'Select', 'IndexName', 'ProvisionedThroughput', 'BillingMode', 'AttributeDefinitions', 'KeySchema',
  'ReturnValues', 'ClientRequestToken', 'ExpressionAttributeNames', 'ExpressionAttributeValues', 'UpdateExpression',
  'ConditionExpression', 'ExclusiveStartTableName', 'ScanIndexForward', 'ConsistentRead', 'Expected', 'AttributeUpdates',
  'KeyConditions', 'QueryFilter', 'ScanFilter', 'AttributesToGet', 'ConditionalOperator', 'DeletionProtectionEnabled',
  'StreamSpecification', 'SSESpecification', 'PointInTimeRecoverySpecification',
);
const memberValue = fc.oneof(
  fc.constantFrom('fuzz', 'nope', 'arn:aws:dynamodb:us-east-1:000000000000:table/fuzz', 'a:b:c:d:e:f/g', 'ALL_ATTRIBUTES', 'COUNT', 'PAY_PER_REQUEST', 'pk = :v'),
  fc.integer({ min: -2, max: 200 }),
  fc.boolean(),
  validKey,
  item,
  fc.array(fc.oneof(fc.record({ Key: fc.string(), Value: fc.string() }), fc.string(), validKey), { maxLength: 3 }),
  fc.dictionary(fc.constantFrom('fuzz', 'nope', '#a', ':v'), fc.oneof(fc.record({ Keys: fc.array(validKey, { maxLength: 2 }) }), fc.array(fc.record({ PutRequest: fc.record({ Item: item }) }), { maxLength: 2 }), someValue), { maxKeys: 2 }),
  fc.record({ Enabled: fc.boolean(), AttributeName: fc.string({ maxLength: 3 }) }, { requiredKeys: [] }),
  fc.record({ ReadCapacityUnits: fc.integer({ min: 0, max: 3 }), WriteCapacityUnits: fc.integer({ min: 0, max: 3 }) }, { requiredKeys: [] }),
  fc.record({ StreamEnabled: fc.boolean(), StreamViewType: fc.constantFrom('KEYS_ONLY', 'NEW_IMAGE', 'BOGUS') }, { requiredKeys: [] }),
  fc.record({ Enabled: fc.boolean(), SSEType: fc.constantFrom('KMS', 'AES256', 'x'), KMSMasterKeyId: fc.string({ maxLength: 3 }) }, { requiredKeys: [] }),
  fc.record({ PointInTimeRecoveryEnabled: fc.boolean(), RecoveryPeriodInDays: fc.integer({ min: -1, max: 40 }) }, { requiredKeys: [] }),
);

t.test('every operation with random members: never a 5xx', async (t) => {
  let answered = 0;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...OPERATIONS), fc.dictionary(member, memberValue, { maxKeys: 5 }), async (operation, body) => {
      const response = await call(operation, body);
      if (response.status >= 500) throw new Error(`5xx for ${operation} ${JSON.stringify(body)}: ${JSON.stringify(response.body)}`);
      answered++;
    }),
    { numRuns: RUNS },
  );
  t.equal(answered, RUNS, 'every request was answered');
  t.equal((await call('ListTables', {})).status, 200, 'the server still serves');
});
