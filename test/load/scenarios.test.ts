import t from 'tap';
import { HOT_KEYS, MIXED_GET_SHARE, SCENARIOS } from '../../load/scenarios/catalog.js';
import { ITEM_TARGET_BYTES, itemOf } from '../../load/scenarios/items.js';
import { classifyResponse, errorTypeOf, SCENARIO_NAMES, type ScenarioContext } from '../../load/scenarios/scenario.js';

/** A small deterministic generator (mulberry32), so the shares below are reproducible. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x ^= x + Math.imul(x ^ (x >>> 7), 61 | x);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const context = (seed = 1): ScenarioContext => ({ runPrefix: 'run', preloadedKeys: 100, random: seeded(seed) });
const parse = (body: string) => JSON.parse(body) as Record<string, unknown>;

t.test('every scenario name has a scenario', async (t) => {
  t.same(Object.keys(SCENARIOS).sort(), [...SCENARIO_NAMES].sort());
});

t.test('put sends distinct keys of ~200 B items and marks each for --check', async (t) => {
  const next = SCENARIOS.put.generator(context());
  const requests = Array.from({ length: 1000 }, next);
  const keys = requests.map((request) => request.ackKey);
  t.equal(new Set(keys).size, 1000);
  t.ok(requests.every((request) => request.operation === 'PutItem'));
  const item = (parse(requests[0]!.body).Item ?? {}) as Record<string, { S?: string }>;
  t.equal(item.pk?.S, keys[0]);
  const size = JSON.stringify(itemOf('run-123')).length;
  t.ok(size > ITEM_TARGET_BYTES * 0.8 && size < ITEM_TARGET_BYTES * 1.5, `item JSON is ${size} bytes`);
});

t.test('get reads preloaded keys only, spread over the whole set', async (t) => {
  const next = SCENARIOS.get.generator(context());
  const seen = new Set<string>();
  const requests = Array.from({ length: 2000 }, next);
  t.ok(requests.every((request) => request.operation === 'GetItem'));
  for (const request of requests) seen.add((parse(request.body).Key as { pk: { S: string } }).pk.S);
  t.ok([...seen].every((key) => /^pre-\d+$/.test(key) && Number(key.slice(4)) < 100));
  t.ok(seen.size > 95, `uniform over 100 keys: saw ${seen.size}`);
  t.throws(() => SCENARIOS.get.generator({ ...context(), preloadedKeys: 0 })(), RangeError);
});

t.test('mixed is about 90% gets and 10% puts', async (t) => {
  const next = SCENARIOS.mixed.generator(context(7));
  const n = 5000;
  const gets = Array.from({ length: n }, next).filter((request) => request.operation === 'GetItem').length;
  t.ok(Math.abs(gets / n - MIXED_GET_SHARE) < 0.02, `get share ${gets / n}`);
});

t.test('txn writes two different fresh keys; txn-contended two different hot keys', async (t) => {
  const pairs = (name: 'txn' | 'txn-contended') => {
    const requests = Array.from({ length: 500 }, SCENARIOS[name].generator(context(3)));
    t.ok(requests.every((request) => request.operation === 'TransactWriteItems'));
    const itemLists = requests.map((request) => parse(request.body).TransactItems as { Put: { Item: { pk: { S: string } } } }[]);
    t.ok(itemLists.every((items) => items.length === 2));
    return itemLists.map((items) => items.map((item) => item.Put.Item.pk.S));
  };
  const fresh = pairs('txn');
  t.ok(fresh.every(([a, b]) => a !== b));
  t.equal(new Set(fresh.flat()).size, 1000, 'no key reused across transactions');
  const hot = pairs('txn-contended');
  t.ok(hot.every(([a, b]) => a !== b));
  t.equal(new Set(hot.flat()).size, HOT_KEYS, 'all hot keys used, no others');
});

t.test('responses are ok, expected conflicts, or errors', async (t) => {
  t.equal(classifyResponse(200, '{}'), 'ok');
  t.equal(classifyResponse(400, '{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","message":"x"}'), 'conflict');
  t.equal(classifyResponse(400, '{"__type":"com.amazonaws.dynamodb.v20120810#TransactionConflictException"}'), 'conflict');
  t.equal(classifyResponse(400, '{"__type":"com.amazonaws.dynamodb.v20120810#ValidationException"}'), 'error');
  t.equal(classifyResponse(500, '{"__type":"TransactionConflictException"}'), 'error', 'a 5xx is never an expected conflict');
  t.equal(errorTypeOf('{"__type":"com.amazon.coral.service#UnknownOperationException"}'), 'UnknownOperationException');
  t.equal(errorTypeOf('{"__type":"ResourceInUseException"}'), 'ResourceInUseException');
  t.equal(errorTypeOf('{}'), undefined);
});
