/**
 * Type errors, member by member: for each (operation, member path, DynamoDB
 * type) the wrong JSON values and the SerializationException DynamoDB answers
 * for each. Paths are dotted; a "0" segment is a list element.
 */
import t from 'tap';
import { SerializationError, validateRequest } from '../../schemas/index.js';

const MODEL = 'com.amazonaws.dynamodb.v20120810';
const CAST =
  "class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to class java.lang.Class (sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and java.lang.Class are in module java.base of loader 'bootstrap')";
const START = 'Start of structure or map found where not expected';

/** The wrong values for a DynamoDB type and what DynamoDB says about each. */
function wrongValues(type: string): Array<[unknown, string]> {
  const [, kind = type, argument = ''] = /^(\w+)<(.+)>$/.exec(type) ?? [];
  switch (kind) {
    case 'String':
      return [[true, 'TRUE_VALUE cannot be converted to String'], [23, 'NUMBER_VALUE cannot be converted to String'], [34.56, 'DECIMAL_VALUE cannot be converted to String'], [[], 'Unrecognized collection type class java.lang.String'], [{}, START]];
    case 'Boolean':
      return [['23', 'Unexpected token received from parser'], [23, 'NUMBER_VALUE cannot be converted to Boolean'], [[], 'Unrecognized collection type class java.lang.Boolean'], [{}, START]];
    case 'Integer':
    case 'Long':
      return [['23', `STRING_VALUE cannot be converted to ${kind}`], [false, `FALSE_VALUE cannot be converted to ${kind}`], [[], `Unrecognized collection type class java.lang.${kind}`], [{}, START]];
    case 'Blob':
      return [[23, 'only base-64-encoded strings are convertible to bytes'], [[], 'Unrecognized collection type class java.nio.ByteBuffer'], [{}, START], ['23456', 'Base64 encoded length is expected a multiple of 4 bytes but found: 5'], ['=+/=', 'Invalid last non-pad Base64 character dectected']];
    case 'List':
      return [['23', 'Unexpected field type'], [23, 'Unexpected field type'], [{}, START]];
    case 'ParameterizedList':
      return [['23', CAST], [{}, START]];
    case 'Map':
      return [[true, 'Unexpected field type'], [[], `Unrecognized collection type java.util.Map<java.lang.String, ${argument.includes('.') ? argument : `${MODEL}.${argument}`}>`]];
    case 'ParameterizedMap':
      return [[23, CAST], [[], `Unrecognized collection type java.util.Map<java.lang.String, ${MODEL}.AttributeValue>`]];
    case 'Value':
      return [['23', 'Unexpected value type in payload'], [[], `Unrecognized collection type class ${MODEL}.${argument}`]];
    case 'Field':
      return [['23', 'Unexpected field type'], [[], `Unrecognized collection type class ${MODEL}.${argument}`]];
    default:
      throw new Error(`no wrong values for ${type}`);
  }
}

/** Builds {a: {b: [value]}} from "a.b.0" (as DynamoDB's own test requests are built). */
function bodyWith(path: string, value: unknown): Record<string, unknown> {
  const pieces = path.split('.');
  const root: Record<string, unknown> = {};
  let node: Record<string, unknown> | unknown[] = root;
  pieces.forEach((piece, index) => {
    const last = index === pieces.length - 1;
    const next: unknown = last ? value : pieces[index + 1] === '0' ? [] : {};
    if (Array.isArray(node)) node.push(next);
    else node[piece] = next;
    node = next as Record<string, unknown> | unknown[];
  });
  return root;
}

/** Every member kind of an AttributeValue, below `path`. */
function attributeValueMembers(path: string, outer: string): Array<[string, string]> {
  return [
    [path, outer],
    [`${path}.S`, 'String'],
    [`${path}.N`, 'String'],
    [`${path}.B`, 'Blob'],
    [`${path}.BOOL`, 'Boolean'],
    [`${path}.NULL`, 'Boolean'],
    [`${path}.SS`, 'List'],
    [`${path}.SS.0`, 'String'],
    [`${path}.NS.0`, 'String'],
    [`${path}.BS.0`, 'Blob'],
    [`${path}.L`, 'List'],
    [`${path}.L.0`, 'Value<AttributeValue>'],
    [`${path}.L.0.BS.0`, 'Blob'],
    [`${path}.M`, 'Map<AttributeValue>'],
    [`${path}.M.a`, 'Value<AttributeValue>'],
    [`${path}.M.a.L.0.SS.0`, 'String'],
  ];
}

const MEMBERS: Array<[string, string, string]> = [
  ['CreateTable', 'TableName', 'String'],
  ['CreateTable', 'AttributeDefinitions', 'List'],
  ['CreateTable', 'AttributeDefinitions.0', 'Value<AttributeDefinition>'],
  ['CreateTable', 'AttributeDefinitions.0.AttributeType', 'String'],
  ['CreateTable', 'KeySchema.0', 'Value<KeySchemaElement>'],
  ['CreateTable', 'ProvisionedThroughput', 'Field<ProvisionedThroughput>'],
  ['CreateTable', 'ProvisionedThroughput.ReadCapacityUnits', 'Long'],
  ['CreateTable', 'LocalSecondaryIndexes.0', 'Value<LocalSecondaryIndex>'],
  ['CreateTable', 'GlobalSecondaryIndexes.0', 'Value<GlobalSecondaryIndex>'],
  ['CreateTable', 'GlobalSecondaryIndexes.0.Projection', 'Field<Projection>'],
  ['CreateTable', 'GlobalSecondaryIndexes.0.Projection.NonKeyAttributes.0', 'String'],
  ['ListTables', 'Limit', 'Integer'],
  ['ListTables', 'ExclusiveStartTableName', 'String'],
  ['DescribeTable', 'TableName', 'String'],
  ['DeleteTable', 'TableName', 'String'],
  ['PutItem', 'Item', 'Map<AttributeValue>'],
  ...attributeValueMembers('Item.attr', 'Value<AttributeValue>').map(([path, type]): [string, string, string] => ['PutItem', path, type]),
  ['PutItem', 'Expected', 'Map<ExpectedAttributeValue>'],
  ['PutItem', 'Expected.a', 'Value<ExpectedAttributeValue>'],
  ['PutItem', 'Expected.a.Exists', 'Boolean'],
  ...attributeValueMembers('Expected.a.Value', 'Field<AttributeValue>').map(([path, type]): [string, string, string] => ['PutItem', path, type]),
  ['PutItem', 'ExpressionAttributeNames', 'Map<java.lang.String>'],
  ['PutItem', 'ExpressionAttributeNames.a', 'String'],
  ['PutItem', 'ReturnValues', 'String'],
  ['GetItem', 'Key', 'Map<AttributeValue>'],
  ['GetItem', 'AttributesToGet.0', 'String'],
  ['GetItem', 'ConsistentRead', 'Boolean'],
  ['DeleteItem', 'Key.a', 'Value<AttributeValue>'],
  ['UpdateItem', 'AttributeUpdates.a', 'Value<AttributeValueUpdate>'],
  ['UpdateItem', 'AttributeUpdates.a.Value', 'Field<AttributeValue>'],
  ['UpdateItem', 'UpdateExpression', 'String'],
  ['TransactWriteItems', 'TransactItems', 'List'],
  ['TransactWriteItems', 'TransactItems.0', 'Value<TransactWriteItem>'],
  ['TransactWriteItems', 'TransactItems.0.Put', 'Field<Put>'],
  ['TransactWriteItems', 'TransactItems.0.Update.Key.a.M', 'Map<AttributeValue>'],
  ['TransactWriteItems', 'TransactItems.0.ConditionCheck.ConditionExpression', 'String'],
  ['TransactWriteItems', 'ClientRequestToken', 'String'],
  ['Query', 'KeyConditions.a', 'Value<Condition>'],
  ['Query', 'KeyConditions.a.AttributeValueList.0', 'Value<AttributeValue>'],
  ['Query', 'ScanIndexForward', 'Boolean'],
  ['Scan', 'Segment', 'Integer'],
  ['BatchGetItem', 'RequestItems', 'Map<KeysAndAttributes>'],
  ['BatchGetItem', 'RequestItems.abc.Keys.0', 'ParameterizedMap'],
  ['BatchWriteItem', 'RequestItems', 'Map<java.util.List<com.amazonaws.dynamodb.v20120810.WriteRequest>>'],
  ['BatchWriteItem', 'RequestItems.abc', 'ParameterizedList'],
  ['BatchWriteItem', 'RequestItems.abc.0.DeleteRequest', 'Field<DeleteRequest>'],
  ['TransactGetItems', 'TransactItems.0.Get', 'Field<Get>'],
  ['UpdateTable', 'GlobalSecondaryIndexUpdates.0.Update', 'Field<UpdateGlobalSecondaryIndexAction>'],
  ['UpdateTimeToLive', 'TimeToLiveSpecification.Enabled', 'Boolean'],
  ['UpdateContinuousBackups', 'PointInTimeRecoverySpecification', 'Field<PointInTimeRecoverySpecification>'],
  ['UpdateContinuousBackups', 'PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled', 'Boolean'],
  ['UpdateContinuousBackups', 'PointInTimeRecoverySpecification.RecoveryPeriodInDays', 'Integer'],
  ['TagResource', 'Tags.0', 'Value<Tag>'],
  ['UntagResource', 'TagKeys.0', 'String'],
];

t.test('each member of the wrong JSON type is the SerializationException DynamoDB answers', async (t) => {
  let checked = 0;
  for (const [operation, path, type] of MEMBERS) {
    for (const [value, message] of wrongValues(type)) {
      const body = bodyWith(path, value);
      let caught: unknown;
      try {
        validateRequest(operation, body);
      } catch (error) {
        caught = error;
      }
      const label = `${operation} ${JSON.stringify(body)}`;
      t.ok(caught instanceof SerializationError, label);
      t.equal((caught as Error | undefined)?.message, message, label);
      checked += 1;
    }
  }
  t.ok(checked > 200, `${checked} cases`);
});
