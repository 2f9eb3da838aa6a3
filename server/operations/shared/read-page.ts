/**
 * One page of a Query or Scan: walk the visible items of a key span at one
 * snapshot timestamp, stop at `Limit` items or 1 MB of evaluated data, then
 * filter, project and count, as DynamoDB does (the limits apply before the
 * filter, so a page may hold fewer items than `Limit`, or none, and still
 * carry a LastEvaluatedKey).
 */
import { ValidationError } from '../../../engine/errors.js';
import { evaluateCondition, type ConditionAst, type ProjectionAst } from '../../../engine/expressions/index.js';
import { shapeItem } from './projection.js';
import { itemSizeBytes } from '../../../engine/attributes/size.js';
import { indexKeyAttributes, projectForIndex } from '../../../engine/items/secondary-index.js';
import { itemKeyOfKey, keyOf } from '../../../engine/items/item-key.js';
import type { Engine } from '../../../engine/engine.js';
import { indexOf, type IndexDefinition, type TableDefinition } from '../../../engine/catalog/table.js';
import type { Item } from '../../../engine/types.js';
import { consumedCapacity, type ReturnConsumedCapacity } from './capacity.js';

/** DynamoDB reads at most 1 MB of items per page. */
export const MAX_PAGE_BYTES = 1024 * 1024;

export type Select = 'ALL_ATTRIBUTES' | 'ALL_PROJECTED_ATTRIBUTES' | 'SPECIFIC_ATTRIBUTES' | 'COUNT';

export interface PageRequest {
  table: TableDefinition;
  /** The key attributes of an entry (for LastEvaluatedKey): the table's, plus an index's. */
  keyAttributes: readonly string[];
  /** Reads the whole item for an index entry that does not project it all (local indexes). */
  fetchItem?: (entry: Item, readTs: bigint) => Promise<Item | undefined>;
  /** Cuts a fetched item back to the index's projection (after the filter saw the whole item). */
  reproject?: (item: Item) => Item;
  span: { start: Buffer; end: Buffer };
  reverse: boolean;
  limit: number | undefined;
  filter: ConditionAst | undefined;
  projection: ProjectionAst | undefined;
  attributesToGet: readonly string[] | undefined;
  select: Select | undefined;
  consistent: boolean;
  returnConsumedCapacity: ReturnConsumedCapacity;
}

/** The paging and shaping members Query and Scan share. */
export interface ReadRequest {
  Limit?: number;
  AttributesToGet?: string[];
  Select?: Select;
  ConsistentRead?: boolean;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
}

/** One page of a Query or Scan over `span` of the target (table or index). */
export function readTargetPage(
  deps: { engine: Engine },
  table: TableDefinition,
  target: ReadTarget,
  request: ReadRequest,
  scope: { span: { start: Buffer; end: Buffer }; reverse: boolean; filter: ConditionAst | undefined; projection: ProjectionAst | undefined },
): Promise<Record<string, unknown>> {
  // A local index reads attributes it does not project from the table, as
  // DynamoDB does, when the projection, AttributesToGet or filter names one.
  const index = target.index;
  const fetchOthers = !target.fetchFromTable && index !== undefined && namesUnprojectedAttribute(table, index, scope, request);
  const fetch = target.fetchFromTable || fetchOthers;
  const defaultShape = scope.projection === undefined && request.AttributesToGet === undefined && request.Select !== 'ALL_ATTRIBUTES';
  return readPage(deps.engine, {
    table,
    keyAttributes: target.keyAttributes,
    ...(fetch ? { fetchItem: fetchFromTable(deps, table) } : {}),
    ...(fetchOthers && defaultShape ? { reproject: (item: Item) => projectForIndex(table, index, item) } : {}),
    ...scope,
    limit: request.Limit,
    attributesToGet: request.AttributesToGet,
    select: request.Select,
    consistent: request.ConsistentRead === true,
    returnConsumedCapacity: request.ReturnConsumedCapacity,
  });
}

export async function readPage(engine: Engine, request: PageRequest): Promise<Record<string, unknown>> {
  const readTs = await engine.snapshotTimestamp();
  const evaluated: Item[] = [];
  let bytes = 0;
  let stoppedEarly = false;
  for await (const visible of engine.scan(request.span, readTs, request.reverse)) {
    if ((request.limit !== undefined && evaluated.length >= request.limit) || bytes >= MAX_PAGE_BYTES) {
      stoppedEarly = true;
      break;
    }
    evaluated.push(visible.item);
    bytes += itemSizeBytes(visible.item);
  }
  // DynamoDB reports a LastEvaluatedKey whenever the page stopped at a limit.
  const atLimit = stoppedEarly || (request.limit !== undefined && evaluated.length >= request.limit);
  const fetched = request.fetchItem === undefined ? evaluated : await fetchAll(evaluated, request.fetchItem, readTs);
  const filtered = request.filter === undefined ? fetched : fetched.filter((item) => evaluateCondition(request.filter!, item));
  const matching = request.reproject === undefined ? filtered : filtered.map(request.reproject);
  const response: Record<string, unknown> = {};
  if (request.select !== 'COUNT') response.Items = matching.map((item) => shapeItem(item, request.projection, request.attributesToGet));
  response.Count = matching.length;
  response.ScannedCount = evaluated.length;
  const last = evaluated[evaluated.length - 1];
  if (atLimit && last !== undefined) response.LastEvaluatedKey = pick(last, request.keyAttributes);
  const units = Math.max(1, Math.ceil(bytes / 4096)) * (request.consistent ? 1 : 0.5);
  const capacity = consumedCapacity(request.returnConsumedCapacity, () => ({ tableName: request.table.name, units }));
  if (capacity !== undefined) response.ConsumedCapacity = capacity;
  return response;
}

/**
 * Whether a read of a local index that does not project ALL names a top-level
 * attribute outside the index's projection (global indexes never fetch).
 */
function namesUnprojectedAttribute(
  table: TableDefinition,
  index: IndexDefinition,
  scope: { filter: ConditionAst | undefined; projection: ProjectionAst | undefined },
  request: ReadRequest,
): boolean {
  if (index.kind !== 'local' || index.projection.ProjectionType === 'ALL' || (request.Select === 'COUNT' && scope.filter === undefined)) {
    return false;
  }
  const projected = new Set(indexKeyAttributes(table, index).map((a) => a.name));
  if (index.projection.ProjectionType === 'INCLUDE') for (const name of index.projection.NonKeyAttributes ?? []) projected.add(name);
  const named = new Set<string>(request.AttributesToGet ?? []);
  for (const path of scope.projection ?? []) {
    const first = path.elements[0];
    if (first?.kind === 'key') named.add(first.name);
  }
  if (scope.filter !== undefined) for (const name of conditionPathHeads(scope.filter)) named.add(name);
  for (const name of named) if (!projected.has(name)) return true;
  return false;
}

/** Reads an index entry's whole item from the table, at the page's timestamp. */
export function fetchFromTable(deps: { engine: Engine }, table: TableDefinition): NonNullable<PageRequest['fetchItem']> {
  return (entry, readTs) => deps.engine.getItem(itemKeyOfKey(table, keyOf(table, entry)), readTs);
}

async function fetchAll(entries: Item[], fetchItem: NonNullable<PageRequest['fetchItem']>, readTs: bigint): Promise<Item[]> {
  const items = await Promise.all(entries.map((entry) => fetchItem(entry, readTs)));
  return items.filter((item): item is Item => item !== undefined);
}

function pick(item: Item, names: readonly string[]): Item {
  const key: Item = {};
  for (const name of names) if (item[name] !== undefined) key[name] = item[name];
  return key;
}

/** DynamoDB's checks on Select against the projection parameters. */
export function checkSelect(
  operation: 'Query' | 'Scan',
  select: Select | undefined,
  projection: string | undefined,
  attributesToGet: readonly string[] | undefined,
  indexName: string | undefined,
): void {
  if (select === undefined) return;
  const prefix = operation === 'Query' ? '1 validation error detected: ' : '';
  if (select === 'SPECIFIC_ATTRIBUTES') {
    if (projection === undefined && attributesToGet === undefined) {
      throw new ValidationError(`${prefix}Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES`);
    }
    return;
  }
  const description = select === 'COUNT' ? 'only the Count' : select;
  if (projection !== undefined) {
    throw new ValidationError(`${prefix}Cannot specify the ProjectionExpression when choosing to get ${description}`);
  }
  if (attributesToGet !== undefined) {
    throw new ValidationError(`${prefix}Cannot specify the AttributesToGet when choosing to get ${description}`);
  }
  if (select === 'ALL_PROJECTED_ATTRIBUTES' && indexName === undefined) {
    throw new ValidationError(`${prefix}ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName`);
  }
}

/**
 * The index a Query or Scan names (or none), checked as DynamoDB does, and
 * how to read it: its keyspace, its key attributes, and whether the whole
 * item must be fetched from the table.
 */
export interface ReadTarget {
  index: IndexDefinition | undefined;
  keyspaceId: number;
  keyAttributes: string[];
  fetchFromTable: boolean;
}

export function readTarget(
  table: TableDefinition,
  indexName: string | undefined,
  select: Select | undefined,
  consistentRead: boolean | undefined,
): ReadTarget {
  if (indexName === undefined) {
    return { index: undefined, keyspaceId: table.tableId, keyAttributes: table.keySchema.map((k) => k.AttributeName), fetchFromTable: false };
  }
  const index = indexOf(table, indexName);
  if (index === undefined) throw new ValidationError(`The table does not have the specified index: ${indexName}`);
  if (index.kind === 'global' && consistentRead === true) {
    throw new ValidationError('Consistent reads are not supported on global secondary indexes');
  }
  if (index.status !== 'ACTIVE') throw new ValidationError(`Cannot read from backfilling global secondary index: ${indexName}`);
  const partial = select === 'ALL_ATTRIBUTES' && index.projection.ProjectionType !== 'ALL';
  if (partial && index.kind === 'global') {
    throw new ValidationError(
      `One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index ${indexName} because its projection type is not ALL`,
    );
  }
  return {
    index,
    keyspaceId: index.indexId,
    keyAttributes: indexKeyAttributes(table, index).map((a) => a.name),
    fetchFromTable: partial,
  };
}

/** Top-level attribute names a condition refers to. */
export function conditionPathHeads(condition: ConditionAst): Set<string> {
  const heads = new Set<string>();
  const operand = (o: unknown): void => {
    const node = o as { kind: string; elements?: Array<{ kind: string; name?: string }>; operand?: unknown };
    if (node.kind === 'path') {
      const first = node.elements?.[0];
      if (first?.kind === 'key' && first.name !== undefined) heads.add(first.name);
    } else if (node.kind === 'size') operand(node.operand);
  };
  const walk = (c: ConditionAst): void => {
    switch (c.kind) {
      case 'comparison':
        operand(c.left);
        operand(c.right);
        return;
      case 'between':
        [c.operand, c.lower, c.upper].forEach(operand);
        return;
      case 'in':
        [c.operand, ...c.candidates].forEach(operand);
        return;
      case 'attribute_exists':
      case 'attribute_not_exists':
        operand(c.path);
        return;
      case 'attribute_type':
        operand(c.operand);
        return;
      case 'begins_with':
        operand(c.operand);
        operand(c.prefix);
        return;
      case 'contains':
        operand(c.operand);
        operand(c.member);
        return;
      case 'and':
      case 'or':
        walk(c.left);
        walk(c.right);
        return;
      case 'not':
        walk(c.condition);
        return;
      default: {
        const unknown: never = c;
        throw new ValidationError(`unknown condition ${JSON.stringify(unknown)}`);
      }
    }
  };
  walk(condition);
  return heads;
}
