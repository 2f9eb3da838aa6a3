/**
 * The requests the etcd peer gets, through its v3 JSON gateway: `put` is
 * POST /v3/kv/put {key, value} on distinct keys (the value is the same
 * ~200 B item ours stores, as JSON), `get` is POST /v3/kv/range {key} of a
 * uniformly random preloaded key (linearizable: etcd's default, no
 * `serializable`). Keys and values are base64, as the gateway wants.
 * Other scenarios have no etcd counterpart. Pure functions.
 */
import { freshKeys, randomPreloaded } from '../scenarios/catalog.js';
import { itemOf, preloadKey } from '../scenarios/items.js';
import type { ScenarioContext, ScenarioName } from '../scenarios/scenario.js';
import type { Classified } from './protocol.js';

export const ETCD_PUT_PATH = '/v3/kv/put';
export const ETCD_RANGE_PATH = '/v3/kv/range';
export const ETCD_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/json' };

export interface EtcdRequest {
  path: string;
  body: string;
  /** Set on puts: the key --check reads back once acknowledged. */
  ackKey?: string;
}

export function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** The value stored under `key`: the item ours stores, as JSON (~ITEM_TARGET_BYTES). */
export function etcdValueOf(key: string): string {
  return JSON.stringify(itemOf(key));
}

export function etcdPutBody(key: string): string {
  return JSON.stringify({ key: base64(key), value: base64(etcdValueOf(key)) });
}

export function etcdRangeBody(key: string): string {
  return JSON.stringify({ key: base64(key) });
}

export function etcdPut(key: string): EtcdRequest {
  return { path: ETCD_PUT_PATH, body: etcdPutBody(key), ackKey: key };
}

export function etcdRange(key: string): EtcdRequest {
  return { path: ETCD_RANGE_PATH, body: etcdRangeBody(key) };
}

/** The preloaded key set `get` reads: the same names as ours (preloadKey). */
export function etcdPreload(i: number): EtcdRequest {
  return etcdPut(preloadKey(i));
}

type EtcdGenerator = (context: ScenarioContext) => () => EtcdRequest;

export const ETCD_SCENARIOS: Partial<Record<ScenarioName, EtcdGenerator>> = {
  put: (context) => {
    const nextKey = freshKeys(context);
    return () => etcdPut(nextKey());
  },
  get: (context) => () => etcdRange(randomPreloaded(context)),
};

/** Why a scenario does not run on etcd, or undefined when it does. */
export function etcdNotApplicable(scenario: ScenarioName): string | undefined {
  if (ETCD_SCENARIOS[scenario] !== undefined) return undefined;
  return `not applicable to etcd (only ${Object.keys(ETCD_SCENARIOS).join(' and ')} have an etcd counterpart)`;
}

/** 2xx is an answer; the gateway reports gRPC errors as non-2xx with `{"error", "code"}`. */
export function classifyEtcdResponse(status: number, body: string): Classified {
  if (status >= 200 && status < 300) return { outcome: 'ok', type: `${status}` };
  const code = /"code"\s*:\s*(\d+)/.exec(body)?.[1];
  return { outcome: 'error', type: `${status} ${code === undefined ? 'unknown' : `etcd code ${code}`}` };
}

/** Whether a /v3/kv/range answer holds the key (its `kvs` is absent when not found). */
export function rangeFound(body: string): boolean {
  const parsed = JSON.parse(body) as { kvs?: unknown[] };
  return Array.isArray(parsed.kvs) && parsed.kvs.length > 0;
}
