/**
 * ClientRequestToken idempotency for TransactWriteItems: a token seen in the
 * last 10 minutes with the same request answers success without writing
 * again; with a different request it is IdempotentParameterMismatch; while the
 * first call is still running it is TransactionInProgress.
 *
 * The record of a token is replicated with the transaction it vouches for:
 * it lives on the range of the request's first item (the primary of a
 * two-phase transaction) at tokenRecordKey(primary, token) (so it is part of
 * that range's keys, see tokenRecordPrimary), and is written in
 * the same command as the one-phase commit, or as the primary's commit (the
 * decision). So a token is "used" exactly when its writes are, on every node.
 * The range leader checks it under the primary's latch before it evaluates
 * (one phase) or locks (the primary's prewrite), so two calls with the same
 * token and first item, sent to any nodes, are ordered: the second replays
 * or conflicts, never writes again. A reused token whose first item differs
 * is caught by the node that ran the first call (RequestTokens below), not
 * by the others.
 *
 * RequestTokens is each node's front: the calls it is running (a concurrent
 * retry on the same node is TransactionInProgress) and the tokens it
 * committed lately (answered from memory).
 */
import { createHash } from 'node:crypto';
import { pack, unpack } from 'msgpackr';
import type { KvStore, KvWrite } from '../storage/kv-store.js';
import { IdempotentParameterMismatchError, InternalError, TransactionInProgressError } from '../errors.js';
import { systemKey } from '../mvcc/layout.js';
import { spanContains, type KeySpan } from '../keys/key-span.js';

/** DynamoDB keeps a token for 10 minutes. */
export const TOKEN_TTL_MS = 10 * 60 * 1000;
/** At most this many committed tokens are cached in memory per node; older ones are asked of their range. */
export const MAX_CACHED_TOKENS = 100_000;
/** At most this many token records are looked at by one garbage-collection pass of a range. */
export const MAX_TOKEN_GC_SCAN = 10_000;

const TOKEN_NAME = 'txn-token/';
/** A record key ends with the token's length in bytes, so its first item can be cut out of the key. */
const TOKEN_LENGTH_BYTES = 2;

/** A TransactWriteItems call's ClientRequestToken. */
export interface RequestToken {
  value: string;
  /** RequestTokens.fingerprint of the request: a retry must match it. */
  fingerprint: string;
  /** When the call arrived (wall clock): its record is valid TOKEN_TTL_MS from then. */
  atMs: number;
}

export type TokenState = 'new' | 'replay';

interface StoredToken {
  fingerprint: string;
  atMs: number;
}

/**
 * Where the record of `token` lives: on the range of `primary`, the request's
 * first item, at txn-token/ | primary | token | token length (2 bytes BE).
 */
export function tokenRecordKey(primary: Buffer, token: string): Buffer {
  const value = Buffer.from(token, 'utf8');
  const length = Buffer.allocUnsafe(TOKEN_LENGTH_BYTES);
  length.writeUInt16BE(value.length);
  return Buffer.concat([systemKey(TOKEN_NAME), primary, value, length]);
}

/** The bounds of the token records of the items in `span` (some may belong to a neighbour: check tokenRecordPrimary). */
export function tokenRecordBounds(span: KeySpan): { gte: Buffer; lt: Buffer } {
  const prefix = systemKey(TOKEN_NAME);
  return { gte: Buffer.concat([prefix, span.start]), lt: Buffer.concat([prefix, span.end]) };
}

/** The first item's key in a token record's key: the record belongs to that item's range. */
export function tokenRecordPrimary(key: Buffer): Buffer {
  const prefixBytes = systemKey(TOKEN_NAME).length;
  const end = key.length - TOKEN_LENGTH_BYTES - key.readUInt16BE(key.length - TOKEN_LENGTH_BYTES);
  if (end <= prefixBytes) throw new InternalError('corrupt request-token key');
  return key.subarray(prefixBytes, end);
}

/** The system write that records `token` as used; commit it with the transaction. */
export function tokenRecordWrite(primary: Buffer, token: RequestToken): KvWrite {
  const stored: StoredToken = { fingerprint: token.fingerprint, atMs: token.atMs };
  return { type: 'put', key: tokenRecordKey(primary, token.value), value: pack(stored) };
}

/**
 * What the record at `primary` says of `token` (read under the primary's
 * latch on its range leader): 'replay' when the same request committed within
 * the TTL, 'new' when there is no live record; IdempotentParameterMismatch
 * when another request used the token.
 */
export async function checkTokenRecord(read: (key: Buffer) => Promise<Buffer | undefined>, primary: Buffer, token: RequestToken): Promise<TokenState> {
  const value = await read(tokenRecordKey(primary, token.value));
  if (value === undefined) return 'new';
  const stored = decodeToken(value);
  if (token.atMs - stored.atMs > TOKEN_TTL_MS) return 'new';
  if (stored.fingerprint !== token.fingerprint) throw new IdempotentParameterMismatchError();
  return 'replay';
}

export interface ExpiredTokens {
  /** The records to delete, with the item key each must be deleted under (a new call with the token may write it meanwhile). */
  expired: Array<{ key: Buffer; primary: Buffer }>;
  /** Where the next pass resumes (undefined: from the start of the span). */
  next: Buffer | undefined;
}

/**
 * The token records of the items in `span` that expired before `nowMs`,
 * looking at MAX_TOKEN_GC_SCAN records at most, from `from` on.
 */
export async function expiredTokenRecords(store: KvStore, span: KeySpan, nowMs: number, from: Buffer | undefined): Promise<ExpiredTokens> {
  const expired: ExpiredTokens['expired'] = [];
  const bounds = tokenRecordBounds(span);
  if (from !== undefined) bounds.gte = from;
  let scanned = 0;
  for await (const [key, value] of store.iterate(bounds)) {
    if (scanned++ >= MAX_TOKEN_GC_SCAN) return { expired, next: Buffer.from(key) };
    const primary = Buffer.from(tokenRecordPrimary(key));
    // The bounds may hold a record of a neighbour's item (one that is a prefix of `span.start`): not ours.
    if (!spanContains(span, primary)) continue;
    if (nowMs - decodeToken(value).atMs > TOKEN_TTL_MS) expired.push({ key: Buffer.from(key), primary });
  }
  return { expired, next: undefined };
}

/** Whether the record at `key` is still an expired one (checked again under the latch before it is deleted). */
export async function tokenRecordExpired(store: KvStore, key: Buffer, nowMs: number): Promise<boolean> {
  const value = await store.get(key);
  return value !== undefined && nowMs - decodeToken(value).atMs > TOKEN_TTL_MS;
}

function decodeToken(value: Buffer): StoredToken {
  const stored = unpack(value) as Partial<StoredToken>;
  if (typeof stored.fingerprint !== 'string' || typeof stored.atMs !== 'number') {
    throw new InternalError('corrupt request-token record');
  }
  return stored as StoredToken;
}

/** One node's calls in flight and tokens it committed lately (the record on the range is the authority). */
export class RequestTokens {
  private readonly cache = new Map<string, { fingerprint: string; atMs: number }>();
  private readonly inFlight = new Map<string, string>();

  constructor(
    private readonly nowMs: () => number = Date.now,
    private readonly maxCached = MAX_CACHED_TOKENS,
  ) {}

  /** A stable digest of the parts of a request that must match on retry. */
  static fingerprint(request: unknown): string {
    return createHash('sha256').update(canonicalJson(request)).digest('base64');
  }

  /** The token of a call arriving now. */
  token(value: string, fingerprint: string): RequestToken {
    return { value, fingerprint, atMs: this.nowMs() };
  }

  /**
   * Claims `token` on this node. Returns 'replay' when this node committed
   * the same request within the TTL; otherwise 'new', and the caller must
   * run the call (whose range checks the replicated record) and then
   * `release` the token, whether or not it committed.
   */
  claim(token: RequestToken): TokenState {
    const running = this.inFlight.get(token.value);
    if (running !== undefined) {
      if (running !== token.fingerprint) throw new IdempotentParameterMismatchError();
      throw new TransactionInProgressError();
    }
    const cached = this.cache.get(token.value);
    if (cached !== undefined && token.atMs - cached.atMs <= TOKEN_TTL_MS) {
      if (cached.fingerprint !== token.fingerprint) throw new IdempotentParameterMismatchError();
      return 'replay';
    }
    this.inFlight.set(token.value, token.fingerprint);
    return 'new';
  }

  /**
   * Ends a claim; `committed` (this call wrote the transaction, not a replay)
   * caches the token so a retry is answered from memory.
   */
  release(token: RequestToken, committed: boolean): void {
    this.inFlight.delete(token.value);
    if (!committed) return;
    if (this.cache.size >= this.maxCached) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.delete(token.value);
    this.cache.set(token.value, { fingerprint: token.fingerprint, atMs: token.atMs });
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
