/**
 * Validation of AttributeValue trees as DynamoDB does it for item attributes,
 * keys and ExpressionAttributeValues, with DynamoDB's exact messages. Some
 * messages carry the "One or more parameter values were invalid: " prefix and
 * some do not; that is DynamoDB's choice, reproduced here.
 */
import { ValidationError } from '../errors.js';
import type { AttributeValue, AttributeType, Item } from '../types.js';
import { base64Problem } from './binary.js';
import { isAttributeType } from './datatype.js';
import { canonicalNumber, numberProblem } from './numbers.js';

/** DynamoDB refuses documents nested deeper than this (maps and lists). */
export const MAX_NESTING_DEPTH = 32;

const INVALID = 'One or more parameter values were invalid: ';

export const VALUE_MESSAGES = {
  empty: 'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
  multiple: 'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
  nullNotTrue: `${INVALID}Null attribute value types must have the value of true`,
  emptySS: `${INVALID}An string set  may not be empty`,
  emptyNS: `${INVALID}An number set  may not be empty`,
  emptyBS: `${INVALID}Binary sets should not be empty`,
  duplicateNS: 'Input collection contains duplicates',
  nesting: 'Nesting Levels have exceeded supported limits',
} as const;

/** The message DynamoDB gives for an invalid value, or undefined when it is valid. */
export function attributeValueProblem(value: AttributeValue, depth = 0): string | undefined {
  if (depth > MAX_NESTING_DEPTH) return VALUE_MESSAGES.nesting;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return VALUE_MESSAGES.empty;
  const fields = value as Record<string, unknown>;
  const types = Object.keys(fields).filter((k) => isAttributeType(k) && fields[k] !== undefined && fields[k] !== null);
  if (types.length === 0) return VALUE_MESSAGES.empty;
  // DynamoDB checks every datatype present before complaining that there are several.
  for (const type of types) {
    const problem = typeProblem(type as AttributeType, fields[type], depth);
    if (problem !== undefined) return problem;
  }
  return types.length > 1 ? VALUE_MESSAGES.multiple : undefined;
}

function typeProblem(type: AttributeType, raw: unknown, depth: number): string | undefined {
  switch (type) {
    case 'S':
    case 'BOOL':
      return undefined;
    case 'N':
      return numberProblem(raw as string);
    case 'B':
      return base64Problem(raw as string);
    case 'NULL':
      return raw === true ? undefined : VALUE_MESSAGES.nullNotTrue;
    case 'SS':
      return stringSetProblem(raw as string[]);
    case 'NS':
      return numberSetProblem(raw as string[]);
    case 'BS':
      return binarySetProblem(raw as string[]);
    case 'M':
      return firstProblem(Object.values(raw as Record<string, AttributeValue>), depth + 1);
    case 'L':
      return firstProblem(raw as AttributeValue[], depth + 1);
    default: {
      const unreachable: never = type;
      return unreachable;
    }
  }
}

function firstProblem(values: readonly AttributeValue[], depth: number): string | undefined {
  for (const value of values) {
    const problem = attributeValueProblem(value, depth);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function stringSetProblem(values: readonly string[]): string | undefined {
  if (values.length === 0) return VALUE_MESSAGES.emptySS;
  if (hasDuplicate(values)) return `${INVALID}Input collection [${values.join(', ')}] contains duplicates.`;
  return undefined;
}

function numberSetProblem(values: readonly string[]): string | undefined {
  if (values.length === 0) return VALUE_MESSAGES.emptyNS;
  for (const value of values) {
    const problem = numberProblem(value);
    if (problem !== undefined) return problem;
  }
  if (hasDuplicate(values.map(canonicalNumber))) return VALUE_MESSAGES.duplicateNS;
  return undefined;
}

function binarySetProblem(values: readonly string[]): string | undefined {
  if (values.length === 0) return VALUE_MESSAGES.emptyBS;
  for (const value of values) {
    const problem = base64Problem(value);
    if (problem !== undefined) return problem;
  }
  // The missing space before "of type" is DynamoDB's.
  if (hasDuplicate(values)) return `${INVALID}Input collection [${values.join(', ')}]of type BS contains duplicates.`;
  return undefined;
}

function hasDuplicate(values: readonly string[]): boolean {
  return new Set(values).size !== values.length;
}

/** Throws DynamoDB's ValidationError for an invalid value. */
export function validateAttributeValue(value: AttributeValue): void {
  const problem = attributeValueProblem(value);
  if (problem !== undefined) throw new ValidationError(problem);
}

/** Item (and key) attributes: the value's message as is. */
export function validateItemAttributes(item: Item): void {
  for (const value of Object.values(item)) validateAttributeValue(value);
}

/** ExpressionAttributeValues wrap the value's message with the offending placeholder. */
export function validateExpressionAttributeValues(values: Record<string, AttributeValue>): void {
  for (const [key, value] of Object.entries(values)) {
    const problem = attributeValueProblem(value);
    if (problem !== undefined) {
      throw new ValidationError(`ExpressionAttributeValues contains invalid value: ${problem} for key ${key}`);
    }
  }
}
