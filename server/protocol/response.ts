/**
 * Writing a response as DynamoDB does: a JSON body, its exact Content-Length,
 * and x-amz-crc32, the CRC32 of the exact body bytes (boto3 verifies it and
 * retries on a mismatch).
 */
import CRC32 from 'crc-32';
import type { FastifyReply } from 'fastify';

export const CRC32_HEADER = 'x-amz-crc32';
export const REQUEST_ID_HEADER = 'x-amzn-RequestId';

/** CRC32 of the bytes, as the unsigned decimal DynamoDB sends. */
export function crc32Of(payload: Buffer): number {
  return CRC32.buf(payload) >>> 0;
}

export function sendPayload(reply: FastifyReply, statusCode: number, payload: Buffer, contentType: string): FastifyReply {
  return reply
    .code(statusCode)
    .header('content-type', contentType)
    .header(CRC32_HEADER, String(crc32Of(payload)))
    .header('content-length', String(payload.length))
    .send(payload);
}

export function sendJson(reply: FastifyReply, statusCode: number, body: unknown, contentType: string): FastifyReply {
  return sendPayload(reply, statusCode, Buffer.from(JSON.stringify(body), 'utf8'), contentType);
}
