import t from 'tap';
import { canonicalJson, RequestTokens, TOKEN_TTL_MS } from '../../../engine/txn/request-tokens.js';
import { MemoryStore } from '../../../engine/storage/memory/memory-store.js';


t.test('canonical JSON ignores key order', async (t) => {
  t.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }), canonicalJson({ a: [{ c: 3, d: 2 }], b: 1 }));
  t.not(canonicalJson({ a: 1 }), canonicalJson({ a: 2 }));
});

t.test('a token is new, then in progress, then a replay; another request is a mismatch', async (t) => {
  let now = 1_000_000;
  const store = new MemoryStore();
  const tokens = new RequestTokens(store, () => now);
  const fp = RequestTokens.fingerprint({ x: 1 });
  t.equal(await tokens.claim('tok', fp), 'new');
  await t.rejects(tokens.claim('tok', fp), { name: 'TransactionInProgressError' });
  await t.rejects(tokens.claim('tok', 'other'), { name: 'IdempotentParameterMismatchError' });
  await store.write([tokens.recordWrite('tok', fp)]);
  tokens.release('tok', fp, true);
  t.equal(await tokens.claim('tok', fp), 'replay');
  await t.rejects(tokens.claim('tok', 'other'), { name: 'IdempotentParameterMismatchError' });
  now += TOKEN_TTL_MS + 1;
  t.equal(await tokens.claim('tok', 'other'), 'new', 'expired tokens are forgotten');
});

t.test('tokens survive a restart through the store, and a failed call frees its token', async (t) => {
  const store = new MemoryStore();
  const fp = RequestTokens.fingerprint({ y: 2 });
  const first = new RequestTokens(store);
  await first.claim('a', fp);
  await store.write([first.recordWrite('a', fp)]);
  first.release('a', fp, true);
  await first.claim('b', fp);
  first.release('b', fp, false);
  const second = new RequestTokens(store);
  t.equal(await second.claim('a', fp), 'replay');
  t.equal(await second.claim('b', fp), 'new');
});
