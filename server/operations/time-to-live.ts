/**
 * UpdateTimeToLive and DescribeTimeToLive. Expiry itself runs in the engine
 * (engine/items/ttl-sweeper.ts).
 */
import { ValidationError } from '../../engine/errors.js';
import type { OperationHandler } from './registry.js';
import type { OperationDeps } from './deps.js';

interface UpdateTimeToLiveRequest {
  TableName: string;
  TimeToLiveSpecification: { Enabled: boolean; AttributeName: string };
}

export function updateTimeToLive(deps: OperationDeps): OperationHandler {
  return async (raw) => {
    const request = raw as unknown as UpdateTimeToLiveRequest;
    const specification = request.TimeToLiveSpecification;
    deps.engine.catalog.require(request.TableName);
    await deps.engine.catalog.update(request.TableName, (table) => {
      const current = table.timeToLive;
      if (specification.Enabled && current?.enabled) throw new ValidationError('TimeToLive is already enabled');
      if (!specification.Enabled && !current?.enabled) throw new ValidationError('TimeToLive is already disabled');
      return { ...table, timeToLive: { attributeName: specification.AttributeName, enabled: specification.Enabled } };
    });
    return { TimeToLiveSpecification: { Enabled: specification.Enabled, AttributeName: specification.AttributeName } };
  };
}

export function describeTimeToLive(deps: OperationDeps): OperationHandler {
  return async (request) => {
    const table = deps.engine.catalog.require(request.TableName as string);
    const ttl = table.timeToLive;
    if (ttl === undefined || !ttl.enabled) return { TimeToLiveDescription: { TimeToLiveStatus: 'DISABLED' } };
    return { TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED', AttributeName: ttl.attributeName } };
  };
}
