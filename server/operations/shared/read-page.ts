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
import { keyOf } from '../../../engine/items/item-key.js';
import type { Engine } from '../../../engine/engine.js';
import type { TableDefinition } from '../../../engine/catalog/table.js';
import type { Item } from '../../../engine/types.js';
import { consumedCapacity, type ReturnConsumedCapacity } from './capacity.js';

/** DynamoDB reads at most 1 MB of items per page. */
export const MAX_PAGE_BYTES = 1024 * 1024;

export type Select = 'ALL_ATTRIBUTES' | 'ALL_PROJECTED_ATTRIBUTES' | 'SPECIFIC_ATTRIBUTES' | 'COUNT';

export interface PageRequest {
  table: TableDefinition;
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
  const matching = request.filter === undefined ? evaluated : evaluated.filter((item) => evaluateCondition(request.filter!, item));
  const response: Record<string, unknown> = {};
  if (request.select !== 'COUNT') response.Items = matching.map((item) => shapeItem(item, request.projection, request.attributesToGet));
  response.Count = matching.length;
  response.ScannedCount = evaluated.length;
  const last = evaluated[evaluated.length - 1];
  if (atLimit && last !== undefined) response.LastEvaluatedKey = keyOf(request.table, last);
  const units = Math.max(1, Math.ceil(bytes / 4096)) * (request.consistent ? 1 : 0.5);
  const capacity = consumedCapacity(request.returnConsumedCapacity, { tableName: request.table.name, units });
  if (capacity !== undefined) response.ConsumedCapacity = capacity;
  return response;
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

/** Secondary indexes are not built yet: DynamoDB's answer for an index the table lacks. */
export function refuseIndex(indexName: string | undefined): void {
  if (indexName !== undefined) throw new ValidationError(`The table does not have the specified index: ${indexName}`);
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
