/**
 * Time to live: deletes items whose TTL attribute (a number of epoch seconds)
 * is in the past, as DynamoDB does in the background. Work per pass is
 * bounded and a cursor carries the sweep across passes. Each delete is
 * conditional on the attribute still holding the value that expired, so an
 * item rewritten meanwhile survives. Like DynamoDB, expiry times more than
 * five years in the past are ignored (usually milliseconds written as seconds).
 */
import { path, type ConditionAst } from '../expressions/index.js';
import { compareNumbers } from '../attributes/numbers.js';
import { ConditionalCheckFailedError } from '../errors.js';
import { itemKeySuccessor, tableSpan } from '../keys/item-key.js';
import type { TableDefinition } from '../catalog/table.js';
import type { ItemWrite, WriteOutcome } from './item-write.js';
import type { VisibleItem } from '../mvcc/mvcc.js';
import type { AttributeValue } from '../types.js';

/** Items examined per pass, over all tables. */
export const TTL_MAX_ITEMS_PER_PASS = 1_000;
/** Expiry times older than this are not acted on. */
export const TTL_MAX_AGE_SEC = 5 * 365 * 24 * 3600;

/** What the sweeper needs of the engine. */
export interface TtlEngine {
  tables(): TableDefinition[];
  snapshotTimestamp(): Promise<bigint>;
  scan(span: { start: Buffer; end: Buffer }, readTs: bigint): AsyncGenerator<VisibleItem>;
  writeItem(tableId: number, itemKey: Buffer, write: ItemWrite): Promise<WriteOutcome>;
}

export class TtlSweeper {
  /** Per table id: the item key to resume after. */
  private readonly cursors = new Map<number, Buffer>();

  constructor(
    private readonly engine: TtlEngine,
    private readonly maxItemsPerPass = TTL_MAX_ITEMS_PER_PASS,
  ) {}

  /** One bounded pass; returns how many items it deleted. */
  async sweep(nowSec: number): Promise<number> {
    let budget = this.maxItemsPerPass;
    let deleted = 0;
    const readTs = await this.engine.snapshotTimestamp();
    for (const table of this.engine.tables()) {
      const ttl = table.timeToLive;
      if (ttl === undefined || !ttl.enabled || budget <= 0) continue;
      const span = tableSpan(table.tableId);
      const after = this.cursors.get(table.tableId);
      const start = after === undefined ? span.start : itemKeySuccessor(after);
      let finished = true;
      for await (const visible of this.engine.scan({ start, end: span.end }, readTs)) {
        if (budget-- <= 0) {
          finished = false;
          break;
        }
        this.cursors.set(table.tableId, visible.itemKey);
        const value = visible.item[ttl.attributeName];
        if (value !== undefined && isExpired(value, nowSec) && (await this.expire(table.tableId, visible.itemKey, ttl.attributeName, value))) {
          deleted++;
        }
      }
      if (finished) this.cursors.delete(table.tableId);
    }
    return deleted;
  }

  private async expire(tableId: number, itemKey: Buffer, attributeName: string, value: AttributeValue): Promise<boolean> {
    const unchanged: ConditionAst = { kind: 'comparison', comparator: '=', left: path(attributeName), right: { kind: 'value', value } };
    try {
      await this.engine.writeItem(tableId, itemKey, { kind: 'delete', condition: unchanged });
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedError) return false;
      throw error;
    }
  }
}

function isExpired(value: AttributeValue, nowSec: number): boolean {
  if (!('N' in value)) return false;
  const now = String(Math.floor(nowSec));
  const oldest = String(Math.floor(nowSec) - TTL_MAX_AGE_SEC);
  return compareNumbers(value.N, now) <= 0 && compareNumbers(value.N, oldest) >= 0;
}
