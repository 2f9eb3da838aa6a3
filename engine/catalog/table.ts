/**
 * A table's definition as the catalog stores it, and its DynamoDB description.
 */
import type { AttributeDefinition, KeySchemaElement, ScalarAttributeType } from '../types.js';

export type BillingMode = 'PROVISIONED' | 'PAY_PER_REQUEST';
export type TableStatus = 'CREATING' | 'ACTIVE' | 'DELETING';

export interface KeyAttribute {
  name: string;
  type: ScalarAttributeType;
}

export interface TableDefinition {
  /** Unique per table incarnation; never reused, so a recreated table sees no old data. */
  tableId: number;
  /** The public TableId (a UUID), as DescribeTable reports it. */
  tableUuid: string;
  name: string;
  keySchema: KeySchemaElement[];
  attributeDefinitions: AttributeDefinition[];
  billingMode: BillingMode;
  readCapacityUnits: number;
  writeCapacityUnits: number;
  /** Seconds since the epoch, with millisecond fraction (DynamoDB's CreationDateTime). */
  createdAtSec: number;
  deletionProtection: boolean;
  /** Time to live: items whose `attributeName` is an epoch-seconds number in the past expire. */
  timeToLive?: { attributeName: string; enabled: boolean };
  /** Resource tags, in the order they were first added. */
  tags?: Array<{ Key: string; Value: string }>;
  /** When the provisioned throughput last went up or down, in epoch seconds. */
  lastIncreaseSec?: number;
  lastDecreaseSec?: number;
}

export function hashKeyOf(table: TableDefinition): KeyAttribute {
  return keyAttribute(table, 'HASH') as KeyAttribute;
}

export function rangeKeyOf(table: TableDefinition): KeyAttribute | undefined {
  return keyAttribute(table, 'RANGE');
}

function keyAttribute(table: TableDefinition, keyType: 'HASH' | 'RANGE'): KeyAttribute | undefined {
  const element = table.keySchema.find((k) => k.KeyType === keyType);
  if (element === undefined) return undefined;
  const definition = table.attributeDefinitions.find((d) => d.AttributeName === element.AttributeName);
  if (definition === undefined) return undefined;
  return { name: element.AttributeName, type: definition.AttributeType };
}

export interface DescribeOptions {
  status: TableStatus;
  region: string;
  accountId: string;
  itemCount: number;
  sizeBytes: number;
}

export function tableArn(name: string, region: string, accountId: string): string {
  return `arn:aws:dynamodb:${region}:${accountId}:table/${name}`;
}

/** The TableDescription structure of CreateTable/DescribeTable/DeleteTable. */
export function describeTable(table: TableDefinition, options: DescribeOptions): Record<string, unknown> {
  const description: Record<string, unknown> = {
    AttributeDefinitions: table.attributeDefinitions,
    TableName: table.name,
    KeySchema: table.keySchema,
    TableStatus: options.status,
    CreationDateTime: table.createdAtSec,
    ProvisionedThroughput: {
      ...(table.lastIncreaseSec !== undefined ? { LastIncreaseDateTime: table.lastIncreaseSec } : {}),
      ...(table.lastDecreaseSec !== undefined ? { LastDecreaseDateTime: table.lastDecreaseSec } : {}),
      NumberOfDecreasesToday: 0,
      ReadCapacityUnits: table.readCapacityUnits,
      WriteCapacityUnits: table.writeCapacityUnits,
    },
    TableSizeBytes: options.sizeBytes,
    ItemCount: options.itemCount,
    TableArn: tableArn(table.name, options.region, options.accountId),
    TableId: table.tableUuid,
    DeletionProtectionEnabled: table.deletionProtection,
  };
  if (table.billingMode === 'PAY_PER_REQUEST') {
    description.BillingModeSummary = {
      BillingMode: 'PAY_PER_REQUEST',
      LastUpdateToPayPerRequestDateTime: table.createdAtSec,
    };
  }
  return description;
}
