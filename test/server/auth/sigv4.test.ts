import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import t from 'tap';
import { SigV4Authenticator, type SignedRequest } from '../../../server/auth/sigv4.js';
import { buildApp } from '../../../server/app.js';
import { ProtocolError } from '../../../server/errors.js';

const KEY = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const NOW = Date.UTC(2024, 0, 2, 3, 4, 5);
const BODY = '{"Limit":5}';

/** Signs a ListTables request the way the AWS SDK does. */
async function signed(options: { secret?: string; accessKeyId?: string; dateMs?: number; body?: string } = {}): Promise<SignedRequest> {
  const signer = new SignatureV4({
    credentials: { accessKeyId: options.accessKeyId ?? KEY.accessKeyId, secretAccessKey: options.secret ?? KEY.secretAccessKey },
    region: 'us-east-1',
    service: 'dynamodb',
    sha256: Sha256,
  });
  const request = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: 'localhost',
      path: '/',
      headers: {
        host: 'localhost:8000',
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
      },
      body: BODY,
    },
    { signingDate: new Date(options.dateMs ?? NOW) },
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  return { method: 'POST', url: '/', headers, body: Buffer.from(options.body ?? BODY) };
}

function verifying(): SigV4Authenticator {
  return new SigV4Authenticator({ credentials: [KEY], nowMs: () => NOW });
}

async function refusal(authenticator: SigV4Authenticator, request: SignedRequest): Promise<{ code: string; message: string } | undefined> {
  try {
    await authenticator.authenticate(request);
    return undefined;
  } catch (error) {
    if (error instanceof ProtocolError) return { code: error.code, message: error.message };
    throw error;
  }
}

function bare(headers: Record<string, string>, url = '/'): SignedRequest {
  return { method: 'POST', url, headers, body: Buffer.from('{}') };
}

t.test('without credentials, any well-formed signature passes and malformed ones get DynamoDB’s errors', async (t) => {
  const open = new SigV4Authenticator();
  t.equal(await refusal(open, await signed({ secret: 'anything', accessKeyId: 'ANYONE' })), undefined);
  t.strictSame(await refusal(open, bare({})), { code: 'MissingAuthenticationTokenException', message: 'Request is missing Authentication Token' });
  t.strictSame(await refusal(open, bare({ authorization: 'AWS4' })), {
    code: 'MissingAuthenticationTokenException',
    message: 'Request is missing Authentication Token',
  });
  t.strictSame(await refusal(open, bare({ authorization: 'AWS4-' })), {
    code: 'IncompleteSignatureException',
    message:
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
      "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-",
  });
  for (const header of ['AWS4- Signature=b Credential=a', 'AWS4- Signature=b,Credential=a', 'AWS4- Signature=b, Credential=a']) {
    t.strictSame(await refusal(open, bare({ authorization: header, date: 'a' })), {
      code: 'IncompleteSignatureException',
      message: `Authorization header requires 'SignedHeaders' parameter. Authorization=${header}`,
    });
  }
  t.strictSame(await refusal(open, bare({ authorization: 'X' }, '/?X-Amz-Algorithm')), {
    code: 'InvalidSignatureException',
    message: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
  });
  t.strictSame(await refusal(open, bare({}, '/?X-Amz-Credential=a&X-Amz-Signature=b&X-Amz-SignedHeaders=c&X-Amz-Date=d')), {
    code: 'MissingAuthenticationTokenException',
    message: 'Request is missing Authentication Token',
  });
  t.strictSame(await refusal(open, bare({}, '/?X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-Date=d')), {
    code: 'IncompleteSignatureException',
    message: "AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.",
  });
  t.strictSame(
    await refusal(open, bare({ authorization: 'AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=1', 'x-amz-date': '201' })),
    { code: 'IncompleteSignatureException', message: "Date must be in ISO-8601 'basic format'. Got '201'. See http://en.wikipedia.org/wiki/ISO_8601" },
  );
  t.strictSame(
    await refusal(open, bare({ authorization: 'AWS4-HMAC-SHA25 Credential=a/b/c/d/e, SignedHeaders=host, Signature=1', 'x-amz-date': '20240101T000000Z' })),
    { code: 'IncompleteSignatureException', message: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA25' (only AWS4-HMAC-SHA256 for now). " },
  );
  t.strictSame(
    await refusal(open, bare({ authorization: 'AWS4-HMAC-SHA256 Credential=a/b/c/d, SignedHeaders=host, Signature=1', 'x-amz-date': '20240101T000000Z' })),
    {
      code: 'IncompleteSignatureException',
      message: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'a/b/c/d'",
    },
  );
});

t.test('with credentials, a signature made by the SDK signer is verified', async (t) => {
  t.equal(await refusal(verifying(), await signed()), undefined);
});

t.test('a wrong secret, a tampered body or a tampered header is an InvalidSignatureException', async (t) => {
  const expected = {
    code: 'InvalidSignatureException',
    message:
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  };
  t.strictSame(await refusal(verifying(), await signed({ secret: 'not-the-secret' })), expected);
  t.strictSame(await refusal(verifying(), await signed({ body: '{"Limit":6}' })), expected);
  const request = await signed();
  request.headers['x-amz-target'] = 'DynamoDB_20120810.DeleteTable';
  t.strictSame(await refusal(verifying(), request), expected);
  // A signed payload hash must be the hash of the body actually sent.
  const hashed = await signed();
  t.ok(hashed.headers['x-amz-content-sha256'], 'the SDK signer signs the payload hash');
  t.equal(await refusal(verifying(), hashed), undefined);
  t.strictSame(await refusal(verifying(), { ...hashed, body: Buffer.from('{"Limit":6}') }), expected);
});

t.test('an unknown key id is an UnrecognizedClientException', async (t) => {
  t.strictSame(await refusal(verifying(), await signed({ accessKeyId: 'AKIDUNKNOWN' })), {
    code: 'UnrecognizedClientException',
    message: 'The security token included in the request is invalid.',
  });
});

t.test('requests dated more than 15 minutes away are refused', async (t) => {
  const old = NOW - 16 * 60 * 1000;
  t.strictSame(await refusal(verifying(), await signed({ dateMs: old })), {
    code: 'InvalidSignatureException',
    message: 'Signature expired: 20240102T024805Z is now earlier than 20240102T024905Z (20240102T030405Z - 15 min.)',
  });
  t.strictSame(await refusal(verifying(), await signed({ dateMs: NOW + 16 * 60 * 1000 })), {
    code: 'InvalidSignatureException',
    message: 'Signature not yet current: 20240102T032005Z is still later than 20240102T031905Z (20240102T030405Z + 15 min.)',
  });
  t.equal(await refusal(verifying(), await signed({ dateMs: NOW - 14 * 60 * 1000 })), undefined);
});

t.test('a signature that does not sign Host is refused', async (t) => {
  const request = await signed();
  request.headers.authorization = request.headers.authorization!.replace(/SignedHeaders=[^,]+/, 'SignedHeaders=content-type;x-amz-date');
  t.strictSame(await refusal(verifying(), request), {
    code: 'InvalidSignatureException',
    message: "'Host' must be a 'SignedHeader' in the AWS Authorization.",
  });
});

t.test('presigned query-string requests are verified too', async (t) => {
  const signer = new SignatureV4({ credentials: KEY, region: 'us-east-1', service: 'dynamodb', sha256: Sha256 });
  const presigned = await signer.presign(
    { method: 'POST', protocol: 'http:', hostname: 'localhost', path: '/', headers: { host: 'localhost:8000' }, body: BODY },
    { signingDate: new Date(NOW), expiresIn: 300 },
  );
  const query = new URLSearchParams(presigned.query as Record<string, string>).toString();
  const request: SignedRequest = { method: 'POST', url: `/?${query}`, headers: { host: 'localhost:8000' }, body: Buffer.from(BODY) };
  t.equal(await refusal(verifying(), request), undefined);
  const tampered = { ...request, url: request.url.replace(/X-Amz-Signature=[0-9a-f]+/, `X-Amz-Signature=${'0'.repeat(64)}`) };
  t.equal((await refusal(verifying(), tampered))?.code, 'InvalidSignatureException');
  const late = new SigV4Authenticator({ credentials: [KEY], nowMs: () => NOW + 301 * 1000 });
  t.match((await refusal(late, request))?.message, /^Signature expired: /);
});

t.test('the AWS SDK client talks to a listening app with verified credentials', async (t) => {
  const app = await buildApp({
    operations: { ListTables: async () => ({ TableNames: ['alpha'] }) },
    credentials: [KEY],
    logger: false,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => app.close());
  const endpoint = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const client = (credentials: typeof KEY) => new DynamoDBClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });

  const good = client(KEY);
  t.teardown(() => good.destroy());
  t.same((await good.send(new ListTablesCommand({}))).TableNames, ['alpha']);

  const wrongSecret = client({ ...KEY, secretAccessKey: 'wrong' });
  t.teardown(() => wrongSecret.destroy());
  await t.rejects(wrongSecret.send(new ListTablesCommand({})), { name: 'InvalidSignatureException' });

  const unknown = client({ accessKeyId: 'AKIDNOBODY', secretAccessKey: 'x' });
  t.teardown(() => unknown.destroy());
  await t.rejects(unknown.send(new ListTablesCommand({})), {
    name: 'UnrecognizedClientException',
    message: 'The security token included in the request is invalid.',
  });
});

t.test('without credentials configured, the SDK works with any key pair', async (t) => {
  const app = await buildApp({ operations: { ListTables: async () => ({ TableNames: [] }) }, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => app.close());
  const endpoint = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: 'eu-west-3', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
  t.teardown(() => client.destroy());
  t.same((await client.send(new ListTablesCommand({ Limit: 3 }))).TableNames, []);
  await t.rejects(client.send(new ListTablesCommand({ Limit: 0 })), {
    name: 'ValidationException',
    message: "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
  });
});
