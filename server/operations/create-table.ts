/**
 * CreateTable: validates the key schema against the attribute definitions
 * with DynamoDB's messages, then records the table in the catalog.
 */
import { randomUUID } from 'node:crypto';
import { ValidationError } from '../../engine/errors.js';
import { describeTable, type BillingMode } from '../../engine/catalog/table.js';
import type { AttributeDefinition, KeySchemaElement } from '../../engine/types.js';
import type { OperationHandler } from './registry.js';
import type { OperationDeps } from './deps.js';

interface CreateTableRequest {
  TableName: string;
  AttributeDefinitions: AttributeDefinition[];
  KeySchema: KeySchemaElement[];
  BillingMode?: BillingMode;
  ProvisionedThroughput?: { ReadCapacityUnits: number; WriteCapacityUnits: number };
  LocalSecondaryIndexes?: unknown[];
  GlobalSecondaryIndexes?: unknown[];
  DeletionProtectionEnabled?: boolean;
}

/** DynamoDB's upper bound for provisioned capacity units. */
const MAX_CAPACITY_UNITS = 1_000_000_000_000;
const INVALID = 'One or more parameter values were invalid: ';

export function createTable(deps: OperationDeps): OperationHandler {
  return async (raw) => {
    const request = raw as unknown as CreateTableRequest;
    const throughput = validateBilling(request);
    validateKeySchema(request);
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
  if (keys.some((key) => !definitions.includes(key))) {
    throw new ValidationError(
      `${INVALID}Some index key attributes are not defined in AttributeDefinitions. Keys: [${keys.join(', ')}], AttributeDefinitions: [${definitions.join(', ')}]`,
    );
  }
  if (keys.length === 2 && keys[0] === keys[1]) {
    throw new ValidationError('Both the Hash Key and the Range Key element in the KeySchema have the same name');
  }
  if (request.KeySchema[0]?.KeyType !== 'HASH') {
    throw new ValidationError('Invalid KeySchema: The first KeySchemaElement is not a HASH key type');
  }
  if (request.KeySchema[1] !== undefined && request.KeySchema[1].KeyType !== 'RANGE') {
    throw new ValidationError('Invalid KeySchema: The second KeySchemaElement is not a RANGE key type');
  }
  if (request.LocalSecondaryIndexes !== undefined || request.GlobalSecondaryIndexes !== undefined) {
    // Secondary indexes arrive with the rest of the data plane; refusing is better than ignoring them.
    throw new ValidationError(`${INVALID}Secondary indexes are not supported by this server yet`);
  }
  if (keys.length !== definitions.length) {
    throw new ValidationError(
      `${INVALID}Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions`,
    );
  }
}
