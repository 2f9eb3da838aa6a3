/**
 * A multi-range store for transaction tests: LocalRanges of three replicas
 * over one real RocksDB in a temp dir, an oracle that counts, a wall clock the
 * test may move (or the real one), and builders of transaction actions.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { RocksDbStore } from '../../../engine/storage/rocksdb/rocksdb-store.js';
import { GroupCommitter } from '../../../engine/storage/group-commit.js';
import { LocalRanges } from '../../../engine/range/local-ranges.js';
import { TxnCoordinator, type CoordinatorOptions } from '../../../engine/txn/coordinator.js';
import { TxnStats } from '../../../engine/txn/txn-stats.js';
import type { MutationsOf, TransactAction } from '../../../engine/txn/transact-write.js';
import { ExpressionContext, parseCondition, parseUpdate } from '../../../engine/expressions/index.js';
import type { Item } from '../../../engine/types.js';

/** Keys below 'h' are in range 1, below 'p' in range 2, the rest in range 3. */
export const SPLITS = [Buffer.from('h'), Buffer.from('p')];
export const END = Buffer.from([0xff]);
export const TABLE_ID = 7;

export const key = (name: string): Buffer => Buffer.from(name);

/** Each action writes its item alone (no index). */
export const itemOnly: MutationsOf = (_tableId, itemKey, outcome) => (outcome.writes ? [{ itemKey, item: outcome.new }] : []);

export interface TxnFixture {
  store: RocksDbStore;
  ranges: LocalRanges;
  /** The oracle: every call returns the next integer. */
  clock: { now(): Promise<bigint>; last: bigint };
  /** The wall clock of lock expiry, when the test drives it. */
  wall: { ms: number };
  /** What the replicas' lock resolver counted (kept across reopen). */
  txnStats: TxnStats;
  coordinator(options?: CoordinatorOptions): TxnCoordinator;
  /** Closes the store and opens it again with fresh replicas (lock tables rebuilt from disk). */
  reopen(): Promise<void>;
}

export interface FixtureOptions {
  /** Use Date.now for lock expiry instead of the test's wall clock. */
  realWallClock?: boolean;
  mutationsOf?: MutationsOf;
}

export async function openFixture(t: Test, options: FixtureOptions = {}): Promise<TxnFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'txn-test-'));
  const wall = { ms: 1_000_000 };
  const nowMs = options.realWallClock === true ? Date.now : () => wall.ms;
  const txnStats = new TxnStats();
  const clock = {
    last: 0n,
    async now() {
      return ++clock.last;
    },
  };
  const open = async () => {
    const store = await RocksDbStore.open(dir);
    const committer = new GroupCommitter(store);
    const ranges = await LocalRanges.open({
      store,
      writer: committer,
      clock,
      splits: SPLITS,
      end: END,
      mutationsOf: options.mutationsOf ?? itemOnly,
      nowMs,
      txnStats,
    });
    return { store, committer, ranges };
  };
  let opened = await open();
  const fixture: TxnFixture = {
    store: opened.store,
    ranges: opened.ranges,
    clock,
    wall,
    txnStats,
    coordinator: (coordinatorOptions = {}) => new TxnCoordinator(fixture.ranges, clock, { nowMs, ...coordinatorOptions }),
    async reopen() {
      await opened.committer.close();
      await opened.store.close();
      opened = await open();
      fixture.store = opened.store;
      fixture.ranges = opened.ranges;
    },
  };
  t.teardown(async () => {
    await opened.committer.close();
    await opened.store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return fixture;
}

export function item(id: string, balance: number): Item {
  return { id: { S: id }, bal: { N: String(balance) } };
}

export function put(id: string, balance: number): TransactAction {
  return { tableId: TABLE_ID, itemKey: key(id), write: { kind: 'put', item: item(id, balance) }, returnOldOnFailure: false };
}

/** Adds `delta` to the balance; with `mustCover`, only if the balance stays >= 0. */
export function add(id: string, delta: number, mustCover = false): TransactAction {
  const context = new ExpressionContext(undefined, { ':d': { N: String(delta) }, ':min': { N: String(-delta) } });
  const update = parseUpdate('SET bal = bal + :d', context);
  const condition = mustCover ? parseCondition('bal >= :min', context) : undefined;
  return {
    tableId: TABLE_ID,
    itemKey: key(id),
    write: { kind: 'update', key: { id: { S: id } }, update, ...(condition ? { condition } : {}) },
    returnOldOnFailure: true,
  };
}

/** A ConditionCheck that the item exists. */
export function exists(id: string): TransactAction {
  return {
    tableId: TABLE_ID,
    itemKey: key(id),
    write: { kind: 'check', condition: parseCondition('attribute_exists(id)', new ExpressionContext()) },
    returnOldOnFailure: false,
  };
}

/** The balance of `id` as read at `readTs` (a fresh timestamp when omitted); undefined when absent. */
export async function balance(fixture: TxnFixture, id: string, readTs?: bigint): Promise<number | undefined> {
  const read = await fixture.ranges.rangeOf(key(id)).read(key(id), readTs);
  const value = read.item?.bal;
  return value === undefined ? undefined : Number((value as { N: string }).N);
}

/** Every lock left on every range. */
export function allLocks(fixture: TxnFixture): string[] {
  return fixture.ranges.replicas.flatMap((replica) => replica.lockedKeys.map((entry) => entry.itemKey.toString()));
}
