/**
 * Request validation for every operation, compiled once at start-up: one
 * JSON Schema per operation (schemas/<Operation>.json) over shared parts
 * (schemas/shared/*.json). `validateRequest` checks a parsed body against its
 * operation's schema and throws what DynamoDB would answer: a
 * SerializationError for members of the wrong JSON type, a ValidationError
 * (engine/errors.ts) for broken constraints. It also normalises the body the
 * way DynamoDB's deserializer does (drops null and unknown members, coerces
 * "true" to true and 1.5 to 1 where DynamoDB does).
 *
 * The schemas check shape and constraints only; semantic checks (an
 * AttributeValue with exactly one member, expressions, keys matching the
 * table) belong to the operations.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { ValidationError } from '../engine/errors.js';
import { requestError } from './request-errors.js';
import { addWireKeywords } from './keywords.js';

import attributeMap from './shared/attribute-map.json' with { type: 'json' };
import attributeValue from './shared/attribute-value.json' with { type: 'json' };
import attributeValueField from './shared/attribute-value-field.json' with { type: 'json' };
import attributeValueList from './shared/attribute-value-list.json' with { type: 'json' };
import attributesToGet from './shared/attributes-to-get.json' with { type: 'json' };
import billingMode from './shared/billing-mode.json' with { type: 'json' };
import comparisonOperator from './shared/comparison-operator.json' with { type: 'json' };
import conditionalOperator from './shared/conditional-operator.json' with { type: 'json' };
import conditions from './shared/conditions.json' with { type: 'json' };
import expected from './shared/expected.json' with { type: 'json' };
import expression from './shared/expression.json' with { type: 'json' };
import expressionAttributeNames from './shared/expression-attribute-names.json' with { type: 'json' };
import globalSecondaryIndexes from './shared/global-secondary-indexes.json' with { type: 'json' };
import indexName from './shared/index-name.json' with { type: 'json' };
import keySchema from './shared/key-schema.json' with { type: 'json' };
import localSecondaryIndexes from './shared/local-secondary-indexes.json' with { type: 'json' };
import onDemandThroughput from './shared/on-demand-throughput.json' with { type: 'json' };
import projection from './shared/projection.json' with { type: 'json' };
import provisionedThroughput from './shared/provisioned-throughput.json' with { type: 'json' };
import resourceArn from './shared/resource-arn.json' with { type: 'json' };
import returnConsumedCapacity from './shared/return-consumed-capacity.json' with { type: 'json' };
import returnItemCollectionMetrics from './shared/return-item-collection-metrics.json' with { type: 'json' };
import returnValues from './shared/return-values.json' with { type: 'json' };
import returnValuesOnConditionCheckFailure from './shared/return-values-on-condition-check-failure.json' with { type: 'json' };
import select from './shared/select.json' with { type: 'json' };
import sseSpecification from './shared/sse-specification.json' with { type: 'json' };
import streamSpecification from './shared/stream-specification.json' with { type: 'json' };
import tableClass from './shared/table-class.json' with { type: 'json' };
import tableName from './shared/table-name.json' with { type: 'json' };
import tableNameParameter from './shared/table-name-parameter.json' with { type: 'json' };
import tags from './shared/tags.json' with { type: 'json' };

import batchGetItemSchema from './BatchGetItem.json' with { type: 'json' };
import batchWriteItemSchema from './BatchWriteItem.json' with { type: 'json' };
import createTableSchema from './CreateTable.json' with { type: 'json' };
import deleteItemSchema from './DeleteItem.json' with { type: 'json' };
import deleteTableSchema from './DeleteTable.json' with { type: 'json' };
import describeContinuousBackupsSchema from './DescribeContinuousBackups.json' with { type: 'json' };
import describeEndpointsSchema from './DescribeEndpoints.json' with { type: 'json' };
import describeLimitsSchema from './DescribeLimits.json' with { type: 'json' };
import describeTableSchema from './DescribeTable.json' with { type: 'json' };
import describeTimeToLiveSchema from './DescribeTimeToLive.json' with { type: 'json' };
import getItemSchema from './GetItem.json' with { type: 'json' };
import listTablesSchema from './ListTables.json' with { type: 'json' };
import listTagsOfResourceSchema from './ListTagsOfResource.json' with { type: 'json' };
import putItemSchema from './PutItem.json' with { type: 'json' };
import querySchema from './Query.json' with { type: 'json' };
import scanSchema from './Scan.json' with { type: 'json' };
import tagResourceSchema from './TagResource.json' with { type: 'json' };
import transactGetItemsSchema from './TransactGetItems.json' with { type: 'json' };
import transactWriteItemsSchema from './TransactWriteItems.json' with { type: 'json' };
import untagResourceSchema from './UntagResource.json' with { type: 'json' };
import updateContinuousBackupsSchema from './UpdateContinuousBackups.json' with { type: 'json' };
import updateItemSchema from './UpdateItem.json' with { type: 'json' };
import updateTableSchema from './UpdateTable.json' with { type: 'json' };
import updateTimeToLiveSchema from './UpdateTimeToLive.json' with { type: 'json' };

export { SerializationError } from './serialization-error.js';

type SchemaObject = Record<string, unknown>;

const SHARED_SCHEMAS: readonly SchemaObject[] = [
  attributeMap,
  attributeValue,
  attributeValueField,
  attributeValueList,
  attributesToGet,
  billingMode,
  comparisonOperator,
  conditionalOperator,
  conditions,
  expected,
  expression,
  expressionAttributeNames,
  globalSecondaryIndexes,
  indexName,
  keySchema,
  localSecondaryIndexes,
  onDemandThroughput,
  projection,
  provisionedThroughput,
  resourceArn,
  returnConsumedCapacity,
  returnItemCollectionMetrics,
  returnValues,
  returnValuesOnConditionCheckFailure,
  select,
  sseSpecification,
  streamSpecification,
  tableClass,
  tableName,
  tableNameParameter,
  tags,
];

/** Operation name (as in X-Amz-Target) to its request schema. */
const OPERATION_SCHEMAS: Readonly<Record<string, SchemaObject>> = {
  CreateTable: createTableSchema,
  DescribeTable: describeTableSchema,
  ListTables: listTablesSchema,
  DeleteTable: deleteTableSchema,
  PutItem: putItemSchema,
  GetItem: getItemSchema,
  DeleteItem: deleteItemSchema,
  UpdateItem: updateItemSchema,
  TransactWriteItems: transactWriteItemsSchema,
  Query: querySchema,
  Scan: scanSchema,
  BatchGetItem: batchGetItemSchema,
  BatchWriteItem: batchWriteItemSchema,
  TransactGetItems: transactGetItemsSchema,
  UpdateTable: updateTableSchema,
  DescribeTimeToLive: describeTimeToLiveSchema,
  UpdateTimeToLive: updateTimeToLiveSchema,
  TagResource: tagResourceSchema,
  UntagResource: untagResourceSchema,
  ListTagsOfResource: listTagsOfResourceSchema,
  DescribeLimits: describeLimitsSchema,
  DescribeEndpoints: describeEndpointsSchema,
  DescribeContinuousBackups: describeContinuousBackupsSchema,
  UpdateContinuousBackups: updateContinuousBackupsSchema,
};

/**
 * Deeper JSON than this is refused before validation: validation recurses
 * per level, and DynamoDB's own document limit (32 levels of attributes)
 * stays far below it (each attribute level is two JSON levels).
 */
export const MAX_REQUEST_DEPTH = 100;

interface CompiledOperation {
  schema: SchemaObject;
  validate: ValidateFunction;
}

function compileAll(): { ajv: Ajv; operations: Map<string, CompiledOperation> } {
  // strictTypes is off because `wireType` takes the place of JSON Schema's `type`.
  const ajv = new Ajv({ allErrors: true, verbose: true, strictTypes: false, strictTuples: false });
  addWireKeywords(ajv);
  for (const schema of SHARED_SCHEMAS) ajv.addSchema(schema);
  const operations = new Map<string, CompiledOperation>();
  for (const [name, schema] of Object.entries(OPERATION_SCHEMAS)) {
    operations.set(name, { schema, validate: ajv.compile(schema) });
  }
  return { ajv, operations };
}

const compiled = compileAll();

/** The operations that have a request schema. */
export function schemaOperations(): string[] {
  return [...compiled.operations.keys()];
}

export function hasSchema(operation: string): boolean {
  return compiled.operations.has(operation);
}

/** Recursion stops at `maxDepth`, so a hostile body cannot exhaust the stack while we measure it. */
export function jsonDepthExceeds(value: unknown, maxDepth: number, depth = 1): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth > maxDepth) return true;
  if (Array.isArray(value)) {
    for (const child of value) if (jsonDepthExceeds(child, maxDepth, depth + 1)) return true;
    return false;
  }
  for (const key in value) {
    if (jsonDepthExceeds((value as Record<string, unknown>)[key], maxDepth, depth + 1)) return true;
  }
  return false;
}

/**
 * Validates (and normalises in place) the body of `operation`. Operations
 * without a schema pass unchanged. Throws SerializationError or ValidationError.
 */
export function validateRequest(operation: string, body: Record<string, unknown>): void {
  const entry = compiled.operations.get(operation);
  if (entry === undefined) return;
  if (jsonDepthExceeds(body, MAX_REQUEST_DEPTH)) {
    throw new ValidationError('Nesting Levels have exceeded supported limits');
  }
  if (entry.validate(body)) return;
  throw requestError(compiled.ajv, entry.schema, body, entry.validate.errors ?? []);
}
