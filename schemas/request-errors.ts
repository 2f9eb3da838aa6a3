/**
 * Turns ajv's errors into the one error DynamoDB would answer, in its words:
 *
 * 1. A member of the wrong JSON type is a SerializationException (the first
 *    one found, in schema order).
 * 2. Then a missing or badly sized TableName of a table-level operation is a
 *    ValidationException with a sentence of its own.
 * 3. Then every broken constraint, in schema order, at most
 *    MAX_REPORTED_CONSTRAINTS of them:
 *    "2 validation errors detected: Value '...' at 'a.b' failed to satisfy
 *    constraint: Member must ...; Value ..."
 *
 * Member paths are printed as DynamoDB prints them: lowerCamelCase property
 * names, and each list element or map value as "<1-based index or key>.member".
 */
import type { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import { ValidationError } from '../engine/errors.js';
import { SerializationError } from './serialization-error.js';
import { MAP_VALUE_LENGTH, NOT_NULL, PARAMETER_LENGTH, REQUIRED_PARAMETER, WIRE_TYPE } from './keywords.js';

/** DynamoDB lists at most this many broken constraints in one message. */
export const MAX_REPORTED_CONSTRAINTS = 10;

type SchemaNode = Record<string, unknown>;

interface Located {
  /** The member's path as DynamoDB prints it, e.g. "keySchema.1.member.keyType". */
  path: string;
  /** Sort key: the member's position in schema (or, inside maps, data) order. */
  order: number[];
}

interface Issue {
  kind: 'serialization' | 'parameter' | 'constraint';
  text: string;
  order: number[];
}

/** Within one member, DynamoDB reports its constraints in this order. */
const CONSTRAINT_RANK: Record<string, number> = {
  required: 0,
  [NOT_NULL]: 0,
  minimum: 1,
  maximum: 2,
  pattern: 3,
  minLength: 4,
  minItems: 4,
  minProperties: 4,
  maxLength: 5,
  maxItems: 5,
  maxProperties: 5,
  enum: 6,
  propertyNames: 7,
  [MAP_VALUE_LENGTH]: 8,
};

/** Map-key constraints, in the order DynamoDB lists them. */
function mapKeyConstraints(schema: SchemaNode): string {
  const texts: string[] = [];
  if (schema.maxLength !== undefined) texts.push(`Member must have length less than or equal to ${String(schema.maxLength)}`);
  if (schema.minLength !== undefined) texts.push(`Member must have length greater than or equal to ${String(schema.minLength)}`);
  if (typeof schema.pattern === 'string') texts.push(`Member must satisfy regular expression pattern: ${barePattern(schema.pattern)}`);
  return texts.join(', ');
}

/** Schemas anchor their patterns (JSON Schema patterns are searches); DynamoDB prints them bare. */
function barePattern(pattern: string): string {
  return pattern.replace(/^\^/, '').replace(/\$$/, '');
}

function lowerFirst(name: string): string {
  return name.length === 0 ? name : name[0]!.toLowerCase() + name.slice(1);
}

function decodePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Follows $refs (resolved against the current schema resource) until a node with content. */
function resolve(ajv: Ajv, node: SchemaNode, baseId: string): { node: SchemaNode; baseId: string } {
  let current = node;
  let base = typeof current.$id === 'string' ? new URL(current.$id, baseId).href : baseId;
  // Bounded: our shared schemas chain at most a couple of refs.
  for (let hops = 0; typeof current.$ref === 'string' && hops < 8; hops += 1) {
    const target = new URL(current.$ref, base).href;
    const compiled = ajv.getSchema(target);
    if (compiled === undefined) break;
    current = compiled.schema as SchemaNode;
    base = typeof current.$id === 'string' ? new URL(current.$id, target).href : target;
  }
  return { node: current, baseId: base };
}

/** Walks schema and data together along a JSON pointer to name the member and rank it. */
function locate(ajv: Ajv, root: SchemaNode, rootData: unknown, segments: readonly string[]): Located {
  let { node, baseId } = resolve(ajv, root, String(root.$id ?? ''));
  let data: unknown = rootData;
  const path: string[] = [];
  const order: number[] = [];
  for (const segment of segments) {
    const properties = node.properties as Record<string, SchemaNode> | undefined;
    const record = data !== null && typeof data === 'object' ? (data as Record<string, unknown>) : undefined;
    let next: SchemaNode | undefined;
    if (properties !== undefined && Object.prototype.hasOwnProperty.call(properties, segment)) {
      path.push(lowerFirst(segment));
      order.push(Object.keys(properties).indexOf(segment));
      next = properties[segment];
    } else if (Array.isArray(data)) {
      path.push(`${Number(segment) + 1}.member`);
      order.push(Number(segment));
      next = node.items as SchemaNode | undefined;
    } else {
      path.push(`${segment}.member`);
      order.push(record === undefined ? 0 : Object.keys(record).indexOf(segment));
      next = typeof node.additionalProperties === 'object' ? (node.additionalProperties as SchemaNode) : undefined;
    }
    data = record?.[segment];
    ({ node, baseId } = next === undefined ? { node: {}, baseId } : resolve(ajv, next, baseId));
  }
  return { path: path.join('.'), order };
}

/** How DynamoDB prints a value inside "Value '...' at". */
export function valueText(data: unknown): string {
  if (data === null || data === undefined) return 'null';
  if (Array.isArray(data)) return `[${data.map(valueText).join(', ')}]`;
  if (typeof data === 'object') return JSON.stringify(data);
  return String(data);
}

function constraintText(error: ErrorObject): string | undefined {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
    case NOT_NULL:
      return 'Member must not be null';
    case 'minimum':
      return `Member must have value greater than or equal to ${String(params.limit)}`;
    case 'maximum':
      return `Member must have value less than or equal to ${String(params.limit)}`;
    case 'pattern':
      return `Member must satisfy regular expression pattern: ${barePattern(String(params.pattern))}`;
    case 'minLength':
    case 'minItems':
    case 'minProperties':
      return `Member must have length greater than or equal to ${String(params.limit)}`;
    case 'maxLength':
    case 'maxItems':
    case 'maxProperties':
      return `Member must have length less than or equal to ${String(params.limit)}`;
    case 'enum':
      return `Member must satisfy enum value set: [${(params.allowedValues as unknown[]).map(String).join(', ')}]`;
    case 'propertyNames':
      return `Map keys must satisfy constraint: [${mapKeyConstraints(error.schema as SchemaNode)}]`;
    case MAP_VALUE_LENGTH:
      return error.message;
    default:
      return undefined;
  }
}

function toIssue(ajv: Ajv, root: SchemaNode, rootData: unknown, error: ErrorObject): Issue | undefined {
  // A map key's own failures are summed up by the map's one propertyNames error.
  if (error.propertyName !== undefined) return undefined;
  const segments = decodePointer(error.instancePath);
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') segments.push(String(params.missingProperty));
  const { path, order } = locate(ajv, root, rootData, segments);
  if (error.keyword === WIRE_TYPE) {
    return { kind: 'serialization', text: error.message ?? 'Unexpected field type', order };
  }
  if (error.keyword === REQUIRED_PARAMETER || error.keyword === PARAMETER_LENGTH) {
    const missing = params.missingProperty;
    const parameterOrder = typeof missing === 'string' ? locate(ajv, root, rootData, [missing]).order : order;
    return { kind: 'parameter', text: error.message ?? 'Invalid parameter', order: parameterOrder };
  }
  const constraint = constraintText(error);
  if (constraint === undefined) return undefined;
  const value = error.keyword === 'required' ? null : error.data;
  const quoted = value === null || value === undefined ? 'null' : `'${valueText(value)}'`;
  return {
    kind: 'constraint',
    text: `Value ${quoted} at '${path}' failed to satisfy constraint: ${constraint}`,
    // A member's own constraints come before those of its children (-1 sorts first).
    order: [...order, -1, CONSTRAINT_RANK[error.keyword] ?? 9],
  };
}

function compareOrder(a: readonly number[], b: readonly number[]): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i += 1) {
    const diff = a[i]! - b[i]!;
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}

/** Builds the error DynamoDB would answer for these ajv errors (there is at least one). */
export function requestError(ajv: Ajv, root: SchemaNode, rootData: unknown, errors: readonly ErrorObject[]): Error {
  const issues = errors
    .map((error) => toIssue(ajv, root, rootData, error))
    .filter((issue): issue is Issue => issue !== undefined)
    // Array.prototype.sort is stable: ties keep ajv's order (outer checks first).
    .sort((a, b) => compareOrder(a.order, b.order));
  const serialization = issues.find((issue) => issue.kind === 'serialization');
  if (serialization !== undefined) return new SerializationError(serialization.text);
  const parameter = issues.find((issue) => issue.kind === 'parameter');
  if (parameter !== undefined) return new ValidationError(parameter.text);
  const texts = [...new Set(issues.map((issue) => issue.text))].slice(0, MAX_REPORTED_CONSTRAINTS);
  if (texts.length === 0) return new ValidationError('The request is invalid');
  const plural = texts.length > 1 ? 's' : '';
  return new ValidationError(`${texts.length} validation error${plural} detected: ${texts.join('; ')}`);
}
