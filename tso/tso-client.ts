/**
 * The per-node TSO client (the engine's TimestampSource). At most ONE
 * GetTimestamps request is in flight at a time; callers that arrive
 * meanwhile wait in a bounded queue and are all served from the next range
 * (FoundationDB's GRV batching). The in-flight request finds the leader
 * itself: a NotLeader answer with a hint goes straight to the hinted replica,
 * anything else tries the next replica after a backoff, with a bounded
 * number of attempts. Each caller has its own deadline.
 *
 * Callers are served in arrival order from ascending ranges, so a caller
 * that starts after another one's now() resolved always gets a larger
 * timestamp (the oracle guarantees it across ranges). A range is never kept
 * for callers that arrive after its request was sent: a timestamp drawn
 * before a caller arrived may be below one another node handed out since,
 * and a transaction starting after that node's commit must see it.
 *
 * The per-caller cost is what bounds the tail at 1024 callers (every one of
 * them is woken up once per round): a caller is four fields and a promise,
 * and deadlines share ONE timer, armed for the oldest waiting caller (all
 * callers have the same deadline, so the oldest expires first).
 *
 * For the metrics the client keeps two histograms: the size of each request
 * (one observation per request) and each served caller's wait, from now() to
 * the range's arrival. The wait costs no clock read per caller: a caller's
 * arrival is its deadline less the call deadline, and one performance.now()
 * per range serves the whole batch.
 */
import { performance } from 'node:perf_hooks';
import type { TimestampSource } from '../engine/timestamp-source.js';
import { DEFAULT_MAX_BATCH } from './allocator.js';
import { BucketCounts } from './bucket-counts.js';
import type { TsoChannel } from './channel.js';
import { TsoClosedError, TsoDeadlineError, TsoError, TsoNotLeaderError, TsoOverloadedError, TsoUnavailableError, TsoUnreachableError } from './errors.js';
import type { Timestamp } from './timestamp.js';

export const DEFAULT_MAX_QUEUED_CALLERS = 16_384;
export const DEFAULT_CALL_DEADLINE_MS = 5_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 1_000;
/** Attempts one batch makes (across replicas) before its callers are failed. */
export const DEFAULT_MAX_ATTEMPTS = 40;
export const DEFAULT_BACKOFF_MIN_MS = 5;
export const DEFAULT_BACKOFF_MAX_MS = 200;
/** Upper bounds (ms) of the wait histogram: a local oracle answers in tens of microseconds, a failover takes up to the call deadline. */
export const TSO_WAIT_BUCKETS_MS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];
/** Upper bounds of the request-size histogram: timestamps one request asked for (the callers it served). */
export const TSO_BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384];

export interface TsoClientOptions {
  channel: TsoChannel;
  /** Serve every queued caller from one request (default). Off: one request per caller, for comparison. */
  batching?: boolean;
  /** Most timestamps one request asks for (the server's allocator limit). */
  maxBatch?: number;
  maxQueuedCallers?: number;
  callDeadlineMs?: number;
  requestTimeoutMs?: number;
  maxAttempts?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
}

interface Caller {
  resolve: (ts: Timestamp) => void;
  reject: (err: Error) => void;
  /** performance.now() at which the caller gets TsoDeadlineError. */
  deadlineAt: number;
  settled: boolean;
}

export interface TsoClientStats {
  requests: number;
  attempts: number;
  served: number;
  expired: number;
  rejected: number;
}

export class TsoClient implements TimestampSource {
  private queue: Caller[] = [];
  /** The callers of the request in flight (older than every queued one). */
  private inFlightBatch: Caller[] = [];
  private inFlight = false;
  /** Fires at the oldest waiting caller's deadline. */
  private deadlineTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The replica believed to lead; the first replica until we learn better. */
  private target: number;
  private readonly o: Required<Omit<TsoClientOptions, 'channel'>>;
  readonly stats: TsoClientStats = { requests: 0, attempts: 0, served: 0, expired: 0, rejected: 0 };
  /** Timestamps each answered request carried (one observation per request). */
  readonly batchSizes = new BucketCounts(TSO_BATCH_BUCKETS);
  /** How long each served caller waited for its timestamp, ms. */
  readonly waitsMs = new BucketCounts(TSO_WAIT_BUCKETS_MS);

  private readonly channel: TsoChannel;

  constructor(options: TsoClientOptions) {
    this.channel = options.channel;
    this.target = options.channel.replicas[0] ?? 0;
    this.o = {
      batching: options.batching ?? true,
      maxBatch: options.maxBatch ?? DEFAULT_MAX_BATCH,
      maxQueuedCallers: options.maxQueuedCallers ?? DEFAULT_MAX_QUEUED_CALLERS,
      callDeadlineMs: options.callDeadlineMs ?? DEFAULT_CALL_DEADLINE_MS,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      backoffMinMs: options.backoffMinMs ?? DEFAULT_BACKOFF_MIN_MS,
      backoffMaxMs: options.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS,
    };
  }

  /** The replica this client currently sends to. */
  get leaderGuess(): number {
    return this.target;
  }

  now(): Promise<Timestamp> {
    if (this.closed) return Promise.reject(new TsoClosedError('TSO client closed'));
    if (this.queue.length >= this.o.maxQueuedCallers) {
      this.stats.rejected++;
      return Promise.reject(new TsoOverloadedError(`more than ${this.o.maxQueuedCallers} callers waiting for timestamps`));
    }
    const promise = new Promise<Timestamp>(captureResolvers);
    this.queue.push({ resolve: captured.resolve, reject: captured.reject, deadlineAt: performance.now() + this.o.callDeadlineMs, settled: false });
    if (this.deadlineTimer === undefined) this.armDeadline();
    this.pump();
    return promise;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    for (const c of this.queue) settle(c, new TsoClosedError('TSO client closed'));
    this.queue = [];
    this.channel.close();
  }

  private pump(): void {
    if (this.inFlight || this.closed || this.queue.length === 0) return;
    let batch: Caller[];
    if (this.o.batching && this.queue.length <= this.o.maxBatch) {
      batch = this.queue;
      this.queue = [];
    } else {
      batch = this.queue.splice(0, this.o.batching ? this.o.maxBatch : 1);
    }
    this.inFlight = true;
    this.inFlightBatch = batch;
    void this.fetch(batch).finally(() => {
      this.inFlight = false;
      this.inFlightBatch = [];
      this.pump();
    });
  }

  /** Arms the one deadline timer for the oldest caller still waiting, if any. */
  private armDeadline(): void {
    const oldest = this.inFlightBatch.find((c) => !c.settled) ?? this.queue[0];
    if (oldest === undefined || this.closed) return;
    this.deadlineTimer = setTimeout(() => {
      this.deadlineTimer = undefined;
      this.expireCallers();
      this.armDeadline();
    }, Math.max(0, oldest.deadlineAt - performance.now()));
    // A waiting caller always has a request in flight (socket, retry timer) keeping the process alive; this timer
    // must not keep an idle client's process alive for up to a deadline after its last call.
    this.deadlineTimer.unref();
  }

  /** Fails every caller whose deadline passed: a prefix of the in-flight batch, then of the queue (arrival order). */
  private expireCallers(): void {
    const now = performance.now();
    const err = new TsoDeadlineError(`no timestamp within ${this.o.callDeadlineMs} ms`);
    for (const c of this.inFlightBatch) {
      if (c.deadlineAt > now) return;
      if (!c.settled) this.stats.expired++;
      settle(c, err); // its timestamp, if the request still succeeds, is skipped: gaps are harmless, reuse is not
    }
    let expired = 0;
    while (expired < this.queue.length && this.queue[expired]!.deadlineAt <= now) settle(this.queue[expired++]!, err);
    this.stats.expired += expired;
    if (expired > 0) this.queue.splice(0, expired);
  }

  /** One batch: ask until some replica answers with a range, or attempts/callers run out. */
  private async fetch(batch: Caller[]): Promise<void> {
    this.stats.requests++;
    let backoffMs = this.o.backoffMinMs;
    // Built only when no attempt succeeds: an Error's stack capture was ~6% of an embedded put's CPU.
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < this.o.maxAttempts && !this.closed; attempt++) {
      if (batch.every((c) => c.settled)) return; // everyone gave up: do not burn a range
      this.stats.attempts++;
      try {
        const range = await this.channel.getTimestamps(this.target, batch.length, this.o.requestTimeoutMs);
        this.batchSizes.observe(batch.length);
        // A caller's wait is now - (deadlineAt - callDeadlineMs): one clock read serves the batch.
        const nowPlusDeadlineMs = performance.now() + this.o.callDeadlineMs;
        let ts = range.first;
        for (const c of batch) {
          // Expired callers' timestamps are simply skipped: gaps are harmless, reuse is not.
          if (!c.settled) {
            this.stats.served++;
            this.waitsMs.observe(nowPlusDeadlineMs - c.deadlineAt);
          }
          settle(c, ts++);
        }
        return;
      } catch (err) {
        if (!(err instanceof TsoError) || err.code === 'Invalid' || err.code === 'Closed') {
          lastError = err as Error;
          break;
        }
        lastError = err;
        if (err instanceof TsoNotLeaderError && err.leader !== 0 && err.leader !== this.target && this.channel.replicas.includes(err.leader)) {
          this.target = err.leader; // a fresh hint: follow it at once
          continue;
        }
        // No leader known, or the replica is gone: try the next one. A leader that is not ready yet is asked again.
        if (err instanceof TsoNotLeaderError || err instanceof TsoUnreachableError) this.rotateTarget();
        await sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, this.o.backoffMaxMs);
      }
    }
    const failure = lastError ?? new TsoUnavailableError('no TSO replica answered');
    for (const c of batch) settle(c, failure);
  }

  private rotateTarget(): void {
    const replicas = this.channel.replicas;
    const at = replicas.indexOf(this.target);
    this.target = replicas[(at + 1) % replicas.length] ?? this.target;
  }
}

/** The executor of every now() promise: one shared function instead of a closure per caller (less garbage per round). */
const captured: Pick<Caller, 'resolve' | 'reject'> = { resolve: () => undefined, reject: () => undefined };
function captureResolvers(resolve: (ts: Timestamp) => void, reject: (err: Error) => void): void {
  captured.resolve = resolve;
  captured.reject = reject;
}

function settle(c: Caller, outcome: Timestamp | Error): void {
  if (c.settled) return;
  c.settled = true;
  if (outcome instanceof Error) c.reject(outcome);
  else c.resolve(outcome);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
