/**
 * The custom ajv keywords our request schemas use to behave like DynamoDB's
 * own request deserializer:
 *
 * - `wireType`: the Coral/Java type a member deserializes into ("String",
 *   "Boolean", "Integer", "Long", "Blob", "List", "Map<X>", "Structure<X>" for
 *   a list element or map value, "Field<X>" for a structure's member, and
 *   "ParameterizedList"/"ParameterizedMap" for collections nested directly in
 *   collections). It replaces JSON Schema's `type` because DynamoDB coerces
 *   where `type` would refuse (the strings "true"/"yes"/"1" are Booleans,
 *   1.7 is the Integer 1) and words each refusal in its own way, which the
 *   client sees as a SerializationException. Structures drop null and unknown
 *   members, as DynamoDB ignores them.
 * - `notNull`: a list element or map value may not be null (a property that
 *   must be present uses the standard `required`).
 * - `requiredParameter` / `parameterLength`: the table-level operations report
 *   a missing or badly sized TableName with a sentence of their own instead of
 *   the "N validation errors detected" list.
 * - `mapValueLength`: [min, max] length of every list in a map (BatchWriteItem's
 *   per-table request lists), reported once for the whole map as DynamoDB does.
 */
import type { Ajv } from 'ajv';
import type { DataValidationCxt, ErrorObject } from 'ajv/dist/types/index.js';

/** Where DynamoDB's model classes live; it names them in type errors. */
const MODEL_PACKAGE = 'com.amazonaws.dynamodb.v20120810';

/** Keyword names, shared with the error translation in request-errors.ts. */
export const WIRE_TYPE = 'wireType';
export const NOT_NULL = 'notNull';
export const REQUIRED_PARAMETER = 'requiredParameter';
export const PARAMETER_LENGTH = 'parameterLength';
export const MAP_VALUE_LENGTH = 'mapValueLength';

const START_OF_STRUCTURE = 'Start of structure or map found where not expected';
/** What DynamoDB's deserializer says when a scalar stands where a generic collection should. */
const PARAMETERIZED_TYPE_CAST =
  "class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to class java.lang.Class (sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and java.lang.Class are in module java.base of loader 'bootstrap')";

interface TypeCheck {
  /** The refusal, worded as DynamoDB does; undefined when the value is acceptable. */
  error?: string;
  /** A replacement value, when DynamoDB coerces (Booleans from strings, integers from decimals). */
  coerced?: unknown;
}

function numberWord(value: number): string {
  return Number.isInteger(value) ? 'NUMBER_VALUE' : 'DECIMAL_VALUE';
}

function booleanWord(value: boolean): string {
  return value ? 'TRUE_VALUE' : 'FALSE_VALUE';
}

function scalarCheck(type: string, data: unknown): TypeCheck {
  switch (typeof data) {
    case 'boolean':
      return { error: `${booleanWord(data)} cannot be converted to ${type}` };
    case 'number':
      return { error: `${numberWord(data)} cannot be converted to ${type}` };
    case 'object':
      return { error: Array.isArray(data) ? `Unrecognized collection type class java.lang.${type}` : START_OF_STRUCTURE };
    default:
      return {};
  }
}

const TRUE_WORDS = new Set(['TRUE', '1', 'YES']);
const FALSE_WORDS = new Set(['FALSE', '0', 'NO']);

function booleanCheck(data: unknown): TypeCheck {
  switch (typeof data) {
    case 'number':
      return { error: `${numberWord(data)} cannot be converted to Boolean` };
    case 'string': {
      const word = data.toUpperCase();
      if (TRUE_WORDS.has(word)) return { coerced: true };
      if (FALSE_WORDS.has(word)) return { coerced: false };
      return { error: 'Unexpected token received from parser' };
    }
    case 'object':
      return { error: Array.isArray(data) ? 'Unrecognized collection type class java.lang.Boolean' : START_OF_STRUCTURE };
    default:
      return {};
  }
}

function integerCheck(type: string, data: unknown): TypeCheck {
  switch (typeof data) {
    case 'boolean':
      return { error: `${booleanWord(data)} cannot be converted to ${type}` };
    case 'string':
      return { error: `STRING_VALUE cannot be converted to ${type}` };
    case 'number':
      return Number.isInteger(data) || type === 'Double' ? {} : { coerced: Math.floor(data) };
    case 'object':
      return { error: Array.isArray(data) ? `Unrecognized collection type class java.lang.${type}` : START_OF_STRUCTURE };
    default:
      return {};
  }
}

function blobCheck(data: unknown): TypeCheck {
  switch (typeof data) {
    case 'boolean':
    case 'number':
      return { error: 'only base-64-encoded strings are convertible to bytes' };
    case 'object':
      return { error: Array.isArray(data) ? 'Unrecognized collection type class java.nio.ByteBuffer' : START_OF_STRUCTURE };
    case 'string':
      if (data.length % 4 !== 0) {
        return { error: `Base64 encoded length is expected a multiple of 4 bytes but found: ${data.length}` };
      }
      // A canonical base64 string survives a decode/encode round trip unchanged.
      if (Buffer.from(data, 'base64').toString('base64') !== data) {
        return { error: 'Invalid last non-pad Base64 character dectected' };
      }
      return {};
    default:
      return {};
  }
}

function listCheck(data: unknown): TypeCheck {
  if (typeof data === 'object') return Array.isArray(data) ? {} : { error: START_OF_STRUCTURE };
  return { error: 'Unexpected field type' };
}

function mapCheck(valueType: string, data: unknown): TypeCheck {
  if (typeof data !== 'object') return { error: 'Unexpected field type' };
  if (!Array.isArray(data)) return {};
  const qualified = valueType.includes('.') ? valueType : `${MODEL_PACKAGE}.${valueType}`;
  return { error: `Unrecognized collection type java.util.Map<java.lang.String, ${qualified}>` };
}

/** A list or map nested directly in another collection (BatchWriteItem, BatchGetItem). */
function parameterizedCheck(kind: 'ParameterizedList' | 'ParameterizedMap', data: unknown): TypeCheck {
  if (typeof data !== 'object') return { error: PARAMETERIZED_TYPE_CAST };
  if (kind === 'ParameterizedList') return Array.isArray(data) ? {} : { error: START_OF_STRUCTURE };
  return Array.isArray(data)
    ? { error: `Unrecognized collection type java.util.Map<java.lang.String, ${MODEL_PACKAGE}.AttributeValue>` }
    : {};
}

/** `Structure` is a list element or map value, `Field` a member of a structure: DynamoDB words them differently. */
function structureCheck(kind: 'Structure' | 'Field', name: string, data: unknown): TypeCheck {
  if (typeof data !== 'object') {
    return { error: kind === 'Structure' ? 'Unexpected value type in payload' : 'Unexpected field type' };
  }
  return Array.isArray(data) ? { error: `Unrecognized collection type class ${MODEL_PACKAGE}.${name}` } : {};
}

interface ParsedWireType {
  kind: string;
  argument: string;
  /** Structures drop ignored members once their type is checked. */
  structure: boolean;
}

/** Parsed once per distinct wire type: validation runs for every member of every request. */
const parsedWireTypes = new Map<string, ParsedWireType>();

function parseWireType(wireType: string): ParsedWireType {
  let parsed = parsedWireTypes.get(wireType);
  if (parsed === undefined) {
    const [, kind = '', argument = ''] = /^(\w+)(?:<(.+)>)?$/.exec(wireType) ?? [];
    parsed = { kind, argument, structure: kind === 'Structure' || kind === 'Field' };
    parsedWireTypes.set(wireType, parsed);
  }
  return parsed;
}

/** Checks `data` (never null) against a wire type such as "String" or "Map<AttributeValue>". */
export function checkWireType(wireType: string, data: unknown): TypeCheck {
  const { kind, argument } = parseWireType(wireType);
  switch (kind) {
    case 'String':
      return scalarCheck('String', data);
    case 'Boolean':
      return booleanCheck(data);
    case 'Integer':
    case 'Long':
    case 'Double':
      return integerCheck(kind, data);
    case 'Blob':
      return blobCheck(data);
    case 'List':
      return listCheck(data);
    case 'Map':
      return mapCheck(argument, data);
    case 'Structure':
    case 'Field':
      return structureCheck(kind, argument, data);
    case 'ParameterizedList':
    case 'ParameterizedMap':
      return parameterizedCheck(kind, data);
    default:
      throw new Error(`schema bug: unknown wireType ${wireType}`);
  }
}

/** DynamoDB ignores null and unknown members of a structure; so do we, before anything else looks. */
function dropIgnoredMembers(data: Record<string, unknown>, properties: Record<string, unknown> | undefined): void {
  if (properties === undefined) return;
  for (const key of Object.keys(data)) {
    if (data[key] === null || !Object.prototype.hasOwnProperty.call(properties, key)) delete data[key];
  }
}

type KeywordValidate = ((
  schema: unknown,
  data: unknown,
  parentSchema?: Record<string, unknown>,
  dataCxt?: DataValidationCxt,
) => boolean) & { errors?: Partial<ErrorObject>[] };

function failing(validate: KeywordValidate, keyword: string, message: string, params: Record<string, unknown> = {}): false {
  validate.errors = [{ keyword, message, params }];
  return false;
}

const validateWireType: KeywordValidate = function validateWireType(schema, data, parentSchema, dataCxt) {
  if (data === null || data === undefined || (typeof data === 'string' && schema === 'String')) return true;
  const check = checkWireType(schema as string, data);
  if (check.error !== undefined) return failing(validateWireType, WIRE_TYPE, check.error);
  if ('coerced' in check && dataCxt !== undefined) {
    dataCxt.parentData[dataCxt.parentDataProperty] = check.coerced;
  }
  if (typeof data === 'object' && !Array.isArray(data) && parseWireType(schema as string).structure) {
    dropIgnoredMembers(data as Record<string, unknown>, parentSchema?.properties as Record<string, unknown> | undefined);
  }
  return true;
};

const validateNotNull: KeywordValidate = function validateNotNull(schema, data) {
  return schema !== true || data !== null || failing(validateNotNull, NOT_NULL, 'Member must not be null');
};

const validateRequiredParameter: KeywordValidate = function validateRequiredParameter(schema, data) {
  const record = data as Record<string, unknown>;
  for (const name of schema as string[]) {
    if (record[name] === undefined || record[name] === null) {
      return failing(validateRequiredParameter, REQUIRED_PARAMETER, `The parameter '${name}' is required but was not present in the request`, {
        missingProperty: name,
      });
    }
  }
  return true;
};

const validateParameterLength: KeywordValidate = function validateParameterLength(schema, data, _parentSchema, dataCxt) {
  if (typeof data !== 'string') return true;
  const [min, max] = schema as [number, number];
  if (data.length >= min && data.length <= max) return true;
  const name = String(dataCxt?.parentDataProperty ?? '');
  return failing(
    validateParameterLength,
    PARAMETER_LENGTH,
    `${name} must be at least ${min} characters long and at most ${max} characters long`,
  );
};

const validateMapValueLength: KeywordValidate = function validateMapValueLength(schema, data) {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return true;
  const [min, max] = schema as [number, number];
  const fits = Object.values(data).every((value) => !Array.isArray(value) || (value.length >= min && value.length <= max));
  return (
    fits ||
    failing(
      validateMapValueLength,
      MAP_VALUE_LENGTH,
      `Map value must satisfy constraint: [Member must have length less than or equal to ${max}, Member must have length greater than or equal to ${min}]`,
    )
  );
};

/** Registers the keywords on an ajv instance (before any schema is added). */
export function addWireKeywords(ajv: Ajv): void {
  // `before: '$ref'`: a wireType written next to a $ref (to word a shared
  // structure as a Field) must be checked before the referenced schema's own.
  ajv.addKeyword({ keyword: WIRE_TYPE, schemaType: 'string', modifying: true, errors: true, validate: validateWireType, before: '$ref' });
  ajv.addKeyword({ keyword: NOT_NULL, schemaType: 'boolean', errors: true, validate: validateNotNull });
  ajv.addKeyword({ keyword: REQUIRED_PARAMETER, schemaType: 'array', errors: true, validate: validateRequiredParameter });
  ajv.addKeyword({ keyword: PARAMETER_LENGTH, schemaType: 'array', errors: true, validate: validateParameterLength });
  ajv.addKeyword({ keyword: MAP_VALUE_LENGTH, schemaType: 'array', errors: true, validate: validateMapValueLength });
}
