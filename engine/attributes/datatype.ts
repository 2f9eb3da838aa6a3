/** The ten DynamoDB datatypes and how to tell which one a value holds. */
import { InternalError } from '../errors.js';
import type { AttributeType, AttributeValue } from '../types.js';

export const ATTRIBUTE_TYPES: readonly AttributeType[] = ['S', 'N', 'B', 'SS', 'NS', 'BS', 'M', 'L', 'NULL', 'BOOL'];

export function isAttributeType(name: string): name is AttributeType {
  return (ATTRIBUTE_TYPES as readonly string[]).includes(name);
}

/** The datatype of a value that has passed validation. */
export function typeOf(value: AttributeValue): AttributeType {
  for (const type of ATTRIBUTE_TYPES) {
    if ((value as Record<string, unknown>)[type] !== undefined) return type;
  }
  // Only validated values reach the engine; an untyped one is our bug.
  throw new InternalError('AttributeValue without a datatype');
}
