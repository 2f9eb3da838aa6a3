import t from 'tap';
import {
  canonicalJson,
  RequestTokens,
  TOKEN_TTL_MS,
  tokenRecordBounds,
  tokenRecordKey,
  tokenRecordPrimary,
  type RequestToken,
} from '../../../engine/txn/request-tokens.js';
import { IdempotentParameterMismatchError, TransactionCanceledError } from '../../../engine/errors.js';
import { add, allLocks, balance, key, openFixture, put } from './txn-fixture.js';

t.test('canonical JSON ignores key order', async (t) => {
  t.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }), canonicalJson({ a: [{ c: 3, d: 2 }], b: 1 }));
  t.not(canonicalJson({ a: 1 }), canonicalJson({ a: 2 }));
});

t.test('a token record key names its first item, inside the bounds of that item\'s range', async (t) => {
  const primary = Buffer.from([0, 0, 0, 7, 1, 2, 0x61, 0]);
  const recordKey = tokenRecordKey(primary, 'tök-1');
  t.same(tokenRecordPrimary(recordKey), primary);
  const bounds = tokenRecordBounds({ start: primary, end: Buffer.from([0, 0, 0, 8]) });
  t.ok(Buffer.compare(recordKey, bounds.gte) >= 0 && Buffer.compare(recordKey, bounds.lt) < 0);
  t.ok(Buffer.compare(tokenRecordKey(Buffer.from([0, 0, 0, 6]), 'x'), bounds.gte) < 0, 'a lower item is outside');
});

t.test("a node's tokens: new, then in progress, then a replay from memory; another request is a mismatch", async (t) => {
  let now = 1_000_000;
  const tokens = new RequestTokens(() => now);
  const fp = RequestTokens.fingerprint({ x: 1 });
  const first = tokens.token('tok', fp);
  t.equal(tokens.claim(first), 'new');
  t.throws(() => tokens.claim(tokens.token('tok', fp)), { name: 'TransactionInProgressError' });
  t.throws(() => tokens.claim(tokens.token('tok', 'other')), { name: 'IdempotentParameterMismatchError' });
  tokens.release(first, true);
  t.equal(tokens.claim(tokens.token('tok', fp)), 'replay');
  t.throws(() => tokens.claim(tokens.token('tok', 'other')), { name: 'IdempotentParameterMismatchError' });
  now += TOKEN_TTL_MS + 1;
  t.equal(tokens.claim(tokens.token('tok', 'other')), 'new', 'expired tokens are forgotten');
  const failed = tokens.token('b', fp);
  tokens.claim(failed);
  tokens.release(failed, false);
  t.equal(tokens.claim(tokens.token('b', fp)), 'new', 'a failed call frees its token');
});

// The record on the range of the first item is what counts: a coordinator
// knows nothing of tokens, so each call below could come from any node.
for (const [shape, actions] of [
  ['one-phase', () => [add('a', 1), add('b', 1)]],
  ['two-phase', () => [add('a', 1), add('x', 1)]],
] as const) {
  t.test(`${shape}: the token record on the first item's range makes a retry a replay, durably`, async (t) => {
    const fixture = await openFixture(t);
    for (const id of ['a', 'b', 'x']) await fixture.ranges.transactOnRange({ actions: [put(id, 100)] });
    const fp = RequestTokens.fingerprint({ shape });
    const token = (fingerprint = fp, atMs = fixture.wall.ms): RequestToken => ({ value: 'tok', fingerprint, atMs });
    const second = actions()[1]!.itemKey.toString();

    t.same(await fixture.coordinator().transactWrite(actions(), token()).then((r) => r.replayed), false);
    t.ok(await fixture.store.get(tokenRecordKey(key('a'), 'tok')), 'recorded beside the first item');
    t.same(await fixture.coordinator().transactWrite(actions(), token()), { outcomes: [], replayed: true });
    await fixture.reopen();
    t.same(await fixture.coordinator().transactWrite(actions(), token()), { outcomes: [], replayed: true }, 'after a restart too');
    await t.rejects(fixture.coordinator().transactWrite(actions(), token('other')), IdempotentParameterMismatchError);
    t.same([await balance(fixture, 'a'), await balance(fixture, second)], [101, 101], 'written once');
    t.same(allLocks(fixture), [], 'a replay or a mismatch leaves no lock');

    const later = fixture.wall.ms + TOKEN_TTL_MS + 1;
    t.same((await fixture.coordinator().transactWrite(actions(), token('other', later))).replayed, false, 'after 10 minutes the token is new');
    t.same([await balance(fixture, 'a'), await balance(fixture, second)], [102, 102]);
  });
}

t.test('a canceled transaction records no token; expired records are garbage-collected', async (t) => {
  const fixture = await openFixture(t);
  for (const id of ['a', 'x']) await fixture.ranges.transactOnRange({ actions: [put(id, 100)] });
  const token: RequestToken = { value: 'gc', fingerprint: 'f', atMs: fixture.wall.ms };
  await t.rejects(fixture.coordinator().transactWrite([add('a', 1), add('x', -1000, true)], token), TransactionCanceledError);
  t.equal(await fixture.store.get(tokenRecordKey(key('a'), 'gc')), undefined);
  t.same((await fixture.coordinator().transactWrite([add('a', 1), add('x', 1)], token)).replayed, false, 'the token is still free');

  const range = fixture.ranges.rangeOf(key('a'));
  await range.collectGarbage(60_000, undefined);
  t.ok(await fixture.store.get(tokenRecordKey(key('a'), 'gc')), 'kept while valid');
  fixture.wall.ms += TOKEN_TTL_MS + 1;
  await range.collectGarbage(60_000, undefined);
  t.equal(await fixture.store.get(tokenRecordKey(key('a'), 'gc')), undefined, 'deleted once expired');
});
