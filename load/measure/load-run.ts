/**
 * One measured run: one autocannon instance against a target for a bounded
 * time and a bounded number of requests. A target with several endpoints (a
 * cluster) gets them all as autocannon's URL list: connection i goes to
 * endpoint i mod n, so 64 connections over 3 nodes are 22 + 21 + 21, and one
 * histogram gives the run's exact p50/p99. Every request is a fresh one from
 * the run's RunRequests for that connection's endpoint, every response is
 * classified (ok / expected conflict / error), and the keys of acknowledged
 * writes are kept for --check.
 */
import autocannon from 'autocannon';
import type { RunNumbers } from '../report/summary.js';
import { hostOf, type Classified, type OutgoingRequest, type RunRequests } from '../protocols/protocol.js';
import { readTotalRssBytes, RssSampler } from './rss-sampler.js';
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
  /** Every endpoint of the target; connections are spread over them in turn. */
  endpoints: readonly string[];
  durationS: number;
  connections: number;
  /** Label of the per-second progress line. */
  label: string;
  /** Server processes to sample RSS from (summed). */
  pids: readonly number[];
  classify: (status: number, body: string) => Classified;
}

export interface RunMeasurement extends RunNumbers {
  ackedKeys: string[];
  ackedKeysTruncated: boolean;
}

/** How autocannon spreads `connections` over `endpoints` (connection i to endpoint i mod n). */
export function connectionsPerEndpoint(connections: number, endpoints: number): number[] {
  if (!Number.isInteger(endpoints) || endpoints < 1) throw new RangeError(`endpoints must be a positive integer, not ${endpoints}`);
  return Array.from({ length: endpoints }, (_, i) => Math.floor(connections / endpoints) + (i < connections % endpoints ? 1 : 0));
}

interface ConnectionContext {
  request?: OutgoingRequest;
  host?: string;
}

export async function measureRun(settings: RunSettings, requests: RunRequests): Promise<RunMeasurement> {
  let ok = 0;
  let conflicts = 0;
  let httpErrors = 0;
  const errorTypes: Record<string, number> = {};
  const okPerEndpoint: Record<string, number> = Object.fromEntries(settings.endpoints.map((endpoint) => [hostOf(endpoint), 0]));
  const ackedKeys: string[] = [];
  let ackedKeysTruncated = false;
  const sampler = settings.pids.length === 0 ? undefined : new RssSampler(settings.pids);

  let finish: (error: Error | null, result: autocannon.Result) => void = () => undefined;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    finish = (error, result) => (error ? reject(error) : resolve(result));
  });
  const instance = autocannon(
    {
      // @types/autocannon declares one URL; autocannon 9 takes a list and deals connections over it.
      url: settings.endpoints as unknown as string,
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
            // autocannon fills `host` from the connection's URL (`hostname:port`).
            const host = (request as { host?: string }).host ?? '';
            const outgoing = requests.take(host);
            Object.assign(context as ConnectionContext, { request: outgoing, host });
            return { ...request, method: 'POST', path: outgoing.path ?? '/', headers: outgoing.headers, body: outgoing.body };
          },
          onResponse: (status, body, context) => {
            const { request: sent, host } = context as ConnectionContext;
            const classified = settings.classify(status, body);
            if (classified.outcome === 'ok') {
              ok++;
              if (host !== undefined) okPerEndpoint[host] = (okPerEndpoint[host] ?? 0) + 1;
              if (sent?.ackKey !== undefined) {
                if (ackedKeys.length < ACKED_KEYS_MAX) ackedKeys.push(sent.ackKey);
                else ackedKeysTruncated = true;
              }
              return;
            }
            if (classified.outcome === 'conflict') conflicts++;
            else httpErrors++;
            if (classified.type in errorTypes || Object.keys(errorTypes).length < ERROR_TYPES_MAX) errorTypes[classified.type] = (errorTypes[classified.type] ?? 0) + 1;
          },
        },
      ],
    },
    (error, result) => finish(error, result),
  );

  let second = 0;
  // @types/autocannon declares 'tick' without its argument; autocannon passes { counter, bytes }.
  instance.on('tick', (...args: unknown[]) => {
    const tick = args[0] as { counter: number };
    second++;
    secondLine(settings.label, second, tick.counter, settings.pids.length === 0 ? undefined : readTotalRssBytes(settings.pids));
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
    okPerEndpoint,
    ...(peakRssBytes === undefined ? {} : { peakRssBytes }),
    ackedKeys,
    ackedKeysTruncated,
  };
}
