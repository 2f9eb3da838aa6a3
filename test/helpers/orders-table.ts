/**
 * A table definition for tests below the catalog (range keys, snapshots,
 * garbage collection): `orders` (pk, n) with a global index on (status, at)
 * and a local one on (pk, at), ids 7, 8 and 9.
 */
import type { TableDefinition } from '../../engine/catalog/table.js';

export const ORDERS_TABLE_ID = 7;

export const ordersTable: TableDefinition = {
  tableId: ORDERS_TABLE_ID,
  tableUuid: '00000000-0000-4000-8000-000000000007',
  name: 'orders',
  keySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'n', KeyType: 'RANGE' },
  ],
  attributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'n', AttributeType: 'N' },
    { AttributeName: 'status', AttributeType: 'S' },
    { AttributeName: 'at', AttributeType: 'N' },
  ],
  billingMode: 'PAY_PER_REQUEST',
  readCapacityUnits: 0,
  writeCapacityUnits: 0,
  createdAtSec: 0,
  deletionProtection: false,
  indexes: [
    {
      indexId: 8,
      name: 'by-status',
      kind: 'global',
      keySchema: [{ AttributeName: 'status', KeyType: 'HASH' }, { AttributeName: 'at', KeyType: 'RANGE' }],
      projection: { ProjectionType: 'ALL' },
      status: 'ACTIVE',
      readCapacityUnits: 0,
      writeCapacityUnits: 0,
    },
    {
      indexId: 9,
      name: 'by-at',
      kind: 'local',
      keySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'at', KeyType: 'RANGE' }],
      projection: { ProjectionType: 'KEYS_ONLY' },
      status: 'ACTIVE',
      readCapacityUnits: 0,
      writeCapacityUnits: 0,
    },
  ],
};
