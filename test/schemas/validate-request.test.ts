import t from 'tap';
import { ValidationError } from '../../engine/errors.js';
import { MAX_REQUEST_DEPTH, SerializationError, schemaOperations, validateRequest } from '../../schemas/index.js';

type Expected = { validation: string } | { serialization: string } | 'ok';

function outcome(operation: string, body: Record<string, unknown>): Expected {
  try {
    validateRequest(operation, body);
    return 'ok';
  } catch (error) {
    if (error instanceof SerializationError) return { serialization: error.message };
    if (error instanceof ValidationError) return { validation: error.message };
    throw error;
  }
}

const notNull = (path: string): string => `Value null at '${path}' failed to satisfy constraint: Member must not be null`;
const list = (...errors: string[]): Expected => ({
  validation: `${errors.length} validation error${errors.length > 1 ? 's' : ''} detected: ${errors.join('; ')}`,
});
const TABLE_PATTERN = 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+';
const TABLE_LENGTH = 'TableName must be at least 3 characters long and at most 255 characters long';

/** [operation, body, what DynamoDB answers]; most cases are DynamoDB's answers as dynalite's suite records them. */
const CASES: Array<[string, Record<string, unknown>, Expected]> = [
  // CreateTable
  ['CreateTable', {}, { validation: "The parameter 'TableName' is required but was not present in the request" }],
  ['CreateTable', { TableName: 'a;' }, { validation: TABLE_LENGTH }],
  ['CreateTable', { TableName: 'a'.repeat(256) }, { validation: TABLE_LENGTH }],
  [
    'CreateTable',
    { TableName: 'abc;' },
    list(notNull('attributeDefinitions'), `Value 'abc;' at 'tableName' failed to satisfy constraint: ${TABLE_PATTERN}`, notNull('keySchema')),
  ],
  [
    'CreateTable',
    { TableName: 'abc', AttributeDefinitions: [], ProvisionedThroughput: {}, BillingMode: 'PAY_PER_REQUEST' },
    list(notNull('provisionedThroughput.writeCapacityUnits'), notNull('provisionedThroughput.readCapacityUnits'), notNull('keySchema')),
  ],
  [
    'CreateTable',
    { TableName: 'abc', AttributeDefinitions: [], KeySchema: [], ProvisionedThroughput: { ReadCapacityUnits: -1, WriteCapacityUnits: -1 }, BillingMode: 'A' },
    list(
      "Value 'A' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]",
      "Value '-1' at 'provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1",
      "Value '-1' at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1",
      "Value '[]' at 'keySchema' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ),
  ],
  [
    'CreateTable',
    { TableName: 'abc', AttributeDefinitions: [], KeySchema: [{ KeyType: 'HASH' }, { AttributeName: 'a' }, { KeyType: 'Woop', AttributeName: 'a' }] },
    list(
      `Value '[{"KeyType":"HASH"}, {"AttributeName":"a"}, {"KeyType":"Woop","AttributeName":"a"}]' at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2`,
      notNull('keySchema.1.member.attributeName'),
      notNull('keySchema.2.member.keyType'),
      "Value 'Woop' at 'keySchema.3.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]",
    ),
  ],
  [
    'CreateTable',
    { TableName: 'abc', AttributeDefinitions: [{ AttributeName: 'b', AttributeType: 'SS' }], KeySchema: [{ KeyType: 'HASH', AttributeName: 'a' }] },
    list("Value 'SS' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]"),
  ],
  [
    'CreateTable',
    { TableName: 'abc', AttributeDefinitions: [{ AttributeName: 'a', AttributeType: 'S' }], KeySchema: [{ KeyType: 'HASH', AttributeName: 'a' }], BillingMode: 'PAY_PER_REQUEST' },
    'ok',
  ],
  ['CreateTable', { TableName: 'abc', ProvisionedThroughput: { ReadCapacityUnits: '5' } }, { serialization: 'STRING_VALUE cannot be converted to Long' }],
  // DescribeTable, DeleteTable, DescribeTimeToLive
  ['DescribeTable', {}, { validation: "The parameter 'TableName' is required but was not present in the request" }],
  ['DescribeTable', { TableName: '' }, { validation: TABLE_LENGTH }],
  ['DescribeTable', { TableName: 'abc;' }, list(`Value 'abc;' at 'tableName' failed to satisfy constraint: ${TABLE_PATTERN}`)],
  ['DescribeTable', { TableName: true }, { serialization: 'TRUE_VALUE cannot be converted to String' }],
  ['DeleteTable', { TableName: 'ab' }, { validation: TABLE_LENGTH }],
  ['DeleteTable', { TableName: 'table.name-1_x' }, 'ok'],
  ['DescribeTimeToLive', {}, { validation: "The parameter 'TableName' is required but was not present in the request" }],
  // ListTables
  [
    'ListTables',
    { Limit: 101, ExclusiveStartTableName: '89hls;;f;d' },
    list(
      "Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100",
      `Value '89hls;;f;d' at 'exclusiveStartTableName' failed to satisfy constraint: ${TABLE_PATTERN}`,
    ),
  ],
  ['ListTables', { Limit: 0 }, list("Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")],
  ['ListTables', { Limit: [] }, { serialization: 'Unrecognized collection type class java.lang.Integer' }],
  ['ListTables', {}, 'ok'],
  // PutItem
  ['PutItem', {}, list(notNull('tableName'), notNull('item'))],
  [
    'PutItem',
    { TableName: '' },
    list(
      `Value '' at 'tableName' failed to satisfy constraint: ${TABLE_PATTERN}`,
      "Value '' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3",
      notNull('item'),
    ),
  ],
  [
    'PutItem',
    { TableName: 'abc;', ReturnConsumedCapacity: 'hi', ReturnItemCollectionMetrics: 'hi', ReturnValues: 'hi' },
    list(
      "Value 'hi' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]",
      `Value 'abc;' at 'tableName' failed to satisfy constraint: ${TABLE_PATTERN}`,
      notNull('item'),
      "Value 'hi' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]",
      "Value 'hi' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]",
    ),
  ],
  ['PutItem', { TableName: 'abc', Item: { a: { SS: [23] } } }, { serialization: 'NUMBER_VALUE cannot be converted to String' }],
  ['PutItem', { TableName: 'abc', Item: { a: { M: { b: { BS: ['23456'] } } } } }, { serialization: 'Base64 encoded length is expected a multiple of 4 bytes but found: 5' }],
  ['PutItem', { TableName: 'abc', Item: { a: { L: [{ B: '+/+=' }] } } }, { serialization: 'Invalid last non-pad Base64 character dectected' }],
  ['PutItem', { TableName: 'abc', Item: { a: { L: {} } } }, { serialization: 'Start of structure or map found where not expected' }],
  ['PutItem', { TableName: 'abc', Item: { a: { NULL: 34.56 } } }, { serialization: 'DECIMAL_VALUE cannot be converted to Boolean' }],
  ['PutItem', { TableName: 'abc', Item: { a: { BOOL: '23' } } }, { serialization: 'Unexpected token received from parser' }],
  ['PutItem', { TableName: 'abc', Item: { a: '23' } }, { serialization: 'Unexpected value type in payload' }],
  ['PutItem', { TableName: 'abc', Item: { a: [] } }, { serialization: 'Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue' }],
  ['PutItem', { TableName: 'abc', Item: [] }, { serialization: 'Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>' }],
  ['PutItem', { TableName: 'abc', Item: {}, Expected: { a: { Value: 23 } } }, { serialization: 'Unexpected field type' }],
  ['PutItem', { TableName: 'abc', Item: {}, Expected: { a: 23 } }, { serialization: 'Unexpected value type in payload' }],
  ['PutItem', { TableName: 'abc', Item: {}, ExpressionAttributeNames: [] }, { serialization: 'Unrecognized collection type java.util.Map<java.lang.String, java.lang.String>' }],
  ['PutItem', { TableName: 'abc', Item: { a: null } }, list(notNull('item.a.member'))],
  ['PutItem', { TableName: 'abc', Item: { a: { L: [{ S: 'x' }, null] } } }, list(notNull('item.a.member.l.2.member'))],
  // The AttributeValue schema checks member types, never "exactly one member": that is the operation's check.
  ['PutItem', { TableName: 'abc', Item: { a: {}, b: { S: 'x', N: '1' } } }, 'ok'],
  ['PutItem', { TableName: 'abc', Item: { a: { S: 'x' } }, ReturnValuesOnConditionCheckFailure: 'ALL_NEW' }, list("Value 'ALL_NEW' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]")],
  // GetItem
  ['GetItem', {}, list(notNull('tableName'), notNull('key'))],
  [
    'GetItem',
    { TableName: 'abc', Key: {}, AttributesToGet: [] },
    list("Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1"),
  ],
  ['GetItem', { TableName: 'abc', Key: {}, ConsistentRead: 23 }, { serialization: 'NUMBER_VALUE cannot be converted to Boolean' }],
  // DeleteItem
  [
    'DeleteItem',
    { TableName: 'abc', ReturnValues: 'hi' },
    list(
      "Value 'hi' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]",
      notNull('key'),
    ),
  ],
  // UpdateItem
  [
    'UpdateItem',
    { TableName: 'abc', Key: {}, AttributeUpdates: { a: { Action: 'X' } } },
    list("Value 'X' at 'attributeUpdates.a.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]"),
  ],
  ['UpdateItem', { TableName: 'abc', Key: {}, AttributeUpdates: { a: { Value: [] } } }, { serialization: 'Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue' }],
  ['UpdateItem', { TableName: 'abc', Key: { id: { S: 'a' } }, UpdateExpression: 'SET a = :a', ExpressionAttributeValues: { ':a': { N: '1' } } }, 'ok'],
  // TransactWriteItems
  ['TransactWriteItems', {}, list(notNull('transactItems'))],
  ['TransactWriteItems', { TransactItems: [] }, list("Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1")],
  [
    'TransactWriteItems',
    { TransactItems: [{ Update: { Key: {} } }, { Put: { TableName: 'a', Item: {} } }, null] },
    list(
      notNull('transactItems.1.member.update.updateExpression'),
      notNull('transactItems.1.member.update.tableName'),
      `Value 'a' at 'transactItems.2.member.put.tableName' failed to satisfy constraint: Member must have length greater than or equal to 3`,
      notNull('transactItems.3.member'),
    ),
  ],
  ['TransactWriteItems', { TransactItems: [{ Put: 5 }] }, { serialization: 'Unexpected field type' }],
  ['TransactWriteItems', { TransactItems: [5] }, { serialization: 'Unexpected value type in payload' }],
  ['TransactWriteItems', { TransactItems: [{ ConditionCheck: { TableName: 'abc', Key: {}, ConditionExpression: 'x' } }], ClientRequestToken: 'x'.repeat(37) }, list(`Value '${'x'.repeat(37)}' at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36`)],
  // Query, Scan
  ['Query', { TableName: 'abc', Limit: 0, KeyConditions: { a: {} } }, list("Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1", notNull('keyConditions.a.member.comparisonOperator'))],
  ['Query', { TableName: 'abc', ScanIndexForward: 'no' }, 'ok'],
  ['Scan', { TableName: 'abc', Segment: -1, TotalSegments: 0 }, list("Value '0' at 'totalSegments' failed to satisfy constraint: Member must have value greater than or equal to 1", "Value '-1' at 'segment' failed to satisfy constraint: Member must have value greater than or equal to 0")],
  // BatchGetItem, BatchWriteItem, TransactGetItems
  ['BatchGetItem', {}, list(notNull('requestItems'))],
  ['BatchGetItem', { RequestItems: { abc: { Keys: [5] } } }, { serialization: "class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to class java.lang.Class (sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and java.lang.Class are in module java.base of loader 'bootstrap')" }],
  [
    'BatchWriteItem',
    { RequestItems: { ab: [] } },
    list(
      `Value '{"ab":[]}' at 'requestItems' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 3, ${TABLE_PATTERN}]`,
      `Value '{"ab":[]}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]`,
    ),
  ],
  ['BatchWriteItem', { RequestItems: { abc: [{ PutRequest: {} }] } }, list(notNull('requestItems.abc.member.1.member.putRequest.item'))],
  ['TransactGetItems', { TransactItems: [{}] }, list(notNull('transactItems.1.member.get'))],
  // UpdateTable, UpdateTimeToLive, tags, limits
  ['UpdateTable', { TableName: 'abc', GlobalSecondaryIndexUpdates: [{ Delete: {} }] }, list(notNull('globalSecondaryIndexUpdates.1.member.delete.indexName'))],
  ['UpdateTimeToLive', { TableName: 'abc' }, list(notNull('timeToLiveSpecification'))],
  ['DescribeContinuousBackups', {}, { validation: "The parameter 'TableName' is required but was not present in the request" }],
  ['DescribeContinuousBackups', { TableName: 'abc' }, 'ok'],
  ['UpdateContinuousBackups', { TableName: 'abc' }, list(notNull('pointInTimeRecoverySpecification'))],
  ['UpdateContinuousBackups', { TableName: 'abc', PointInTimeRecoverySpecification: {} }, list(notNull('pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled'))],
  [
    'UpdateContinuousBackups',
    { TableName: 'abc', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 36 } },
    list(
      "Value '36' at 'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy constraint: Member must have value less than or equal to 35",
    ),
  ],
  ['UpdateContinuousBackups', { TableName: 'abc', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 7 } }, 'ok'],
  ['TagResource', { ResourceArn: 5 }, { serialization: 'NUMBER_VALUE cannot be converted to String' }],
  ['UntagResource', { ResourceArn: 'arn', TagKeys: 'a' }, { serialization: 'Unexpected field type' }],
  ['ListTagsOfResource', {}, 'ok'],
  ['DescribeLimits', { Anything: [1, 2] }, 'ok'],
  ['DescribeEndpoints', {}, 'ok'],
];

t.test('requests are refused with DynamoDB’s exact words', async (t) => {
  for (const [operation, body, expected] of CASES) {
    t.strictSame(outcome(operation, structuredClone(body)), expected, `${operation} ${JSON.stringify(body).slice(0, 120)}`);
  }
});

t.test('every operation with a schema is exercised above', async (t) => {
  const exercised = new Set(CASES.map(([operation]) => operation));
  t.same(schemaOperations().filter((operation) => !exercised.has(operation)), []);
});

t.test('the body is normalised as DynamoDB reads it', async (t) => {
  const body: Record<string, unknown> = {
    TableName: 'abc',
    Key: { id: { S: 'a', Junk: 1, N: null } },
    ConsistentRead: 'yes',
    ProjectionExpression: null,
    Unknown: true,
  };
  validateRequest('GetItem', body);
  t.same(body, { TableName: 'abc', Key: { id: { S: 'a' } }, ConsistentRead: true });
  const list: Record<string, unknown> = { Limit: 7.9 };
  validateRequest('ListTables', list);
  t.same(list, { Limit: 7 });
});

t.test('at most ten constraint failures are listed', async (t) => {
  const items = Array.from({ length: 12 }, () => ({ Put: {} }));
  const result = outcome('TransactWriteItems', { TransactItems: items });
  t.ok(typeof result === 'object' && 'validation' in result);
  const message = (result as { validation: string }).validation;
  t.match(message, /^10 validation errors detected: /);
  t.equal(message.split('; ').length, 10);
});

t.test('bodies nested deeper than the limit are refused before validation', async (t) => {
  let value: Record<string, unknown> = { S: 'x' };
  for (let depth = 0; depth < MAX_REQUEST_DEPTH; depth += 1) value = { L: [value] };
  t.strictSame(outcome('PutItem', { TableName: 'abc', Item: { a: value } }), { validation: 'Nesting Levels have exceeded supported limits' });
  // A document at DynamoDB's own limit (32 levels) passes the schema.
  let legal: Record<string, unknown> = { S: 'x' };
  for (let depth = 0; depth < 32; depth += 1) legal = { M: { a: legal } };
  t.equal(outcome('PutItem', { TableName: 'abc', Item: { a: legal } }), 'ok');
});

t.test('operations without a schema pass unchanged', async (t) => {
  const body = { Whatever: 1 };
  validateRequest('NoSuchOperation', body);
  t.same(body, { Whatever: 1 });
});
