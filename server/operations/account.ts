/**
 * DescribeLimits and DescribeEndpoints: account-level facts SDKs and tools ask for.
 */
import type { OperationHandler } from './registry.js';
import type { OperationDeps } from './deps.js';

/** DynamoDB's default provisioned-capacity quotas. */
export const ACCOUNT_MAX_CAPACITY_UNITS = 80_000;
export const TABLE_MAX_CAPACITY_UNITS = 40_000;
/** How long clients may cache the endpoint list (DynamoDB's value). */
const ENDPOINT_CACHE_MINUTES = 1440;

export function describeLimits(): OperationHandler {
  return async () => ({
    AccountMaxReadCapacityUnits: ACCOUNT_MAX_CAPACITY_UNITS,
    AccountMaxWriteCapacityUnits: ACCOUNT_MAX_CAPACITY_UNITS,
    TableMaxReadCapacityUnits: TABLE_MAX_CAPACITY_UNITS,
    TableMaxWriteCapacityUnits: TABLE_MAX_CAPACITY_UNITS,
  });
}

export function describeEndpoints(deps: OperationDeps): OperationHandler {
  return async () => ({
    Endpoints: [{ Address: `dynamodb.${deps.region}.amazonaws.com`, CachePeriodInMinutes: ENDPOINT_CACHE_MINUTES }],
  });
}
