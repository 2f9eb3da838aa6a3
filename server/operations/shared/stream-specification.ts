/**
 * StreamSpecification of CreateTable and UpdateTable: the checks DynamoDB makes
 * on its shape, in its words. Only the setting is kept and described; the
 * stream itself (DynamoDB Streams) is not implemented.
 */
import { ValidationError } from '../../../engine/errors.js';
import type { StreamViewType } from '../../../engine/catalog/table.js';

export interface StreamSpecificationRequest {
  StreamEnabled: boolean;
  StreamViewType?: StreamViewType;
}

const INVALID = 'One or more parameter values were invalid: ';

/** CreateTable: the view type of the stream to create, or undefined for none. */
export function createStreamViewType(spec: StreamSpecificationRequest | undefined): StreamViewType | undefined {
  if (spec === undefined) return undefined;
  if (spec.StreamEnabled && spec.StreamViewType === undefined) {
    throw new ValidationError(`${INVALID}Table is being created with a stream enabled, UpdateViewType is required`);
  }
  if (!spec.StreamEnabled && spec.StreamViewType !== undefined) {
    throw new ValidationError(`${INVALID}Table is being created with a stream disabled, UpdateViewType should not be specified`);
  }
  return spec.StreamEnabled ? spec.StreamViewType : undefined;
}

/** UpdateTable: the shape checks, made before the table's current stream is looked at. */
export function checkUpdateStreamSpecification(spec: StreamSpecificationRequest): void {
  if (spec.StreamEnabled && spec.StreamViewType === undefined) {
    throw new ValidationError(`${INVALID}If stream is being enabled then UpdateViewType is required`);
  }
  if (!spec.StreamEnabled && spec.StreamViewType !== undefined) {
    throw new ValidationError(`${INVALID}If stream is being disabled, then UpdateViewType must not be specified`);
  }
}
