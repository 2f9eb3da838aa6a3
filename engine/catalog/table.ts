/**
 * A table's definition as the catalog stores it, and its DynamoDB description.
 */
import { createHash } from 'node:crypto';
import type { AttributeDefinition, KeySchemaElement, ScalarAttributeType } from '../types.js';

export type BillingMode = 'PROVISIONED' | 'PAY_PER_REQUEST';
export type TableStatus = 'CREATING' | 'ACTIVE' | 'DELETING';

export interface KeyAttribute {
  name: string;
  type: ScalarAttributeType;
}

export type ProjectionType = 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
export type StreamViewType = 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY';
export type IndexStatus = 'CREATING' | 'ACTIVE' | 'DELETING';

/** A secondary index: its own keyspace id, maintained with every write of the table. */
export interface IndexDefinition {
  /** Unique like a table id (same counter), so the index is its own span of the keyspace. */
  indexId: number;
  name: string;
  kind: 'global' | 'local';
  keySchema: KeySchemaElement[];
  projection: { ProjectionType: ProjectionType; NonKeyAttributes?: string[] };
  /** Global indexes are CREATING while an UpdateTable backfill runs. */
  status: IndexStatus;
  readCapacityUnits: number;
  writeCapacityUnits: number;
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
  /** Secondary indexes, local and global. */
  indexes?: IndexDefinition[];
  /** Resource tags, in the order they were first added. */
  tags?: Array<{ Key: string; Value: string }>;
  /** When the provisioned throughput last went up or down, in epoch seconds. */
  lastIncreaseSec?: number;
  lastDecreaseSec?: number;
  /**
   * When PAY_PER_REQUEST was last set (at creation or by UpdateTable), in epoch seconds.
   * Once a table has been on demand, DynamoDB keeps reporting a BillingModeSummary,
   * also after it is switched back to PROVISIONED.
   */
  lastPayPerRequestSec?: number;
  /**
   * The view type of the table's enabled stream; absent while no stream is enabled.
   * (Only the setting: DynamoDB Streams itself is not implemented.)
   */
  streamViewType?: StreamViewType;
  /**
   * The label of the table's latest stream (its creation time, see streamLabel). DynamoDB
   * keeps reporting the latest stream's label and ARN after the stream is disabled.
   */
  latestStreamLabel?: string;
  /**
   * Server-side encryption with a KMS key, as SSESpecification set it (Enabled true, SSEType KMS,
   * KMSMasterKeyId if given: else the account's AWS managed key). Absent for DynamoDB's default
   * encryption with an AWS owned key, which DescribeTable does not report. (Only described: the
   * data is stored as it always is.)
   */
  sse?: { enabled: true; sseType: 'KMS'; kmsMasterKeyId?: string };
  /**
   * Point-in-time recovery, as UpdateContinuousBackups set it: since when (epoch seconds) and
   * for how many days. Absent while disabled. (Only described: restoring is not implemented.)
   */
  pointInTimeRecovery?: { enabledAtSec: number; recoveryPeriodInDays: number };
}

export function hashKeyOf(table: TableDefinition, index?: IndexDefinition): KeyAttribute {
  return keyAttribute(table, index?.keySchema ?? table.keySchema, 'HASH') as KeyAttribute;
}

export function rangeKeyOf(table: TableDefinition, index?: IndexDefinition): KeyAttribute | undefined {
  return keyAttribute(table, index?.keySchema ?? table.keySchema, 'RANGE');
}

export function indexOf(table: TableDefinition, name: string): IndexDefinition | undefined {
  return table.indexes?.find((index) => index.name === name);
}

function keyAttribute(table: TableDefinition, keySchema: KeySchemaElement[], keyType: 'HASH' | 'RANGE'): KeyAttribute | undefined {
  const element = keySchema.find((k) => k.KeyType === keyType);
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

/**
 * The KMSMasterKeyArn DynamoDB reports for a KMSMasterKeyId: an ARN as given, a key id or an
 * alias as an ARN of this region and account (DynamoDB resolves an alias to its key's ARN; we
 * have no KMS to ask), none given as the AWS managed key (alias/aws/dynamodb), whose id we derive
 * from the region and account so it is the same for every table, as DynamoDB's is.
 */
export function kmsMasterKeyArn(keyId: string | undefined, region: string, accountId: string): string {
  const prefix = `arn:aws:kms:${region}:${accountId}:`;
  if (keyId === undefined) {
    const hex = createHash('sha256').update(`${prefix}alias/aws/dynamodb`).digest('hex');
    return `${prefix}key/${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  }
  if (keyId.startsWith('arn:')) return keyId;
  if (keyId.startsWith('alias/')) return `${prefix}${keyId}`;
  return `${prefix}key/${keyId}`;
}

/** A stream's label as DynamoDB writes it: its creation time in ISO-8601, UTC, without the zone ("2026-12-04T18:20:37.123"). */
export function streamLabel(nowMs: number = Date.now()): string {
  return new Date(nowMs).toISOString().slice(0, -1);
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
  const arn = tableArn(table.name, options.region, options.accountId);
  if (table.streamViewType !== undefined) {
    description.StreamSpecification = { StreamEnabled: true, StreamViewType: table.streamViewType };
  }
  if (table.latestStreamLabel !== undefined) {
    description.LatestStreamLabel = table.latestStreamLabel;
    description.LatestStreamArn = `${arn}/stream/${table.latestStreamLabel}`;
  }
  if (table.sse !== undefined) {
    description.SSEDescription = {
      Status: 'ENABLED',
      SSEType: table.sse.sseType,
      KMSMasterKeyArn: kmsMasterKeyArn(table.sse.kmsMasterKeyId, options.region, options.accountId),
    };
  }
  const describeIndex = (index: IndexDefinition): Record<string, unknown> => ({
    IndexName: index.name,
    KeySchema: index.keySchema,
    Projection: index.projection,
    IndexSizeBytes: 0,
    ItemCount: 0,
    IndexArn: `${arn}/index/${index.name}`,
    ...(index.kind === 'global'
      ? {
          IndexStatus: index.status,
          ...(index.status === 'CREATING' ? { Backfilling: true } : {}),
          ProvisionedThroughput: {
            NumberOfDecreasesToday: 0,
            ReadCapacityUnits: index.readCapacityUnits,
            WriteCapacityUnits: index.writeCapacityUnits,
          },
        }
      : {}),
  });
  const locals = (table.indexes ?? []).filter((index) => index.kind === 'local');
  const globals = (table.indexes ?? []).filter((index) => index.kind === 'global');
  if (locals.length > 0) description.LocalSecondaryIndexes = locals.map(describeIndex);
  if (globals.length > 0) description.GlobalSecondaryIndexes = globals.map(describeIndex);
  if (table.billingMode === 'PAY_PER_REQUEST' || table.lastPayPerRequestSec !== undefined) {
    description.BillingModeSummary = {
      BillingMode: table.billingMode,
      LastUpdateToPayPerRequestDateTime: table.lastPayPerRequestSec ?? table.createdAtSec,
    };
  }
  return description;
}
