/**
 * Before a run: create the bench table (waiting until ACTIVE) and preload
 * items with bounded concurrency and a progress bar. After a put run, in
 * --check mode: read every acknowledged key back and count the missing
 * (readBack, which the etcd protocol uses too).
 */
import { DynamoCallError, DynamoHttpClient, forEachBounded } from './dynamo-http.js';
import { progressBar } from './measure/progress.js';
import { createTableBody, getBody, preloadKey, putBody, TABLE_NAME } from './scenarios/items.js';

/** PutItems in flight while preloading. */
export const PRELOAD_CONCURRENCY = 32;
/** GetItems in flight while checking. */
export const CHECK_CONCURRENCY = 32;
/** How long a new table may stay CREATING. */
export const TABLE_ACTIVE_TIMEOUT_MS = 30_000;
const TABLE_POLL_MS = 100;

export class TableSetupError extends Error {
  override name = 'TableSetupError';
}

export async function ensureTable(client: DynamoHttpClient): Promise<void> {
  try {
    await client.call('CreateTable', createTableBody());
  } catch (error) {
    if (!(error instanceof DynamoCallError && error.errorType === 'ResourceInUseException')) throw error;
  }
  const deadline = Date.now() + TABLE_ACTIVE_TIMEOUT_MS;
  for (;;) {
    const described = (await client.call('DescribeTable', JSON.stringify({ TableName: TABLE_NAME }))) as { Table?: { TableStatus?: string } };
    if (described.Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new TableSetupError(`${TABLE_NAME} not ACTIVE after ${TABLE_ACTIVE_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, TABLE_POLL_MS));
  }
}

export async function preload(client: DynamoHttpClient, count: number, label: string): Promise<void> {
  await forEachBounded(
    count,
    PRELOAD_CONCURRENCY,
    async (i) => void (await client.call('PutItem', putBody(preloadKey(i)))),
    progressBar(`preload ${label}`, count),
  );
}

export interface CheckResult {
  checked: number;
  missingCount: number;
  /** The first MISSING_KEYS_SHOWN missing keys. */
  missingSample: string[];
}

/** Missing keys kept for the report (the count is exact either way). */
export const MISSING_KEYS_SHOWN = 20;

/**
 * Reads back every key with `found` (bounded concurrency, a progress bar);
 * a key not found is a lost write. Shared by every protocol's --check.
 */
export async function readBack(keys: readonly string[], label: string, found: (key: string) => Promise<boolean>): Promise<CheckResult> {
  const missing: string[] = [];
  let missingCount = 0;
  await forEachBounded(
    keys.length,
    CHECK_CONCURRENCY,
    async (i) => {
      const key = keys[i] as string;
      if (!(await found(key))) {
        missingCount++;
        if (missing.length < MISSING_KEYS_SHOWN) missing.push(key);
      }
    },
    progressBar(`check ${label}`, keys.length),
  );
  return { checked: keys.length, missingCount, missingSample: missing };
}

/** Reads back every key with a consistent GetItem; an empty answer is a lost write. */
export async function checkAcknowledged(client: DynamoHttpClient, keys: readonly string[], label: string): Promise<CheckResult> {
  return readBack(keys, label, async (key) => ((await client.call('GetItem', getBody(key))) as { Item?: unknown }).Item !== undefined);
}
