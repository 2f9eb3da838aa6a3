/**
 * The DynamoDB JSON API (ours, dynalite, the Fastify ceiling): a table
 * created and preloaded through the first endpoint (any node of a cluster
 * serves any request), a probe that the target implements the scenario's
 * operation, and requests SigV4-signed ahead into one pool per endpoint
 * (the Host header is signed, so each endpoint gets its own).
 */
import { DynamoHttpClient } from '../dynamo-http.js';
import { progressBar } from '../measure/progress.js';
import type { Target } from '../peers/targets.js';
import { SCENARIOS } from '../scenarios/catalog.js';
import { classifyResponse, errorTypeOf, type ScenarioName } from '../scenarios/scenario.js';
import { endpointOf, RequestSigner } from '../signing/request-signer.js';
import { SIGNED_POOL_MAX, SignedRequestPool } from '../signing/signed-pool.js';
import { checkAcknowledged, ensureTable, preload, type CheckResult } from '../table-setup.js';
import { hostOf, type Classified, type LoadProtocol, type RunRequests, type RunRequestsSpec } from './protocol.js';

/** Uniform randomness for the probe's key choice (not security). */
const random = Math.random;

/** Presigned requests per endpoint: an equal share of the run's, within one pool's capacity. */
export function presignShare(expected: number, endpoints: number): number {
  return Math.min(Math.ceil(expected / endpoints), SIGNED_POOL_MAX);
}

async function withClient<T>(target: Target, use: (client: DynamoHttpClient) => Promise<T>): Promise<T> {
  const client = new DynamoHttpClient(target.endpoints[0] as string);
  try {
    return await use(client);
  } finally {
    client.close();
  }
}

async function prepare(scenario: ScenarioName, target: Target, preloadKeys: number, preloaded: Set<string>): Promise<string | undefined> {
  if (!target.storesData) return undefined;
  return withClient(target, async (client) => {
    await ensureTable(client);
    const definition = SCENARIOS[scenario];
    if (definition.needsPreload && !preloaded.has(target.name)) {
      await preload(client, preloadKeys, target.name);
      preloaded.add(target.name);
    }
    const probe = definition.generator({ runPrefix: `probe-${scenario}`, preloadedKeys: preloadKeys, random })();
    const answer = await client.raw(probe.operation, probe.body);
    if (errorTypeOf(answer.body) === 'UnknownOperationException') return `${target.name} does not implement ${probe.operation} (UnknownOperationException)`;
    return undefined;
  });
}

async function open(spec: RunRequestsSpec): Promise<RunRequests> {
  // One generator shared by the pools, so keys stay distinct across endpoints.
  const next = SCENARIOS[spec.scenario].generator(spec.context);
  const share = presignShare(spec.expected, spec.target.endpoints.length);
  const pools = new Map<string, SignedRequestPool>();
  for (const endpoint of spec.target.endpoints) pools.set(hostOf(endpoint), new SignedRequestPool(new RequestSigner(endpointOf(endpoint)), next));
  const presigned = share * pools.size;
  const bar = progressBar(`sign ${spec.label}`, presigned);
  let ready = 0;
  for (const pool of pools.values()) {
    await pool.fill(share, (size) => bar(ready + size));
    ready += pool.size;
  }
  for (const pool of pools.values()) pool.startRefill();
  return {
    take(host) {
      const pool = pools.get(host);
      // The runner gives autocannon exactly these endpoints: another host is a bug, not a fallback.
      if (pool === undefined) throw new RangeError(`no signed requests for host ${host}; endpoints are ${[...pools.keys()].join(', ')}`);
      return pool.take();
    },
    finish() {
      const cost = { signed: 0, signingMs: 0, signedDuringRun: 0, reused: 0 };
      for (const pool of pools.values()) {
        pool.stop();
        cost.signed += pool.stats.signed;
        cost.signingMs += pool.stats.signingMs;
        cost.reused += pool.stats.reused;
      }
      cost.signedDuringRun = Math.max(0, cost.signed - presigned);
      return cost;
    },
  };
}

function classify(status: number, body: string): Classified {
  return { outcome: classifyResponse(status, body), type: `${status} ${errorTypeOf(body) ?? 'unknown'}` };
}

function check(target: Target, keys: readonly string[], label: string): Promise<CheckResult> {
  return withClient(target, (client) => checkAcknowledged(client, keys, label));
}

export const DYNAMODB_PROTOCOL: LoadProtocol = { prepare, open, classify, check };
