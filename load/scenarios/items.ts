/**
 * The bench table and the items the scenarios write: one string hash key
 * `pk` and a payload that makes every item about ITEM_TARGET_BYTES.
 */
export const TABLE_NAME = 'load_bench';
/** The issue asks for ~200 B items. */
export const ITEM_TARGET_BYTES = 200;

export type AttributeValue = { S: string } | { N: string };
export type Item = Record<string, AttributeValue>;

const PAYLOAD = 'x'.repeat(ITEM_TARGET_BYTES);

/** An item of about ITEM_TARGET_BYTES (DynamoDB counts names plus values). */
export function itemOf(pk: string): Item {
  const payloadBytes = Math.max(1, ITEM_TARGET_BYTES - pk.length - 'pk'.length - 'payload'.length - 'n'.length - 8);
  return { pk: { S: pk }, n: { N: '1' }, payload: { S: PAYLOAD.slice(0, payloadBytes) } };
}

export function createTableBody(): string {
  return JSON.stringify({
    TableName: TABLE_NAME,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
}

export function putBody(pk: string): string {
  return JSON.stringify({ TableName: TABLE_NAME, Item: itemOf(pk) });
}

export function getBody(pk: string): string {
  return JSON.stringify({ TableName: TABLE_NAME, Key: { pk: { S: pk } }, ConsistentRead: true });
}

/** Two Puts on two different partitions in one TransactWriteItems. */
export function txnBody(pkA: string, pkB: string): string {
  return JSON.stringify({
    TransactItems: [{ Put: { TableName: TABLE_NAME, Item: itemOf(pkA) } }, { Put: { TableName: TABLE_NAME, Item: itemOf(pkB) } }],
  });
}

export function queryBody(pk: string): string {
  return JSON.stringify({
    TableName: TABLE_NAME,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': { S: pk } },
  });
}

/** The key of the i-th preloaded item (get, mixed and query read these). */
export function preloadKey(i: number): string {
  return `pre-${i}`;
}
