/**
 * Calls an operation of an in-process node through app.inject, signed with a
 * well-formed (unverified) SigV4 header, as a client would send it.
 */
import type { EmbeddedNode } from '../../server/embedded-node.js';

export const TEST_AUTHORIZATION =
  'AWS4-HMAC-SHA256 Credential=AKIDTEST/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00ff';

export interface InjectedResponse {
  status: number;
  body: Record<string, any>;
}

export async function callOperation(node: EmbeddedNode, operation: string, body: unknown): Promise<InjectedResponse> {
  const response = await node.app.inject({
    method: 'POST',
    url: '/',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${operation}`,
      'x-amz-date': '20240101T000000Z',
      authorization: TEST_AUTHORIZATION,
    },
    payload: JSON.stringify(body),
  });
  return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, any> };
}
