/**
 * SSESpecification of CreateTable and UpdateTable: the checks DynamoDB makes
 * on its shape, in its words, and the setting it asks for. Only described:
 * encryption at rest is whatever the data dir's storage gives.
 */
import { ValidationError } from '../../../engine/errors.js';
import type { TableDefinition } from '../../../engine/catalog/table.js';

export interface SseSpecificationRequest {
  Enabled?: boolean;
  SSEType?: 'AES256' | 'KMS';
  KMSMasterKeyId?: string;
}

const INVALID = 'One or more parameter values were invalid: ';

/**
 * The KMS encryption the specification asks for, or undefined for DynamoDB's
 * default encryption (an AWS owned key): Enabled false, or an empty
 * specification. SSEType KMS alone enables it, as Enabled true does.
 */
export function requestedSse(spec: SseSpecificationRequest): TableDefinition['sse'] {
  if (spec.Enabled === false) {
    if (spec.SSEType !== undefined) throw new ValidationError(`${INVALID}SSEType can not be specified if Enabled is false`);
    if (spec.KMSMasterKeyId !== undefined) throw new ValidationError(`${INVALID}KMSMasterKeyId can not be specified if Enabled is false`);
    return undefined;
  }
  if (spec.SSEType === 'AES256') throw new ValidationError(`${INVALID}SSEType AES256 is not supported`);
  if (spec.KMSMasterKeyId !== undefined && spec.SSEType !== 'KMS') {
    throw new ValidationError(`${INVALID}SSEType KMS is required if KMSMasterKeyId is specified`);
  }
  if (spec.Enabled !== true && spec.SSEType === undefined) return undefined;
  return { enabled: true, sseType: 'KMS', ...(spec.KMSMasterKeyId !== undefined ? { kmsMasterKeyId: spec.KMSMasterKeyId } : {}) };
}
