/**
 * DescribeContinuousBackups and UpdateContinuousBackups. Continuous backups
 * are ENABLED on every table, as DynamoDB reports them; point-in-time recovery
 * is a stored flag, described as DynamoDB describes it. Restoring
 * (RestoreTableToPointInTime) is not implemented.
 */
import { TableNotFoundError, ValidationError } from '../../engine/errors.js';
import type { TableDefinition } from '../../engine/catalog/table.js';
import type { OperationHandler } from './registry.js';
import type { OperationDeps } from './deps.js';

interface UpdateContinuousBackupsRequest {
  TableName: string;
  PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: boolean; RecoveryPeriodInDays?: number };
}

/** DynamoDB's recovery period when none is given, and its maximum. */
export const DEFAULT_RECOVERY_PERIOD_DAYS = 35;
/** LatestRestorableDateTime is typically this far behind the current time. */
const RESTORE_LAG_SEC = 5 * 60;

function requireTable(deps: OperationDeps, name: string): TableDefinition {
  const table = deps.engine.catalog.get(name);
  if (table === undefined) throw new TableNotFoundError(name);
  return table;
}

function continuousBackupsDescription(table: TableDefinition, nowSec: number): Record<string, unknown> {
  const pitr = table.pointInTimeRecovery;
  return {
    ContinuousBackupsStatus: 'ENABLED',
    PointInTimeRecoveryDescription:
      pitr === undefined
        ? { PointInTimeRecoveryStatus: 'DISABLED' }
        : {
            PointInTimeRecoveryStatus: 'ENABLED',
            RecoveryPeriodInDays: pitr.recoveryPeriodInDays,
            EarliestRestorableDateTime: pitr.enabledAtSec,
            LatestRestorableDateTime: Math.max(pitr.enabledAtSec, nowSec - RESTORE_LAG_SEC),
          },
  };
}

export function describeContinuousBackups(deps: OperationDeps): OperationHandler {
  return async (request) => {
    const table = requireTable(deps, request.TableName as string);
    return { ContinuousBackupsDescription: continuousBackupsDescription(table, Date.now() / 1000) };
  };
}

export function updateContinuousBackups(deps: OperationDeps): OperationHandler {
  return async (raw) => {
    const request = raw as unknown as UpdateContinuousBackupsRequest;
    const specification = request.PointInTimeRecoverySpecification;
    if (!specification.PointInTimeRecoveryEnabled && specification.RecoveryPeriodInDays !== undefined) {
      throw new ValidationError('Invalid Request: Cannot specify RecoveryPeriodInDays when disabling point-in-time recovery.');
    }
    requireTable(deps, request.TableName);
    const nowSec = Date.now() / 1000;
    const table = await deps.engine.catalog.update(request.TableName, (current) => {
      const next = { ...current };
      if (!specification.PointInTimeRecoveryEnabled) {
        delete next.pointInTimeRecovery;
        return next;
      }
      next.pointInTimeRecovery = {
        // Enabling it again keeps the earliest restorable time.
        enabledAtSec: current.pointInTimeRecovery?.enabledAtSec ?? nowSec,
        recoveryPeriodInDays: specification.RecoveryPeriodInDays ?? current.pointInTimeRecovery?.recoveryPeriodInDays ?? DEFAULT_RECOVERY_PERIOD_DAYS,
      };
      return next;
    });
    return { ContinuousBackupsDescription: continuousBackupsDescription(table, nowSec) };
  };
}
