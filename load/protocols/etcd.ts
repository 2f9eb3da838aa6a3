/**
 * etcd as a load target, through its v3 JSON gateway (etcd-requests.ts):
 * the keys `get` reads are preloaded through the first member, requests are
 * built as they are sent (nothing to sign, ~microseconds each), any member
 * serves any request (a follower forwards writes and linearizable reads to
 * the leader, as our nodes do), and --check ranges every acknowledged key.
 */
import { forEachBounded } from '../dynamo-http.js';
import { progressBar } from '../measure/progress.js';
import type { Target } from '../peers/targets.js';
import { PRELOAD_CONCURRENCY, readBack, type CheckResult } from '../table-setup.js';
import { SCENARIOS } from '../scenarios/catalog.js';
import type { ScenarioName } from '../scenarios/scenario.js';
import { classifyEtcdResponse, ETCD_HEADERS, ETCD_SCENARIOS, etcdNotApplicable, etcdPreload, etcdRange, rangeFound, type EtcdRequest } from './etcd-requests.js';
import type { LoadProtocol, OutgoingRequest, RunRequests, RunRequestsSpec } from './protocol.js';

/** One setup call (preload, check) may not take longer than this. */
export const ETCD_CALL_TIMEOUT_MS = 10_000;

export class EtcdCallError extends Error {
  override name = 'EtcdCallError';
}

/** Sends one request to a member; throws EtcdCallError on a non-2xx answer. Returns the body. */
export async function etcdCall(endpoint: string, request: EtcdRequest): Promise<string> {
  const response = await fetch(`${endpoint}${request.path}`, {
    method: 'POST',
    headers: ETCD_HEADERS,
    body: request.body,
    signal: AbortSignal.timeout(ETCD_CALL_TIMEOUT_MS),
  });
  const body = await response.text();
  if (response.status < 200 || response.status >= 300) throw new EtcdCallError(`${request.path} answered ${response.status}: ${body.slice(0, 300)}`);
  return body;
}

const firstEndpoint = (target: Target) => target.endpoints[0] as string;

async function prepare(scenario: ScenarioName, target: Target, preloadKeys: number, preloaded: Set<string>): Promise<string | undefined> {
  const reason = etcdNotApplicable(scenario);
  if (reason !== undefined) return reason;
  if (SCENARIOS[scenario].needsPreload && !preloaded.has(target.name)) {
    await forEachBounded(preloadKeys, PRELOAD_CONCURRENCY, async (i) => void (await etcdCall(firstEndpoint(target), etcdPreload(i))), progressBar(`preload ${target.name}`, preloadKeys));
    preloaded.add(target.name);
  }
  return undefined;
}

async function open(spec: RunRequestsSpec): Promise<RunRequests> {
  const generator = ETCD_SCENARIOS[spec.scenario];
  if (generator === undefined) throw new RangeError(`${spec.scenario}: ${etcdNotApplicable(spec.scenario)}`);
  const next = generator(spec.context);
  const headers = { ...ETCD_HEADERS };
  return {
    take: (): OutgoingRequest => ({ ...next(), headers }),
    finish: () => ({ signed: 0, signingMs: 0, signedDuringRun: 0, reused: 0 }),
  };
}

function check(target: Target, keys: readonly string[], label: string): Promise<CheckResult> {
  return readBack(keys, label, async (key) => rangeFound(await etcdCall(firstEndpoint(target), etcdRange(key))));
}

export const ETCD_PROTOCOL: LoadProtocol = { prepare, open, classify: classifyEtcdResponse, check };
