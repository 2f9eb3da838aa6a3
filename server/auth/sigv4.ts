/**
 * AWS Signature Version 4 authentication of incoming requests.
 *
 * Every request must carry a well-formed signature (Authorization header or
 * presigned query string), checked and refused with DynamoDB's own errors and
 * wording. With no credentials configured, a well-formed signature is enough
 * (like DynamoDB Local). With credentials configured, the signature is
 * recomputed with @smithy/signature-v4 (the SDKs' own signer) over the method,
 * path, query, the headers the client listed as signed and the body, and
 * compared in constant time; the request date must be within
 * SIGNATURE_SKEW_MS of our clock.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { ProtocolError } from '../errors.js';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** What authentication needs to know about a request. */
export interface SignedRequest {
  method: string;
  /** Path and query string, as received. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface AuthenticatorOptions {
  /** Accepted key pairs; none (or empty) means any well-formed signature is accepted. */
  credentials?: readonly Credentials[];
  /** The clock requests are compared with (tests inject one). */
  nowMs?: () => number;
}

/** DynamoDB refuses requests dated more than 15 minutes away from its clock. */
export const SIGNATURE_SKEW_MS = 15 * 60 * 1000;
/** Presigned requests may not live longer than a week (SigV4 rule). */
export const MAX_PRESIGNED_EXPIRES_SECONDS = 7 * 24 * 3600;

const ALGORITHM = 'AWS4-HMAC-SHA256';
const SERVICE = 'dynamodb';
const TERMINATOR = 'aws4_request';
const ISO_BASIC = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const CONTENT_SHA256_HEADER = 'x-amz-content-sha256';

/** The parts of a signature, from either the Authorization header or the query string. */
interface SignatureParts {
  algorithm: string;
  credential: string;
  signedHeaders: string[];
  signature: string;
  /** The request date as sent (ISO-8601 basic, e.g. 20130609T095204Z). */
  date: string;
  /** Query-string signatures only. */
  expiresSeconds?: number;
  presigned: boolean;
}

interface Scope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** Splits "AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=c;d, Signature=e" into its key=value pairs. */
function authorizationParams(header: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const token of header.split(/[, ]/).slice(1)) {
    const trimmed = token.trim();
    if (trimmed === '') continue;
    const equals = trimmed.indexOf('=');
    if (equals > 0) params[trimmed.slice(0, equals)] = trimmed.slice(equals + 1);
  }
  return params;
}

function fromAuthorizationHeader(header: string, headers: IncomingHttpHeaders): SignatureParts {
  const params = authorizationParams(header);
  let message = '';
  for (const name of ['Credential', 'Signature', 'SignedHeaders']) {
    if (!params[name]) message += `Authorization header requires '${name}' parameter. `;
  }
  const date = headerValue(headers, 'x-amz-date') ?? headerValue(headers, 'date');
  if (!date) message += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  if (message) throw new ProtocolError('IncompleteSignatureException', `${message}Authorization=${header}`);
  return {
    algorithm: header.trim().split(/\s+/)[0] ?? '',
    credential: params.Credential!,
    signedHeaders: params.SignedHeaders!.toLowerCase().split(';'),
    signature: params.Signature!,
    date: date!,
    presigned: false,
  };
}

const QUERY_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date'] as const;

function fromQuery(query: URLSearchParams): SignatureParts {
  let message = '';
  for (const name of QUERY_PARAMS) {
    if (!query.get(name)) message += `AWS query-string parameters must include '${name}'. `;
  }
  if (message) throw new ProtocolError('IncompleteSignatureException', `${message}Re-examine the query-string parameters.`);
  const expires = query.get('X-Amz-Expires');
  return {
    algorithm: query.get('X-Amz-Algorithm')!,
    credential: query.get('X-Amz-Credential')!,
    signedHeaders: query.get('X-Amz-SignedHeaders')!.toLowerCase().split(';'),
    signature: query.get('X-Amz-Signature')!,
    date: query.get('X-Amz-Date')!,
    ...(expires !== null ? { expiresSeconds: Number(expires) } : {}),
    presigned: true,
  };
}

/** Parses an ISO-8601 basic date (or, for the Date header, an HTTP date) to epoch ms. */
function parseRequestDate(date: string): number {
  const match = ISO_BASIC.exec(date);
  const ms = match
    ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), Number(match[4]), Number(match[5]), Number(match[6]))
    : Date.parse(date);
  if (!Number.isFinite(ms) || (match === null && !/GMT$/.test(date))) {
    throw new ProtocolError(
      'IncompleteSignatureException',
      `Date must be in ISO-8601 'basic format'. Got '${date}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    );
  }
  return ms;
}

function isoBasic(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function parseScope(credential: string): Scope {
  const elements = credential.replace(/\/+$/, '').split('/');
  if (elements.length !== 5) {
    throw new ProtocolError(
      'IncompleteSignatureException',
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`,
    );
  }
  const [accessKeyId, date, region, service, terminator] = elements as [string, string, string, string, string];
  return { accessKeyId, date, region, service, terminator };
}

/** Reads and checks the form of a request's signature: what DynamoDB Local also insists on. */
export function parseSignature(request: SignedRequest): { parts: SignatureParts; dateMs: number; query: URLSearchParams } {
  const query = new URLSearchParams(request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '');
  const header = headerValue(request.headers, 'authorization');
  const queryAuth = query.has('X-Amz-Algorithm');
  if (header !== undefined && queryAuth) {
    throw new ProtocolError(
      'InvalidSignatureException',
      "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    );
  }
  if ((header === undefined && !queryAuth) || (header !== undefined && !header.trim().startsWith('AWS4-'))) {
    throw new ProtocolError('MissingAuthenticationTokenException', 'Request is missing Authentication Token');
  }
  const parts = header !== undefined ? fromAuthorizationHeader(header, request.headers) : fromQuery(query);
  const dateMs = parseRequestDate(parts.date);
  return { parts, dateMs, query };
}

function checkAlgorithmAndScope(parts: SignatureParts): Scope {
  if (parts.algorithm !== ALGORITHM) {
    throw new ProtocolError(
      'IncompleteSignatureException',
      `Unsupported AWS 'algorithm': '${parts.algorithm}' (only ${ALGORITHM} for now). `,
    );
  }
  return parseScope(parts.credential);
}

function checkSkew(parts: SignatureParts, dateMs: number, nowMs: number): void {
  const now = isoBasic(nowMs);
  const expiresMs = parts.expiresSeconds !== undefined ? parts.expiresSeconds * 1000 : SIGNATURE_SKEW_MS;
  if (parts.presigned && nowMs > dateMs + expiresMs) {
    throw new ProtocolError('InvalidSignatureException', `Signature expired: ${parts.date} is now earlier than ${isoBasic(nowMs - expiresMs)} (${now} - ${expiresMs / 60000} min.)`);
  }
  if (!parts.presigned && dateMs < nowMs - SIGNATURE_SKEW_MS) {
    throw new ProtocolError(
      'InvalidSignatureException',
      `Signature expired: ${parts.date} is now earlier than ${isoBasic(nowMs - SIGNATURE_SKEW_MS)} (${now} - 15 min.)`,
    );
  }
  if (dateMs > nowMs + SIGNATURE_SKEW_MS) {
    throw new ProtocolError(
      'InvalidSignatureException',
      `Signature not yet current: ${parts.date} is still later than ${isoBasic(nowMs + SIGNATURE_SKEW_MS)} (${now} + 15 min.)`,
    );
  }
}

function checkScopeValues(scope: Scope, parts: SignatureParts): void {
  let message = '';
  if (scope.service !== SERVICE) message += `Credential should be scoped to correct service: '${SERVICE}'. `;
  if (scope.terminator !== TERMINATOR) message += `Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${scope.terminator}'. `;
  const dateDay = parts.date.slice(0, 8);
  if (ISO_BASIC.test(parts.date) && scope.date !== dateDay) {
    message += `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scope.date}' != '${dateDay}', from '${parts.date}'.`;
  }
  if (message) throw new ProtocolError('InvalidSignatureException', message.trim());
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function sha256Hex(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

export class SigV4Authenticator {
  private readonly secrets = new Map<string, string>();
  /** One signer per key id; bounded by the configured credentials. */
  private readonly signers = new Map<string, SignatureV4>();
  private readonly nowMs: () => number;

  constructor(options: AuthenticatorOptions = {}) {
    for (const { accessKeyId, secretAccessKey } of options.credentials ?? []) this.secrets.set(accessKeyId, secretAccessKey);
    this.nowMs = options.nowMs ?? Date.now;
  }

  /** True when signatures are verified, not just checked for form. */
  get verifying(): boolean {
    return this.secrets.size > 0;
  }

  /** Resolves when the request may proceed; rejects with a ProtocolError otherwise. */
  async authenticate(request: SignedRequest): Promise<void> {
    const { parts, dateMs, query } = parseSignature(request);
    if (!this.verifying) {
      checkAlgorithmAndScope(parts);
      return;
    }
    checkSkew(parts, dateMs, this.nowMs());
    if (!parts.signedHeaders.includes('host')) {
      throw new ProtocolError('InvalidSignatureException', "'Host' must be a 'SignedHeader' in the AWS Authorization.");
    }
    const scope = checkAlgorithmAndScope(parts);
    checkScopeValues(scope, parts);
    const secret = this.secrets.get(scope.accessKeyId);
    if (secret === undefined) {
      throw new ProtocolError('UnrecognizedClientException', 'The security token included in the request is invalid.');
    }
    let expected: string;
    try {
      expected = await this.expectedSignature(request, parts, scope, dateMs, query, secret);
    } catch (error) {
      // Whatever the signer cannot digest (a hostile header, an absurd expiry) is the client's bad signature.
      if (error instanceof ProtocolError) throw error;
      throw new ProtocolError('InvalidSignatureException');
    }
    if (!constantTimeEqual(expected, parts.signature)) throw new ProtocolError('InvalidSignatureException');
    if (headerValue(request.headers, 'x-amz-security-token') !== undefined || query.has('X-Amz-Security-Token')) {
      // Temporary credentials are never ours to accept.
      throw new ProtocolError('UnrecognizedClientException', 'The security token included in the request is invalid');
    }
  }

  private signer(accessKeyId: string, secretAccessKey: string): SignatureV4 {
    let signer = this.signers.get(accessKeyId);
    if (signer === undefined) {
      signer = new SignatureV4({
        credentials: { accessKeyId, secretAccessKey },
        region: 'us-east-1',
        service: SERVICE,
        sha256: Sha256,
        // The client decides whether x-amz-content-sha256 is signed; we only sign what it listed.
        applyChecksum: false,
      });
      this.signers.set(accessKeyId, signer);
    }
    return signer;
  }

  private async expectedSignature(
    request: SignedRequest,
    parts: SignatureParts,
    scope: Scope,
    dateMs: number,
    query: URLSearchParams,
    secret: string,
  ): Promise<string> {
    const headers: Record<string, string> = {};
    for (const name of parts.signedHeaders) {
      const value = headerValue(request.headers, name);
      if (value !== undefined) headers[name] = value;
    }
    const claimedHash = headers[CONTENT_SHA256_HEADER];
    if (claimedHash !== undefined && claimedHash !== sha256Hex(request.body)) {
      throw new ProtocolError('InvalidSignatureException');
    }
    const queryRecord: Record<string, string | string[]> = {};
    for (const key of new Set(query.keys())) {
      if (key === 'X-Amz-Signature') continue;
      const values = query.getAll(key);
      queryRecord[key] = values.length === 1 ? values[0]! : values;
    }
    const questionMark = request.url.indexOf('?');
    const toSign = {
      method: request.method,
      protocol: 'http:',
      hostname: headerValue(request.headers, 'host') ?? '',
      path: questionMark === -1 ? request.url : request.url.slice(0, questionMark),
      query: queryRecord,
      headers,
      body: request.body,
    };
    const options = {
      signingDate: new Date(dateMs),
      signingRegion: scope.region,
      signingService: scope.service,
      signableHeaders: new Set(parts.signedHeaders),
    };
    const signer = this.signer(scope.accessKeyId, secret);
    if (parts.presigned) {
      const expiresIn = Math.min(parts.expiresSeconds ?? 3600, MAX_PRESIGNED_EXPIRES_SECONDS);
      const signed = await signer.presign(toSign, { ...options, expiresIn });
      const signature = signed.query?.['X-Amz-Signature'];
      return typeof signature === 'string' ? signature : '';
    }
    const signed = await signer.sign(toSign, options);
    const authorization = String(signed.headers.authorization ?? signed.headers.Authorization ?? '');
    return /Signature=([0-9a-f]+)/.exec(authorization)?.[1] ?? '';
  }
}
