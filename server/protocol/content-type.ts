/**
 * The media types DynamoDB speaks. Requests may use either JSON media type;
 * a response echoes application/json when the request used it, and answers
 * application/x-amz-json-1.0 otherwise (as DynamoDB does).
 */
export const AMZ_JSON = 'application/x-amz-json-1.0';
export const PLAIN_JSON = 'application/json';

/** The bare media type of a Content-Type header, lowercased, without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

export function isAcceptedMediaType(type: string): boolean {
  return type === AMZ_JSON || type === PLAIN_JSON;
}

export function responseContentType(requestType: string): string {
  return requestType === AMZ_JSON ? AMZ_JSON : PLAIN_JSON;
}
