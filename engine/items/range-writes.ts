/**
 * Item writes as the leader of a range runs them: evaluated under the item's
 * latch against its latest version, with the table's index entries derived
 * from the table as the catalog defines it once the latch is held (so an
 * index added meanwhile is either backfilled after this write or maintained
 * by it). The embedded engine and a cluster node's RPC handler share these.
 */
import type { Catalog } from '../catalog/catalog.js';
import type { Mutation, RangeReplica } from '../range/replica.js';
import type { MutationsOf } from '../txn/transact-write.js';
import { evaluateItemWrite, type ItemWrite, type WriteOutcome } from './item-write.js';
import { checkIndexKeys, indexMutations } from './secondary-index.js';

/** What an evaluated write changes: the item, and the entries of the table's indexes. */
export function mutationsOf(catalog: Catalog): MutationsOf {
  return (tableId, itemKey, outcome) => {
    if (!outcome.writes) return [];
    const mutations: Mutation[] = [{ itemKey, item: outcome.new }];
    const table = catalog.byId(tableId);
    if (table?.indexes !== undefined) {
      if (outcome.new !== undefined) checkIndexKeys(table, outcome.new);
      mutations.push(...indexMutations(table, outcome.old, outcome.new));
    }
    return mutations;
  };
}

/**
 * One item write. `needsCurrent: false` says the caller needs nothing of the
 * current item (no condition, nothing returned); the write is then blind
 * unless the table, as defined once the latch is held, has indexes.
 */
export function writeItemOnRange(
  replica: RangeReplica,
  catalog: Catalog,
  tableId: number,
  itemKey: Buffer,
  write: ItemWrite,
  needsCurrent: boolean,
): Promise<WriteOutcome> {
  const blind = () => !needsCurrent && write.condition === undefined && (catalog.byId(tableId)?.indexes?.length ?? 0) === 0;
  const mutations = mutationsOf(catalog);
  return replica.write(
    [itemKey],
    (current) => {
      const outcome = evaluateItemWrite(write, current[0]?.item);
      return { mutations: mutations(tableId, itemKey, outcome), result: outcome };
    },
    blind,
  );
}

/**
 * Writes the entries of one index for an item as it is now, under the item's
 * latch: the backfill step of a new index, safe against concurrent writes of
 * the item (which maintain the index themselves).
 */
export async function reindexItemOnRange(
  replica: RangeReplica,
  catalog: Catalog,
  tableId: number,
  itemKey: Buffer,
  indexId: number,
): Promise<void> {
  await replica.write([itemKey], (current) => {
    const table = catalog.byId(tableId);
    const item = current[0]?.item;
    const mutations = table === undefined || item === undefined ? [] : indexMutations(table, undefined, item, indexId);
    return { mutations, result: undefined };
  });
}
