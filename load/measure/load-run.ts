/**
 * One measured run: autocannon against one target for a bounded time and a
 * bounded number of requests, every request a fresh signed body from the
 * pool, every response classified (ok / expected conflict / error), and the
 * keys of acknowledged PutItems kept for --check.
 */
import autocannon from 'autocannon';
import { classifyResponse, errorTypeOf } from '../scenarios/scenario.js';
import type { RunNumbers } from '../report/summary.js';
import type { SignedRequest, SignedRequestPool } from '../signing/signed-pool.js';
import { readRssBytes, RssSampler } from './rss-sampler.js';
import { secondLine } from './progress.js';

/** A run stops after this many requests even if its time is not up. */
export const MAX_REQUESTS_PER_RUN = 2_000_000;
/** Acknowledged keys kept for --check; past it the check covers a prefix and says so. */
export const ACKED_KEYS_MAX = 1_000_000;
/** autocannon gets this long past its duration before we stop it ourselves. */
export const RUN_GRACE_MS = 15_000;
/** Per-request timeout (autocannon counts it as an error). */
export const REQUEST_TIMEOUT_S = 10;
/** Distinct error types remembered per run, for the report. */
const ERROR_TYPES_MAX = 20;

export interface RunSettings {
  endpoint: string;
  durationS: number;
  connections: number;
  /** Label of the per-second progress line. */
  label: string;
  /** Server pid to sample RSS from. */
  pid?: number;
}

export interface RunMeasurement extends RunNumbers {
  ackedKeys: string[];
  ackedKeysTruncated: boolean;
}

interface ConnectionContext {
  request?: SignedRequest;
}

export async function measureRun(settings: RunSettings, pool: SignedRequestPool): Promise<RunMeasurement> {
  let ok = 0;
  let conflicts = 0;
  let httpErrors = 0;
  const errorTypes: Record<string, number> = {};
  const ackedKeys: string[] = [];
  let ackedKeysTruncated = false;
  const sampler = settings.pid === undefined ? undefined : new RssSampler(settings.pid);

  let finish: (error: Error | null, result: autocannon.Result) => void = () => undefined;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    finish = (error, result) => (error ? reject(error) : resolve(result));
  });
  const instance = autocannon({
    url: settings.endpoint,
    connections: settings.connections,
    pipelining: 1,
    duration: settings.durationS,
    maxOverallRequests: MAX_REQUESTS_PER_RUN,
    timeout: REQUEST_TIMEOUT_S,
    requests: [
      {
        method: 'POST',
        path: '/',
        setupRequest: (request, context) => {
          const signed = pool.take();
          (context as ConnectionContext).request = signed;
          return { ...request, method: 'POST', path: '/', headers: signed.headers, body: signed.body };
        },
        onResponse: (status, body, context) => {
          const sent = (context as ConnectionContext).request;
          const outcome = classifyResponse(status, body);
          if (outcome === 'ok') {
            ok++;
            if (sent?.ackKey !== undefined) {
              if (ackedKeys.length < ACKED_KEYS_MAX) ackedKeys.push(sent.ackKey);
              else ackedKeysTruncated = true;
            }
            return;
          }
          if (outcome === 'conflict') conflicts++;
          else httpErrors++;
          const type = `${status} ${errorTypeOf(body) ?? 'unknown'}`;
          if (type in errorTypes || Object.keys(errorTypes).length < ERROR_TYPES_MAX) errorTypes[type] = (errorTypes[type] ?? 0) + 1;
        },
      },
    ],
  }, (error, result) => finish(error, result));

  let second = 0;
  // @types/autocannon declares 'tick' without its argument; autocannon passes { counter, bytes }.
  instance.on('tick', (...args: unknown[]) => {
    const tick = args[0] as { counter: number };
    second++;
    secondLine(settings.label, second, tick.counter, settings.pid === undefined ? undefined : readRssBytes(settings.pid));
  });
  sampler?.start();
  const watchdog = setTimeout(() => instance.stop(), settings.durationS * 1000 + RUN_GRACE_MS);
  let result: autocannon.Result;
  try {
    result = await finished;
  } finally {
    clearTimeout(watchdog);
  }
  const peakRssBytes = sampler?.stop();
  const socketErrors = result.errors + result.timeouts;
  if (socketErrors > 0) errorTypes['socket errors/timeouts'] = socketErrors;
  const durationS = result.duration;
  return {
    requests: result.requests.total,
    durationS,
    // Answered requests: successes plus expected conflicts; errors do not count as throughput.
    reqPerSec: durationS > 0 ? (ok + conflicts) / durationS : 0,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    ok,
    conflicts,
    errors: httpErrors + socketErrors,
    errorTypes,
    ...(peakRssBytes === undefined ? {} : { peakRssBytes }),
    ackedKeys,
    ackedKeysTruncated,
  };
}
