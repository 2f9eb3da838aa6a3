/**
 * UpdateTable: billing mode, provisioned throughput and deletion protection.
 * (Adding and removing global secondary indexes arrives with the indexes.)
 */
import { LimitExceededError, ResourceNotFoundError, ValidationError } from '../../engine/errors.js';
import { describeTable, kmsMasterKeyArn, streamLabel, type BillingMode, type TableDefinition } from '../../engine/catalog/table.js';
import type { AttributeDefinition } from '../../engine/types.js';
import { checkKeysDefined, indexDefinition, type IndexRequest } from './create-table.js';
import type { OperationHandler } from './registry.js';
import type { OperationDeps } from './deps.js';
import { checkUpdateStreamSpecification, type StreamSpecificationRequest } from './shared/stream-specification.js';
import { requestedSse, type SseSpecificationRequest } from './shared/sse-specification.js';

interface Throughput {
  ReadCapacityUnits: number;
  WriteCapacityUnits: number;
}

interface GlobalSecondaryIndexUpdate {
  Create?: IndexRequest;
  Delete?: { IndexName: string };
  Update?: { IndexName: string; ProvisionedThroughput?: Throughput };
}

interface UpdateTableRequest {
  TableName: string;
  BillingMode?: BillingMode;
  ProvisionedThroughput?: Throughput;
  DeletionProtectionEnabled?: boolean;
  GlobalSecondaryIndexUpdates?: GlobalSecondaryIndexUpdate[];
  AttributeDefinitions?: AttributeDefinition[];
  StreamSpecification?: StreamSpecificationRequest;
  SSESpecification?: SseSpecificationRequest;
}

const INVALID = 'One or more parameter values were invalid: ';

export function updateTable(deps: OperationDeps): OperationHandler {
  return async (raw) => {
    const request = raw as unknown as UpdateTableRequest;
    const existing = deps.engine.catalog.require(request.TableName, `Requested resource not found: Table: ${request.TableName} not found`);
    if (request.SSESpecification !== undefined) return updateSse(deps, request, request.SSESpecification);
    const billing = request.BillingMode ?? existing.billingMode;
    const throughput = request.ProvisionedThroughput;
    if (billing === 'PAY_PER_REQUEST' && throughput !== undefined) {
      throw new ValidationError(
        `${INVALID}Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST`,
      );
    }
    if (request.BillingMode === 'PROVISIONED' && existing.billingMode === 'PAY_PER_REQUEST' && throughput === undefined) {
      throw new ValidationError(`${INVALID}ProvisionedThroughput must be specified when BillingMode is PROVISIONED`);
    }
    if (
      request.BillingMode === undefined &&
      throughput === undefined &&
      request.DeletionProtectionEnabled === undefined &&
      request.StreamSpecification === undefined &&
      request.SSESpecification === undefined &&
      (request.GlobalSecondaryIndexUpdates === undefined || request.GlobalSecondaryIndexUpdates.length === 0)
    ) {
      throw new ValidationError(
        'At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required',
      );
    }
    const stream = request.StreamSpecification;
    if (stream !== undefined) {
      checkUpdateStreamSpecification(stream);
      const indexUpdates = request.GlobalSecondaryIndexUpdates ?? [];
      if (indexUpdates.some((u) => u.Create !== undefined || u.Delete !== undefined)) {
        throw new ValidationError(`${INVALID}You cannot create or delete index while changing stream status`);
      }
      if (throughput !== undefined || request.BillingMode === 'PROVISIONED' || indexUpdates.length > 0) {
        throw new ValidationError(`${INVALID}You cannot modify stream status while updating table IOPS`);
      }
    }
    if (request.GlobalSecondaryIndexUpdates !== undefined && request.GlobalSecondaryIndexUpdates.length > 0) {
      return updateGlobalIndexes(deps, request, existing);
    }
    if (
      throughput !== undefined &&
      existing.billingMode === 'PROVISIONED' &&
      throughput.ReadCapacityUnits === existing.readCapacityUnits &&
      throughput.WriteCapacityUnits === existing.writeCapacityUnits &&
      request.BillingMode === undefined
    ) {
      throw new ValidationError(
        `The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: ${existing.readCapacityUnits}. Requested ReadCapacityUnits: ${throughput.ReadCapacityUnits}. Current WriteCapacityUnits provisioned for the table: ${existing.writeCapacityUnits}. Requested WriteCapacityUnits: ${throughput.WriteCapacityUnits}. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.`,
      );
    }
    const nowSec = Date.now() / 1000;
    const table = await deps.engine.catalog.update(request.TableName, (current) => {
      const next = { ...current, billingMode: billing };
      if (current.billingMode === 'PAY_PER_REQUEST' && current.lastPayPerRequestSec === undefined) {
        next.lastPayPerRequestSec = current.createdAtSec;
      }
      if (billing === 'PAY_PER_REQUEST') {
        next.readCapacityUnits = 0;
        next.writeCapacityUnits = 0;
        if (current.billingMode !== 'PAY_PER_REQUEST') next.lastPayPerRequestSec = nowSec;
      } else if (throughput !== undefined) {
        const up = throughput.ReadCapacityUnits > current.readCapacityUnits || throughput.WriteCapacityUnits > current.writeCapacityUnits;
        const down = throughput.ReadCapacityUnits < current.readCapacityUnits || throughput.WriteCapacityUnits < current.writeCapacityUnits;
        next.readCapacityUnits = throughput.ReadCapacityUnits;
        next.writeCapacityUnits = throughput.WriteCapacityUnits;
        if (up) next.lastIncreaseSec = nowSec;
        if (down) next.lastDecreaseSec = nowSec;
      }
      if (request.DeletionProtectionEnabled !== undefined) next.deletionProtection = request.DeletionProtectionEnabled;
      if (stream !== undefined) {
        if (stream.StreamEnabled) {
          if (current.streamViewType !== undefined) throw new ValidationError(`Table already has an enabled stream: TableName: ${current.name}`);
          next.streamViewType = stream.StreamViewType!;
          next.latestStreamLabel = streamLabel();
        } else {
          if (current.streamViewType === undefined) throw new ValidationError(`Table has no stream to disable: TableName: ${current.name}`);
          delete next.streamViewType;
        }
      }
      return next;
    });
    return {
      TableDescription: describeTable(table, {
        status: 'ACTIVE',
        region: deps.region,
        accountId: deps.accountId,
        itemCount: 0,
        sizeBytes: 0,
      }),
    };
  };
}

/**
 * SSESpecification: switches between DynamoDB's default encryption and a KMS
 * key, alone in its request as DynamoDB wants it.
 */
async function updateSse(deps: OperationDeps, request: UpdateTableRequest, spec: SseSpecificationRequest): Promise<Record<string, unknown>> {
  if (
    request.BillingMode !== undefined ||
    request.ProvisionedThroughput !== undefined ||
    request.DeletionProtectionEnabled !== undefined ||
    request.StreamSpecification !== undefined ||
    (request.GlobalSecondaryIndexUpdates !== undefined && request.GlobalSecondaryIndexUpdates.length > 0)
  ) {
    throw new ValidationError(`${INVALID}Server-Side Encryption modification must be the only operation in the request`);
  }
  const sse = requestedSse(spec);
  const table = await deps.engine.catalog.update(request.TableName, (current) => {
    if (sse === undefined) {
      if (current.sse === undefined) throw new ValidationError(`${INVALID}Table is already encrypted by default`);
      const next = { ...current };
      delete next.sse;
      return next;
    }
    const arn = (keyId: string | undefined) => kmsMasterKeyArn(keyId, deps.region, deps.accountId);
    if (current.sse !== undefined && sse.kmsMasterKeyId?.startsWith('arn:') === true && sse.kmsMasterKeyId === arn(current.sse.kmsMasterKeyId)) {
      throw new ValidationError(
        `${INVALID}Table is already encrypted with given KMSMasterKeyId. Use KMSMasterKeyId parameter if you want to change Master Key`,
      );
    }
    return { ...current, sse };
  });
  return {
    TableDescription: describeTable(table, { status: 'ACTIVE', region: deps.region, accountId: deps.accountId, itemCount: 0, sizeBytes: 0 }),
  };
}

/**
 * GlobalSecondaryIndexUpdates: one Create (backfilled in the background while
 * the index is CREATING), one Delete, or throughput Updates per call.
 */
async function updateGlobalIndexes(
  deps: OperationDeps,
  request: UpdateTableRequest,
  existing: TableDefinition,
): Promise<Record<string, unknown>> {
  const updates = request.GlobalSecondaryIndexUpdates!;
  const names = new Set<string>();
  for (const update of updates) {
    const name = update.Create?.IndexName ?? update.Delete?.IndexName ?? update.Update?.IndexName;
    if (name === undefined) {
      throw new ValidationError(
        `${INVALID}One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null`,
      );
    }
    if (names.has(name)) {
      throw new ValidationError(`${INVALID}Only one global secondary index update per index is allowed simultaneously. Index: ${name}`);
    }
    names.add(name);
  }
  if (updates.filter((u) => u.Create !== undefined || u.Delete !== undefined).length > 1) {
    throw new LimitExceededError('Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table');
  }
  const definitions = mergeDefinitions(existing.attributeDefinitions, request.AttributeDefinitions ?? []);
  const dropped: number[] = [];
  let created: number | undefined;
  const table = await deps.engine.catalog.update(
    existing.name,
    (current, allocateId) => {
      let indexes = [...(current.indexes ?? [])];
      for (const update of updates) {
        if (update.Create !== undefined) {
          const create = update.Create;
          if (indexes.some((index) => index.name === create.IndexName)) {
            throw new ValidationError(`${INVALID}Index with name: ${create.IndexName} already exists`);
          }
          checkKeysDefined(create.KeySchema, definitions.map((d) => d.AttributeName));
          const own = create.ProvisionedThroughput;
          const throughput = own === undefined ? { read: current.readCapacityUnits, write: current.writeCapacityUnits } : { read: own.ReadCapacityUnits, write: own.WriteCapacityUnits };
          const index = { ...indexDefinition(create, 'global', throughput), indexId: allocateId(), status: 'CREATING' as const };
          created = index.indexId;
          indexes.push(index);
        } else if (update.Delete !== undefined) {
          const name = update.Delete.IndexName;
          const index = indexes.find((i) => i.name === name && i.kind === 'global');
          if (index === undefined) throw new ResourceNotFoundError(`Requested resource not found: Index: ${name} not found`);
          dropped.push(index.indexId);
          indexes = indexes.filter((i) => i !== index);
        } else if (update.Update !== undefined) {
          const name = update.Update.IndexName;
          const index = indexes.find((i) => i.name === name && i.kind === 'global');
          if (index === undefined) throw new ResourceNotFoundError(`Requested resource not found: Index: ${name} not found`);
          const throughput = update.Update.ProvisionedThroughput;
          if (throughput !== undefined) {
            indexes = indexes.map((i) =>
              i === index ? { ...i, readCapacityUnits: throughput.ReadCapacityUnits, writeCapacityUnits: throughput.WriteCapacityUnits } : i,
            );
          }
        }
      }
      return { ...current, attributeDefinitions: usedDefinitions(definitions, current.keySchema, indexes), indexes };
    },
    dropped,
  );
  if (created !== undefined) void deps.engine.backfillIndex(table.tableId, created);
  if (dropped.length > 0) deps.engine.schedulePurge();
  return {
    TableDescription: describeTable(table, { status: 'ACTIVE', region: deps.region, accountId: deps.accountId, itemCount: 0, sizeBytes: 0 }),
  };
}

function mergeDefinitions(current: readonly AttributeDefinition[], added: readonly AttributeDefinition[]): AttributeDefinition[] {
  const merged = [...current];
  for (const definition of added) {
    if (!merged.some((d) => d.AttributeName === definition.AttributeName)) {
      merged.push({ AttributeName: definition.AttributeName, AttributeType: definition.AttributeType });
    }
  }
  return merged;
}

/** A table keeps the definitions its key schemas use, as DynamoDB reports them. */
function usedDefinitions(
  definitions: readonly AttributeDefinition[],
  keySchema: TableDefinition['keySchema'],
  indexes: NonNullable<TableDefinition['indexes']>,
): AttributeDefinition[] {
  const used = new Set([...keySchema, ...indexes.flatMap((i) => i.keySchema)].map((k) => k.AttributeName));
  return definitions.filter((d) => used.has(d.AttributeName));
}
