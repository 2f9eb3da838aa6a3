/**
 * Signed requests, made ahead of time. autocannon's setupRequest is
 * synchronous and SigV4 signing with @smithy/signature-v4 is asynchronous
 * (and costs ~0.1 ms), so requests are signed into a bounded FIFO before and
 * during the run, and setupRequest only takes one. If the FIFO runs dry the
 * previous request is sent again and counted as `reused`: a run with reuses
 * was limited by signing, and the report says so.
 */
import type { PlannedRequest } from '../scenarios/scenario.js';
import type { RequestSigner, SignedHeaders } from './request-signer.js';

/** The FIFO never holds more than this many signed requests. */
export const SIGNED_POOL_MAX = 20_000;
/** Requests signed in one background step before yielding to the event loop. */
export const SIGN_BATCH = 32;
/** How long the background refill sleeps when it has nothing to do. */
export const REFILL_IDLE_MS = 5;
/**
 * The background refill keeps this many requests ready and signs only what
 * was taken below it: a pool filled for the whole run costs no signing
 * inside it, and one filled short signs about what the run takes, not more
 * (signing is the load generator's CPU, on the machine being measured).
 */
export const REFILL_LOW_WATER = 1_000;

export interface SignedRequest extends PlannedRequest {
  headers: SignedHeaders;
}

export interface PoolStats {
  signed: number;
  taken: number;
  reused: number;
  /** Time spent signing, for the cost per request. */
  signingMs: number;
}

export class SignedRequestPool {
  readonly #signer: RequestSigner;
  readonly #next: () => PlannedRequest;
  readonly #capacity: number;
  #queue: SignedRequest[] = [];
  #head = 0;
  #last: SignedRequest | undefined;
  #refilling = false;
  #stopped = false;
  readonly stats: PoolStats = { signed: 0, taken: 0, reused: 0, signingMs: 0 };

  constructor(signer: RequestSigner, next: () => PlannedRequest, capacity = SIGNED_POOL_MAX) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > SIGNED_POOL_MAX) throw new RangeError(`capacity must be in 1..${SIGNED_POOL_MAX}`);
    this.#signer = signer;
    this.#next = next;
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#queue.length - this.#head;
  }

  /** Signs until `count` requests (at most the capacity) are ready. */
  async fill(count: number, onProgress?: (ready: number) => void): Promise<void> {
    const target = Math.min(count, this.#capacity);
    while (this.size < target && !this.#stopped) {
      await this.#signBatch(Math.min(SIGN_BATCH, target - this.size));
      onProgress?.(this.size);
    }
  }

  /** Keeps at least REFILL_LOW_WATER (or the capacity) requests ready, in the background, until stop(). */
  startRefill(): void {
    if (this.#refilling) return;
    this.#refilling = true;
    const floor = Math.min(REFILL_LOW_WATER, this.#capacity);
    const step = (): void => {
      if (this.#stopped) return;
      const missing = floor - this.size;
      if (missing <= 0) {
        setTimeout(step, REFILL_IDLE_MS);
        return;
      }
      // setImmediate lets autocannon's sockets run between batches.
      this.#signBatch(Math.min(SIGN_BATCH, missing)).then(
        () => setImmediate(step),
        () => setImmediate(step),
      );
    };
    step();
  }

  stop(): void {
    this.#stopped = true;
  }

  /** The next signed request; never waits. */
  take(): SignedRequest {
    if (this.#head < this.#queue.length) {
      const request = this.#queue[this.#head++] as SignedRequest;
      this.#compact();
      this.stats.taken++;
      this.#last = request;
      return request;
    }
    if (!this.#last) throw new PoolEmptyError();
    this.stats.reused++;
    return this.#last;
  }

  async #signBatch(count: number): Promise<void> {
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      const planned = this.#next();
      const headers = await this.#signer.sign(planned.operation, planned.body);
      this.#queue.push({ ...planned, headers });
      this.stats.signed++;
    }
    this.stats.signingMs += performance.now() - started;
  }

  /** Drops taken entries once they are half the array, so memory stays bounded by the capacity. */
  #compact(): void {
    if (this.#head > this.#capacity / 2 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}

export class PoolEmptyError extends Error {
  override name = 'PoolEmptyError';
  constructor() {
    super('no signed request is ready: fill() the pool before the run');
  }
}
