/**
 * CreateTable: validates the key schema against the attribute definitions
 * with DynamoDB's messages, then records the table in the catalog.
 */
import { randomUUID } from 'node:crypto';
import { ValidationError } from '../../engine/errors.js';
import { describeTable, streamLabel, type BillingMode, type IndexDefinition, type ProjectionType } from '../../engine/catalog/table.js';
import type { AttributeDefinition, KeySchemaElement } from '../../engine/types.js';
import type { OperationHandler } from './registry.js';
import type { OperationDeps } from './deps.js';
import { MAX_TAGS_PER_RESOURCE } from './tags.js';
import { createStreamViewType, type StreamSpecificationRequest } from './shared/stream-specification.js';
import { requestedSse, type SseSpecificationRequest } from './shared/sse-specification.js';

interface Throughput {
  ReadCapacityUnits: number;
  WriteCapacityUnits: number;
}

export interface IndexRequest {
  IndexName: string;
  KeySchema: KeySchemaElement[];
  Projection: { ProjectionType?: ProjectionType; NonKeyAttributes?: string[] };
  ProvisionedThroughput?: Throughput;
}

interface CreateTableRequest {
  TableName: string;
  AttributeDefinitions: AttributeDefinition[];
  KeySchema: KeySchemaElement[];
  BillingMode?: BillingMode;
  ProvisionedThroughput?: Throughput;
  LocalSecondaryIndexes?: IndexRequest[];
  GlobalSecondaryIndexes?: IndexRequest[];
  DeletionProtectionEnabled?: boolean;
  Tags?: Array<{ Key: string; Value: string }>;
  StreamSpecification?: StreamSpecificationRequest;
  SSESpecification?: SseSpecificationRequest;
}

/** CreateTable's Tags, merged by key as TagResource merges them, within the same limit. */
function tagsOf(request: CreateTableRequest): Array<{ Key: string; Value: string }> {
  const merged = new Map((request.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
  if (merged.size > MAX_TAGS_PER_RESOURCE) {
    throw new ValidationError(`The number of tags exceeds the limit of ${MAX_TAGS_PER_RESOURCE}`);
  }
  return [...merged].map(([Key, Value]) => ({ Key, Value }));
}

/** DynamoDB's per-table limits on secondary indexes. */
export const MAX_LOCAL_INDEXES = 5;
export const MAX_GLOBAL_INDEXES = 20;

/** DynamoDB's upper bound for provisioned capacity units. */
const MAX_CAPACITY_UNITS = 1_000_000_000_000;
const INVALID = 'One or more parameter values were invalid: ';

export function createTable(deps: OperationDeps): OperationHandler {
  return async (raw) => {
    const request = raw as unknown as CreateTableRequest;
    const throughput = validateBilling(request);
    validateKeySchema(request);
    const indexes = validateIndexes(request, throughput);
    const tags = tagsOf(request);
    const streamViewType = createStreamViewType(request.StreamSpecification);
    const sse = request.SSESpecification === undefined ? undefined : requestedSse(request.SSESpecification);
    const table = await deps.engine.catalog.create({
      tableUuid: randomUUID(),
      name: request.TableName,
      keySchema: request.KeySchema.map((k) => ({ AttributeName: k.AttributeName, KeyType: k.KeyType })),
      attributeDefinitions: request.AttributeDefinitions.map((d) => ({
        AttributeName: d.AttributeName,
        AttributeType: d.AttributeType,
      })),
      billingMode: request.BillingMode ?? 'PROVISIONED',
      readCapacityUnits: throughput.read,
      writeCapacityUnits: throughput.write,
      createdAtSec: Date.now() / 1000,
      deletionProtection: request.DeletionProtectionEnabled ?? false,
      ...(indexes.length > 0 ? { indexes } : {}),
      ...(tags.length > 0 ? { tags } : {}),
      ...(streamViewType !== undefined ? { streamViewType, latestStreamLabel: streamLabel() } : {}),
      ...(sse !== undefined ? { sse } : {}),
    });
    return {
      TableDescription: describeTable(table, {
        status: 'CREATING',
        region: deps.region,
        accountId: deps.accountId,
        itemCount: 0,
        sizeBytes: 0,
      }),
    };
  };
}

function validateBilling(request: CreateTableRequest): { read: number; write: number } {
  const throughput = request.ProvisionedThroughput;
  if (request.BillingMode === 'PAY_PER_REQUEST') {
    if (throughput !== undefined) {
      throw new ValidationError(
        `${INVALID}Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST`,
      );
    }
    return { read: 0, write: 0 };
  }
  if (throughput === undefined || !throughput.ReadCapacityUnits || !throughput.WriteCapacityUnits) {
    throw new ValidationError(
      `${INVALID}ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED`,
    );
  }
  for (const [name, value] of [
    ['ReadCapacityUnits', throughput.ReadCapacityUnits],
    ['WriteCapacityUnits', throughput.WriteCapacityUnits],
  ] as const) {
    if (value > MAX_CAPACITY_UNITS) throw new ValidationError(`Given value ${value} for ${name} is out of bounds`);
  }
  return { read: throughput.ReadCapacityUnits, write: throughput.WriteCapacityUnits };
}

function validateKeySchema(request: CreateTableRequest): void {
  const definitions = request.AttributeDefinitions.map((d) => d.AttributeName);
  const keys = request.KeySchema.map((k) => k.AttributeName);
  if (keys.length > definitions.length) {
    throw new ValidationError('Invalid KeySchema: Some index key attribute have no definition');
  }
  checkKeySchema(request.KeySchema, definitions);
  if (request.LocalSecondaryIndexes === undefined && request.GlobalSecondaryIndexes === undefined && keys.length !== definitions.length) {
    throw new ValidationError(
      `${INVALID}Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions`,
    );
  }
}

/** The checks DynamoDB makes on LocalSecondaryIndexes and GlobalSecondaryIndexes, in its order. */
function validateIndexes(request: CreateTableRequest, throughput: { read: number; write: number }): IndexDefinition[] {
  const definitions = request.AttributeDefinitions.map((d) => d.AttributeName);
  const names = new Set<string>();
  const indexes: IndexDefinition[] = [];
  const tableHash = request.KeySchema[0]!.AttributeName;
  const locals = request.LocalSecondaryIndexes;
  if (locals !== undefined) {
    if (locals.length === 0) throw new ValidationError(`${INVALID}List of LocalSecondaryIndexes is empty`);
    if (request.KeySchema.length !== 2) {
      throw new ValidationError(
        `${INVALID}Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex`,
      );
    }
    for (const index of locals) {
      checkKeySchema(index.KeySchema, definitions);
      if (index.KeySchema.length !== 2) {
        throw new ValidationError(`${INVALID}Index KeySchema does not have a range key for index: ${index.IndexName}`);
      }
      const indexHash = index.KeySchema[0]!.AttributeName;
      if (indexHash !== tableHash) {
        throw new ValidationError(
          `${INVALID}Index KeySchema does not have the same leading hash key as table KeySchema for index: ${index.IndexName}. index hash key: ${indexHash}, table hash key: ${tableHash}`,
        );
      }
      checkProjection(index, names);
      indexes.push(indexDefinition(index, 'local', throughput));
    }
    if (locals.length > MAX_LOCAL_INDEXES) {
      throw new ValidationError(`${INVALID}Number of LocalSecondaryIndexes exceeds per-table limit of ${MAX_LOCAL_INDEXES}`);
    }
  }
  const globals = request.GlobalSecondaryIndexes;
  if (globals !== undefined) {
    if (globals.length === 0) throw new ValidationError(`${INVALID}List of GlobalSecondaryIndexes is empty`);
    for (const index of globals) {
      checkKeySchema(index.KeySchema, definitions);
      if (request.BillingMode === 'PAY_PER_REQUEST' && index.ProvisionedThroughput !== undefined) {
        throw new ValidationError(
          `${INVALID}ProvisionedThroughput should not be specified for index: ${index.IndexName} when BillingMode is PAY_PER_REQUEST`,
        );
      }
      checkProjection(index, names);
      const own = index.ProvisionedThroughput;
      indexes.push(indexDefinition(index, 'global', own === undefined ? throughput : { read: own.ReadCapacityUnits, write: own.WriteCapacityUnits }));
    }
    if (globals.length > MAX_GLOBAL_INDEXES) {
      throw new ValidationError(`${INVALID}GlobalSecondaryIndex count exceeds the per-table limit of ${MAX_GLOBAL_INDEXES}`);
    }
  }
  if (indexes.length > 0) {
    const used = new Set([...request.KeySchema, ...indexes.flatMap((index) => index.keySchema)].map((k) => k.AttributeName));
    if (definitions.some((name) => !used.has(name))) {
      throw new ValidationError(
        `${INVALID}Some AttributeDefinitions are not used. AttributeDefinitions: [${definitions.join(', ')}], keys used: [${[...used].join(', ')}]`,
      );
    }
  }
  return indexes;
}

/** Every key attribute of a table or index must have an attribute definition. */
export function checkKeysDefined(keySchema: readonly KeySchemaElement[], definitions: readonly string[]): void {
  const keys = keySchema.map((k) => k.AttributeName);
  if (keys.some((key) => !definitions.includes(key))) {
    throw new ValidationError(
      `${INVALID}Some index key attributes are not defined in AttributeDefinitions. Keys: [${keys.join(', ')}], AttributeDefinitions: [${definitions.join(', ')}]`,
    );
  }
}

/** The checks a table's and an index's key schema share: defined, distinct, HASH then RANGE. */
function checkKeySchema(keySchema: readonly KeySchemaElement[], definitions: readonly string[]): void {
  checkKeysDefined(keySchema, definitions);
  if (keySchema.length === 2 && keySchema[0]!.AttributeName === keySchema[1]!.AttributeName) {
    throw new ValidationError('Both the Hash Key and the Range Key element in the KeySchema have the same name');
  }
  if (keySchema[0]?.KeyType !== 'HASH') {
    throw new ValidationError('Invalid KeySchema: The first KeySchemaElement is not a HASH key type');
  }
  if (keySchema[1] !== undefined && keySchema[1].KeyType !== 'RANGE') {
    throw new ValidationError('Invalid KeySchema: The second KeySchemaElement is not a RANGE key type');
  }
}

function checkProjection(index: IndexRequest, names: Set<string>): void {
  const type = index.Projection.ProjectionType;
  if (type === undefined) throw new ValidationError(`${INVALID}Unknown ProjectionType: null`);
  if (index.Projection.NonKeyAttributes !== undefined && type !== 'INCLUDE') {
    throw new ValidationError(`${INVALID}ProjectionType is ${type}, but NonKeyAttributes is specified`);
  }
  if (names.has(index.IndexName)) throw new ValidationError(`${INVALID}Duplicate index name: ${index.IndexName}`);
  names.add(index.IndexName);
}

export function indexDefinition(
  index: IndexRequest,
  kind: 'local' | 'global',
  throughput: { read: number; write: number },
): IndexDefinition {
  const projection: IndexDefinition['projection'] = { ProjectionType: index.Projection.ProjectionType ?? 'ALL' };
  if (index.Projection.NonKeyAttributes !== undefined) projection.NonKeyAttributes = index.Projection.NonKeyAttributes;
  return {
    indexId: 0,
    name: index.IndexName,
    kind,
    keySchema: index.KeySchema.map((k) => ({ AttributeName: k.AttributeName, KeyType: k.KeyType })),
    projection,
    status: 'ACTIVE',
    readCapacityUnits: kind === 'global' ? throughput.read : 0,
    writeCapacityUnits: kind === 'global' ? throughput.write : 0,
  };
}
