/**
 * Half-open key spans [start, end) and the one operation that builds them:
 * the end of "every key that starts with this prefix".
 */

export interface KeySpan {
  start: Buffer;
  /** Exclusive. */
  end: Buffer;
}

/**
 * The smallest key greater than every key that starts with `prefix`: drop
 * trailing 0xFF bytes and increment the last remaining one. Undefined when
 * the prefix is all 0xFF (no such key exists; the span runs to the end).
 */
export function prefixEnd(prefix: Buffer): Buffer | undefined {
  let length = prefix.length;
  while (length > 0 && prefix[length - 1] === 0xff) length--;
  if (length === 0) return undefined;
  const end = Buffer.from(prefix.subarray(0, length));
  end[length - 1] = (end[length - 1] as number) + 1;
  return end;
}

/** Whether `key` lies in [start, end). */
export function spanContains(span: KeySpan, key: Buffer): boolean {
  return Buffer.compare(key, span.start) >= 0 && Buffer.compare(key, span.end) < 0;
}
