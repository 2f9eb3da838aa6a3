/**
 * A table whose items (`id`) are grouped by a global secondary index
 * (`grp`, ordered by `n`), for the cluster tests that read items back
 * through a GSI Query.
 */
import { CreateTableCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

export const GROUP_INDEX = 'by-group';

export async function createGroupedTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [
        { AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: 'grp', AttributeType: 'S' },
        { AttributeName: 'n', AttributeType: 'N' },
      ],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: GROUP_INDEX,
          KeySchema: [
            { AttributeName: 'grp', KeyType: 'HASH' },
            { AttributeName: 'n', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

/** Every item of group `grp`, through the GSI (all pages), each shown by `show` (its id by default), sorted. */
export async function queryGroup(
  client: DynamoDBClient,
  table: string,
  grp: string,
  show: (item: Record<string, AttributeValue>) => string = (item) => item['id']!.S!,
): Promise<string[]> {
  const found: string[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: table,
        IndexName: GROUP_INDEX,
        KeyConditionExpression: 'grp = :g',
        ExpressionAttributeValues: { ':g': { S: grp } },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) found.push(show(item));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return found.sort();
}
