/**
 * The scenarios of the issue: put (distinct keys), get (uniform over the
 * preloaded keys), mixed (90/10 get/put), txn (2-item TransactWriteItems on
 * fresh keys of different partitions), txn-contended (2 of HOT_KEYS hot keys,
 * conflicts expected) and query (one preloaded partition per request).
 */
import { getBody, preloadKey, putBody, queryBody, txnBody } from './items.js';
import type { PlannedRequest, Scenario, ScenarioContext, ScenarioName } from './scenario.js';

/** The share of gets in `mixed`. */
export const MIXED_GET_SHARE = 0.9;
/** How many keys txn-contended fights over. */
export const HOT_KEYS = 8;

/** A uniformly random preloaded key (shared with the etcd requests, which read the same key set). */
export function randomPreloaded(context: ScenarioContext): string {
  if (context.preloadedKeys < 1) throw new RangeError('this scenario needs preloaded keys');
  return preloadKey(Math.floor(context.random() * context.preloadedKeys));
}

/** Distinct keys for one run: `<runPrefix>-0`, `<runPrefix>-1`, ... */
export function freshKeys(context: ScenarioContext): () => string {
  let sequence = 0;
  return () => `${context.runPrefix}-${sequence++}`;
}

function putGenerator(context: ScenarioContext): () => PlannedRequest {
  const nextKey = freshKeys(context);
  return () => {
    const pk = nextKey();
    return { operation: 'PutItem', body: putBody(pk), ackKey: pk };
  };
}

export const SCENARIOS: Record<ScenarioName, Scenario> = {
  put: {
    name: 'put',
    description: 'PutItem of ~200 B items, every key distinct',
    needsPreload: false,
    requiredOperation: 'PutItem',
    generator: putGenerator,
  },
  get: {
    name: 'get',
    description: 'GetItem (ConsistentRead) of a uniformly random preloaded key',
    needsPreload: true,
    requiredOperation: 'GetItem',
    generator: (context) => () => ({ operation: 'GetItem', body: getBody(randomPreloaded(context)) }),
  },
  mixed: {
    name: 'mixed',
    description: '90% GetItem of preloaded keys, 10% PutItem of distinct keys',
    needsPreload: true,
    requiredOperation: 'GetItem',
    generator: (context) => {
      const nextPut = putGenerator(context);
      return () =>
        context.random() < MIXED_GET_SHARE ? { operation: 'GetItem', body: getBody(randomPreloaded(context)) } : nextPut();
    },
  },
  txn: {
    name: 'txn',
    description: 'TransactWriteItems of 2 Puts on fresh keys in different partitions',
    needsPreload: false,
    requiredOperation: 'TransactWriteItems',
    generator: (context) => {
      let sequence = 0;
      return () => {
        const n = sequence++;
        return { operation: 'TransactWriteItems', body: txnBody(`${context.runPrefix}-${n}-a`, `${context.runPrefix}-${n}-b`) };
      };
    },
  },
  'txn-contended': {
    name: 'txn-contended',
    description: `TransactWriteItems of 2 Puts on 2 of ${HOT_KEYS} hot keys (conflicts expected)`,
    needsPreload: false,
    requiredOperation: 'TransactWriteItems',
    generator: (context) => () => {
      const a = Math.floor(context.random() * HOT_KEYS);
      // A different second key: skip over `a` in the remaining HOT_KEYS - 1.
      const offset = 1 + Math.floor(context.random() * (HOT_KEYS - 1));
      const b = (a + offset) % HOT_KEYS;
      return { operation: 'TransactWriteItems', body: txnBody(`hot-${a}`, `hot-${b}`) };
    },
  },
  query: {
    name: 'query',
    description: 'Query of one preloaded partition',
    needsPreload: true,
    requiredOperation: 'Query',
    generator: (context) => () => ({ operation: 'Query', body: queryBody(randomPreloaded(context)) }),
  },
};
