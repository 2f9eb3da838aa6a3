/**
 * UpdateTable: billing mode, provisioned throughput and deletion protection.
 * (Adding and removing global secondary indexes arrives with the indexes.)
 */
import { ValidationError } from '../../engine/errors.js';
import { describeTable, type BillingMode } from '../../engine/catalog/table.js';
import type { OperationHandler } from './registry.js';
import type { OperationDeps } from './deps.js';

interface UpdateTableRequest {
  TableName: string;
  BillingMode?: BillingMode;
  ProvisionedThroughput?: { ReadCapacityUnits: number; WriteCapacityUnits: number };
  DeletionProtectionEnabled?: boolean;
  GlobalSecondaryIndexUpdates?: unknown[];
  AttributeDefinitions?: unknown[];
  StreamSpecification?: unknown;
}

const INVALID = 'One or more parameter values were invalid: ';

export function updateTable(deps: OperationDeps): OperationHandler {
  return async (raw) => {
    const request = raw as unknown as UpdateTableRequest;
    const existing = deps.engine.catalog.require(request.TableName, `Requested resource not found: Table: ${request.TableName} not found`);
    if (request.GlobalSecondaryIndexUpdates !== undefined) {
      throw new ValidationError(`${INVALID}Secondary indexes are not supported by this server yet`);
    }
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
      request.StreamSpecification === undefined
    ) {
      throw new ValidationError(
        'At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required',
      );
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
      if (billing === 'PAY_PER_REQUEST') {
        next.readCapacityUnits = 0;
        next.writeCapacityUnits = 0;
      } else if (throughput !== undefined) {
        const up = throughput.ReadCapacityUnits > current.readCapacityUnits || throughput.WriteCapacityUnits > current.writeCapacityUnits;
        const down = throughput.ReadCapacityUnits < current.readCapacityUnits || throughput.WriteCapacityUnits < current.writeCapacityUnits;
        next.readCapacityUnits = throughput.ReadCapacityUnits;
        next.writeCapacityUnits = throughput.WriteCapacityUnits;
        if (up) next.lastIncreaseSec = nowSec;
        if (down) next.lastDecreaseSec = nowSec;
      }
      if (request.DeletionProtectionEnabled !== undefined) next.deletionProtection = request.DeletionProtectionEnabled;
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
