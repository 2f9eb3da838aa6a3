import t from 'tap';
import { SigV4Authenticator } from '../../server/auth/sigv4.js';
import { RequestSigner, endpointOf, LOAD_CREDENTIALS } from '../../load/signing/request-signer.js';
import { PoolEmptyError, REFILL_LOW_WATER, SIGNED_POOL_MAX, SignedRequestPool } from '../../load/signing/signed-pool.js';
import { presignCount } from '../../load/comparison.js';

const endpoint = endpointOf('http://127.0.0.1:8123');
const verifier = new SigV4Authenticator({ credentials: [LOAD_CREDENTIALS] });
/** What a server sees: Node lowercases incoming header names. */
const received = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
const body = JSON.stringify({ TableName: 'load_bench', Key: { pk: { S: 'k1' } } });

t.test('a signed request passes a verifying SigV4 check, a tampered one does not', async (t) => {
  const headers = await new RequestSigner(endpoint).sign('GetItem', body);
  t.match(headers.authorization, /^AWS4-HMAC-SHA256 Credential=AKIDLOADTEST\/\d{8}\/us-east-1\/dynamodb\/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/);
  t.equal(headers['x-amz-target'], 'DynamoDB_20120810.GetItem');
  await verifier.authenticate({ method: 'POST', url: '/', headers: received(headers), body: Buffer.from(body) });
  await t.rejects(verifier.authenticate({ method: 'POST', url: '/', headers: received(headers), body: Buffer.from(body.replace('k1', 'k2')) }), { code: 'InvalidSignatureException' });
  const wrongKey = await new RequestSigner(endpoint, { accessKeyId: LOAD_CREDENTIALS.accessKeyId, secretAccessKey: 'other' }).sign('GetItem', body);
  await t.rejects(verifier.authenticate({ method: 'POST', url: '/', headers: received(wrongKey), body: Buffer.from(body) }), { code: 'InvalidSignatureException' });
});

t.test('the pool hands out distinct signed requests in order, then resends the last one and counts it', async (t) => {
  let n = 0;
  const pool = new SignedRequestPool(new RequestSigner(endpoint), () => ({ operation: 'PutItem', body: `{"n":${n++}}` }), 4);
  t.throws(() => pool.take(), PoolEmptyError);
  await pool.fill(10);
  t.equal(pool.size, 4, 'fill stops at the capacity');
  const bodies = [pool.take(), pool.take(), pool.take(), pool.take()].map((request) => request.body);
  t.same(bodies, ['{"n":0}', '{"n":1}', '{"n":2}', '{"n":3}']);
  t.equal(pool.take().body, '{"n":3}', 'an underrun resends the last request');
  t.equal(pool.stats.reused, 1);
  t.equal(pool.stats.taken, 4);
  t.ok(pool.stats.signingMs > 0);
  t.throws(() => new SignedRequestPool(new RequestSigner(endpoint), () => ({ operation: 'x', body: '' }), 0), RangeError);
});

t.test('background refill tops the pool up until stopped', async (t) => {
  let n = 0;
  const pool = new SignedRequestPool(new RequestSigner(endpoint), () => ({ operation: 'PutItem', body: `{"n":${n++}}` }), 50);
  pool.startRefill();
  const deadline = Date.now() + 5_000;
  while (pool.size < 50 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  pool.stop();
  t.equal(pool.size, 50);
  t.equal(pool.take().body, '{"n":0}');
});

t.test('a pool filled for the whole run signs nothing more until it runs low', async (t) => {
  let n = 0;
  const pool = new SignedRequestPool(new RequestSigner(endpoint), () => ({ operation: 'PutItem', body: `{"n":${n++}}` }), REFILL_LOW_WATER + 10);
  await pool.fill(REFILL_LOW_WATER + 10);
  pool.startRefill();
  for (let i = 0; i < 5; i++) pool.take();
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.equal(pool.stats.signed, REFILL_LOW_WATER + 10, 'above the low water mark: no signing');
  for (let i = 0; i < 10; i++) pool.take();
  t.equal(pool.size, REFILL_LOW_WATER - 5);
  const deadline = Date.now() + 5_000;
  while (pool.size < REFILL_LOW_WATER && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  await new Promise((resolve) => setTimeout(resolve, 50));
  pool.stop();
  t.equal(pool.size, REFILL_LOW_WATER, 'below it: topped up to the low water mark, not to the capacity');
  t.equal(pool.stats.signed, REFILL_LOW_WATER + 15, 'only what was taken below it was signed');
});

t.test('presigning follows the previous round, within the pools\' capacity', async (t) => {
  t.equal(presignCount(4000, undefined), 4000);
  t.equal(presignCount(4000, 1000), 4000, 'never below the configured count');
  t.equal(presignCount(4000, 10_000), 12_000);
  t.equal(presignCount(4000, 1_000_000), SIGNED_POOL_MAX);
});
