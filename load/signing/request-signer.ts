/**
 * Signs DynamoDB JSON 1.0 requests with SigV4 the way the AWS SDK does:
 * @smithy/signature-v4 (the SDK's own signer) with @aws-crypto/sha256-js,
 * region us-east-1, service dynamodb, signing host, content-length,
 * content-type, x-amz-target, x-amz-date and x-amz-content-sha256 as the
 * SDK does (its SDK-only headers aside). The load suite only talks HTTP, so
 * every request it sends (setup, preload, load, check) goes through here.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

export const REGION = 'us-east-1';
export const SERVICE = 'dynamodb';
export const TARGET_PREFIX = 'DynamoDB_20120810.';
export const CONTENT_TYPE = 'application/x-amz-json-1.0';
/** Any key works: the servers under test accept any well-formed signature. */
export const LOAD_CREDENTIALS = { accessKeyId: 'AKIDLOADTEST', secretAccessKey: 'load-test-secret' };

/** Where requests go: the Host header is signed, so it is part of the signer. */
export interface Endpoint {
  hostname: string;
  port: number;
}

export type SignedHeaders = Record<string, string>;

export class RequestSigner {
  readonly #signer: SignatureV4;
  readonly #endpoint: Endpoint;
  readonly #host: string;

  constructor(endpoint: Endpoint, credentials = LOAD_CREDENTIALS) {
    this.#endpoint = endpoint;
    this.#host = `${endpoint.hostname}:${endpoint.port}`;
    this.#signer = new SignatureV4({ service: SERVICE, region: REGION, credentials, sha256: Sha256 });
  }

  /** The headers of `POST /` carrying `operation` with `body`, signed. */
  async sign(operation: string, body: string, signingDate?: Date): Promise<SignedHeaders> {
    const signed = await this.#signer.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: this.#endpoint.hostname,
        port: this.#endpoint.port,
        path: '/',
        headers: {
          host: this.#host,
          // Capitalised like autocannon's own header, which then overwrites it with the same value.
          'Content-Length': String(Buffer.byteLength(body)),
          'content-type': CONTENT_TYPE,
          'x-amz-target': `${TARGET_PREFIX}${operation}`,
        },
        body,
      },
      signingDate ? { signingDate } : {},
    );
    return signed.headers as SignedHeaders;
  }
}

/** Parses `http://host:port` into an Endpoint (the load suite speaks plain HTTP only). */
export function endpointOf(url: string): Endpoint {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:') throw new TypeError(`only http:// endpoints are supported, not ${url}`);
  return { hostname: parsed.hostname, port: parsed.port ? Number(parsed.port) : 80 };
}
