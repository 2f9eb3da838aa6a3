/**
 * A minimal signed DynamoDB JSON client over node:http, for what happens
 * around the measured run (create the table, preload, read back in --check).
 * The measured requests themselves go through autocannon.
 */
import { Agent, request } from 'node:http';
import { endpointOf, RequestSigner } from './signing/request-signer.js';
import { errorTypeOf } from './scenarios/scenario.js';

/** One setup call may not take longer than this. */
export const CALL_TIMEOUT_MS = 10_000;
/** Sockets the setup client keeps open to one target. */
export const SETUP_SOCKETS_MAX = 64;

export class DynamoCallError extends Error {
  override name = 'DynamoCallError';
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly errorType: string | undefined,
    readonly body: string,
  ) {
    super(`${operation} answered ${status} ${errorType ?? ''}: ${body.slice(0, 300)}`);
  }
}

export interface CallResult {
  status: number;
  body: string;
}

export class DynamoHttpClient {
  readonly #signer: RequestSigner;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: SETUP_SOCKETS_MAX });
  readonly #url: URL;

  constructor(readonly endpoint: string) {
    this.#url = new URL(endpoint);
    this.#signer = new RequestSigner(endpointOf(endpoint));
  }

  /** Sends one operation; answers any status (no throw on 4xx/5xx). */
  async raw(operation: string, body: string): Promise<CallResult> {
    const headers = await this.#signer.sign(operation, body);
    return new Promise((resolve, reject) => {
      const req = request(
        { agent: this.#agent, hostname: this.#url.hostname, port: this.#url.port, method: 'POST', path: '/', headers, timeout: CALL_TIMEOUT_MS },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${operation} timed out after ${CALL_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Sends one operation; throws DynamoCallError on a non-2xx answer. */
  async call(operation: string, body: string): Promise<unknown> {
    const result = await this.raw(operation, body);
    if (result.status < 200 || result.status >= 300) throw new DynamoCallError(operation, result.status, errorTypeOf(result.body), result.body);
    return JSON.parse(result.body) as unknown;
  }

  close(): void {
    this.#agent.destroy();
  }
}

/**
 * Runs `work(i)` for i in [0, count) with at most `concurrency` in flight,
 * reporting progress; the first failure stops it.
 */
export async function forEachBounded(
  count: number,
  concurrency: number,
  work: (i: number) => Promise<void>,
  onProgress?: (done: number) => void,
): Promise<void> {
  let nextIndex = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (nextIndex < count) {
      const i = nextIndex++;
      await work(i);
      done++;
      onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
