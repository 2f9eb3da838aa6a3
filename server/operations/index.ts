/**
 * The registry of implemented operations, built over one engine.
 */
import type { OperationRegistry } from './registry.js';
import type { OperationDeps } from './deps.js';
import { describeEndpoints, describeLimits } from './account.js';
import { batchGetItem } from './batch-get-item.js';
import { batchWriteItem } from './batch-write-item.js';
import { describeContinuousBackups, updateContinuousBackups } from './continuous-backups.js';
import { createTable } from './create-table.js';
import { deleteItem } from './delete-item.js';
import { deleteTable } from './delete-table.js';
import { describeTable } from './describe-table.js';
import { getItem } from './get-item.js';
import { listTables } from './list-tables.js';
import { putItem } from './put-item.js';
import { query } from './query.js';
import { scan } from './scan.js';
import { transactGetItems } from './transact-get-items.js';
import { transactWriteItems } from './transact-write-items.js';
import { updateItem } from './update-item.js';
import { updateTable } from './update-table.js';
import { listTagsOfResource, tagResource, untagResource } from './tags.js';
import { describeTimeToLive, updateTimeToLive } from './time-to-live.js';

export function buildOperations(deps: OperationDeps): OperationRegistry {
  return {
    CreateTable: createTable(deps),
    DescribeTable: describeTable(deps),
    ListTables: listTables(deps),
    DeleteTable: deleteTable(deps),
    PutItem: putItem(deps),
    GetItem: getItem(deps),
    DeleteItem: deleteItem(deps),
    UpdateItem: updateItem(deps),
    TransactWriteItems: transactWriteItems(deps),
    Query: query(deps),
    Scan: scan(deps),
    BatchGetItem: batchGetItem(deps),
    BatchWriteItem: batchWriteItem(deps),
    TransactGetItems: transactGetItems(deps),
    UpdateTable: updateTable(deps),
    UpdateTimeToLive: updateTimeToLive(deps),
    DescribeTimeToLive: describeTimeToLive(deps),
    TagResource: tagResource(deps),
    UntagResource: untagResource(deps),
    ListTagsOfResource: listTagsOfResource(deps),
    DescribeLimits: describeLimits(),
    DescribeEndpoints: describeEndpoints(deps),
    DescribeContinuousBackups: describeContinuousBackups(deps),
    UpdateContinuousBackups: updateContinuousBackups(deps),
  };
}
