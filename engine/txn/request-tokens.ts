/**
 * ClientRequestToken idempotency for TransactWriteItems: a token seen in the
 * last 10 minutes with the same request answers success without writing
 * again; with a different request it is IdempotentParameterMismatch; while the
 * first call is still running it is TransactionInProgress.
 *
 * The record of a token is written in the same atomic batch as the
 * transaction's writes, so a token is "used" exactly when its writes are.
 */
import { createHash } from 'node:crypto';
import type { KvStore, KvWrite } from '../storage/kv-store.js';
import { IdempotentParameterMismatchError, TransactionInProgressError } from '../errors.js';
import { systemKey } from '../mvcc/layout.js';

/** DynamoDB keeps a token for 10 minutes. */
export const TOKEN_TTL_MS = 10 * 60 * 1000;
/** At most this many tokens are cached in memory; older ones are re-read from disk. */
export const MAX_CACHED_TOKENS = 100_000;

const TOKEN_PREFIX = 'txn-token/';

interface TokenRecord {
  fingerprint: string;
  atMs: number;
}

export type TokenState = 'new' | 'replay';

export class RequestTokens {
  private readonly cache = new Map<string, TokenRecord>();
  private readonly inFlight = new Map<string, string>();

  constructor(
    private readonly store: KvStore,
    private readonly nowMs: () => number = Date.now,
    private readonly maxCached = MAX_CACHED_TOKENS,
  ) {}

  /** A stable digest of the parts of a request that must match on retry. */
  static fingerprint(request: unknown): string {
    return createHash('sha256').update(canonicalJson(request)).digest('base64');
  }

  /**
   * Claims `token` for a request with `fingerprint`. Returns 'replay' when the
   * same request already committed within the TTL; otherwise 'new', and the
   * caller must call `release` when done (whether or not it committed).
   */
  async claim(token: string, fingerprint: string): Promise<TokenState> {
    const running = this.inFlight.get(token);
    if (running !== undefined) {
      if (running !== fingerprint) throw new IdempotentParameterMismatchError();
      throw new TransactionInProgressError();
    }
    const record = await this.lookup(token);
    if (record !== undefined) {
      if (record.fingerprint !== fingerprint) throw new IdempotentParameterMismatchError();
      return 'replay';
    }
    this.inFlight.set(token, fingerprint);
    return 'new';
  }

  /** The system write that records `token` as used; commit it with the transaction. */
  recordWrite(token: string, fingerprint: string): KvWrite {
    const record: TokenRecord = { fingerprint, atMs: this.nowMs() };
    return { type: 'put', key: systemKey(TOKEN_PREFIX + token), value: Buffer.from(JSON.stringify(record)) };
  }

  /** Ends a claim; `committed` caches the record so a retry is answered from memory. */
  release(token: string, fingerprint: string, committed: boolean): void {
    this.inFlight.delete(token);
    if (committed) this.remember(token, { fingerprint, atMs: this.nowMs() });
  }

  private async lookup(token: string): Promise<TokenRecord | undefined> {
    let record = this.cache.get(token);
    if (record === undefined) {
      const stored = await this.store.get(systemKey(TOKEN_PREFIX + token));
      if (stored !== undefined) record = JSON.parse(stored.toString('utf8')) as TokenRecord;
    }
    if (record === undefined || this.nowMs() - record.atMs > TOKEN_TTL_MS) return undefined;
    return record;
  }

  private remember(token: string, record: TokenRecord): void {
    if (this.cache.size >= this.maxCached) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(token, record);
  }
}

/** JSON with object keys sorted, so equal requests have equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
