import t from 'tap';
import {
  base64,
  classifyEtcdResponse,
  ETCD_PUT_PATH,
  ETCD_RANGE_PATH,
  ETCD_SCENARIOS,
  etcdNotApplicable,
  etcdPreload,
  etcdPutBody,
  etcdRangeBody,
  etcdValueOf,
  rangeFound,
} from '../../load/protocols/etcd-requests.js';
import { ITEM_TARGET_BYTES, preloadKey } from '../../load/scenarios/items.js';
import { SCENARIO_NAMES, type ScenarioContext } from '../../load/scenarios/scenario.js';

const decode = (text: string) => Buffer.from(text, 'base64').toString('utf8');
const parse = (body: string) => JSON.parse(body) as Record<string, string>;
/** Walks 0, 1/n, 2/n, ... so every preloaded key comes up in turn. */
function stepping(n: number): () => number {
  let i = 0;
  return () => (i++ % n) / n;
}
const context = (preloadedKeys = 10): ScenarioContext => ({ runPrefix: 'run', preloadedKeys, random: stepping(preloadedKeys) });

t.test('a put is {key, value} in base64, the value the ~200 B item ours stores', async (t) => {
  const body = parse(etcdPutBody('run-7'));
  t.same(Object.keys(body).sort(), ['key', 'value']);
  t.equal(decode(body.key!), 'run-7');
  t.equal(decode(body.value!), etcdValueOf('run-7'));
  const size = Buffer.byteLength(etcdValueOf('run-7'));
  t.ok(size > ITEM_TARGET_BYTES * 0.8 && size < ITEM_TARGET_BYTES * 1.5, `value is ${size} bytes`);
  t.equal(base64('é'), 'w6k=', 'UTF-8 before base64');
});

t.test('a range is {key} only: linearizable, etcd\'s default (no serializable flag)', async (t) => {
  t.same(parse(etcdRangeBody('pre-3')), { key: base64('pre-3') });
});

t.test('put sends distinct keys to /v3/kv/put and marks each for --check', async (t) => {
  const next = ETCD_SCENARIOS.put!(context());
  const requests = Array.from({ length: 500 }, next);
  t.ok(requests.every((request) => request.path === ETCD_PUT_PATH));
  const keys = requests.map((request) => request.ackKey);
  t.equal(new Set(keys).size, 500);
  t.equal(decode(parse(requests[0]!.body).key!), keys[0]);
});

t.test('get ranges the preloaded keys, the same names ours reads', async (t) => {
  const next = ETCD_SCENARIOS.get!(context(10));
  const requests = Array.from({ length: 10 }, next);
  t.ok(requests.every((request) => request.path === ETCD_RANGE_PATH && request.ackKey === undefined));
  t.same(
    requests.map((request) => decode(parse(request.body).key!)).sort(),
    Array.from({ length: 10 }, (_, i) => preloadKey(i)).sort(),
  );
  t.equal(decode(parse(etcdPreload(4).body).key!), preloadKey(4), 'preloading writes those names');
});

t.test('only put and get apply to etcd; the others say so', async (t) => {
  t.equal(etcdNotApplicable('put'), undefined);
  t.equal(etcdNotApplicable('get'), undefined);
  for (const name of SCENARIO_NAMES.filter((name) => name !== 'put' && name !== 'get')) t.match(etcdNotApplicable(name), /not applicable to etcd/, name);
});

t.test('answers: 2xx is ok, a gateway error names its gRPC code', async (t) => {
  t.same(classifyEtcdResponse(200, '{"header":{}}'), { outcome: 'ok', type: '200' });
  t.same(classifyEtcdResponse(400, '{"error":"etcdserver: key is not provided","code":3}'), { outcome: 'error', type: '400 etcd code 3' });
  t.same(classifyEtcdResponse(503, 'no json'), { outcome: 'error', type: '503 unknown' });
  t.equal(rangeFound('{"header":{},"kvs":[{"key":"a2V5","value":"dg=="}],"count":"1"}'), true);
  t.equal(rangeFound('{"header":{"revision":"2"}}'), false, 'a missing key has no kvs');
});
